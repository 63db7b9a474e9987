"""One chat-completions request to one provider endpoint, body passed through unchanged.

:func:`endpoints_of` lists where a model can be reached, in order: its own provider from the
:class:`~smart_spawn_plugin.providers.registry.ProviderRegistry` (direct keys, local servers,
the custom ``SMART_SPAWN_BASE_URL``), then OpenRouter when that is not the same place and an
OpenRouter key is set — a model reachable both directly and through OpenRouter goes direct first.

:func:`send` POSTs the client's body with only ``model`` replaced by the provider's id (tools,
``response_format``, temperature and every other field pass through), the provider's key alone
and, for a local server without ``max_tokens``, ``providers.localMaxOutput``. A failure is an
:class:`AttemptFailed`; ``fallback`` says whether the next candidate may answer instead (401,
403, 404 — this provider's key or model —, 408, 429, 5xx, timeouts, transport errors, a
context-length error) or the error goes to the client.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Final

import httpx

from smart_spawn_plugin.errors import UpstreamError, is_context_length_error
from smart_spawn_plugin.providers.registry import OPENROUTER, Endpoint, ProviderRegistry

_ATTRIBUTION: Final = {
    "HTTP-Referer": "https://github.com/deeflect/smart-spawn",
    "X-Title": "smart-spawn",
}
CONNECT_TIMEOUT: Final = 5.0


class AttemptFailed(UpstreamError):
    """One endpoint failed. ``fallback``: the next candidate may answer instead."""

    def __init__(self, model: str, message: str, *, fallback: bool, status: int | None) -> None:
        super().__init__(f"{model}: {message}", retryable=fallback, status_code=status)
        self.model = model
        self.fallback = fallback


#: Statuses after which another endpoint may answer: this provider's key or model is the
#: problem (401, 403, 404), or it is busy or down (408, 429, 5xx).
_FALLBACK_STATUSES: Final = frozenset({401, 403, 404, 408, 429})


def falls_back(status: int, message: str) -> bool:
    """Whether an HTTP error lets the next candidate answer (a 400/422 about the request itself
    does not: every model would refuse it — unless it says the context is too long)."""
    return status in _FALLBACK_STATUSES or status >= 500 or is_context_length_error(message)


def endpoints_of(registry: ProviderRegistry, model: str) -> list[Endpoint]:
    """Where ``model`` can be reached, direct first (module docstring)."""
    first = registry.resolve(model)
    found = [first]
    openrouter = registry.providers.get(OPENROUTER)
    if (
        not first.openrouter
        and not first.local
        and openrouter is not None
        and openrouter.secret()
        and "/" in model
    ):
        found.append(openrouter.endpoint(model))
    return found


def error_message(body: bytes, fallback: str) -> str:
    """The provider's error message from an OpenAI/OpenRouter error body."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body.decode(errors="replace")[:300] or fallback
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or fallback)
    if isinstance(error, str):
        return error
    return fallback


def request_body(
    body: dict[str, Any], endpoint: Endpoint, *, local_max_output: int, stream: bool
) -> dict[str, Any]:
    """The body sent to ``endpoint``: the client's, with the provider's model id."""
    sent = {**body, "model": endpoint.wire_model}
    if endpoint.local and "max_tokens" not in sent and "max_completion_tokens" not in sent:
        sent["max_tokens"] = local_max_output
    if stream:
        options = dict(sent.get("stream_options") or {})
        options["include_usage"] = True  # for the spawn log; dropped again if not asked for
        sent["stream_options"] = options
    return sent


def headers_of(endpoint: Endpoint) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    if endpoint.openrouter:
        headers.update(_ATTRIBUTION)
    return headers


async def send(
    http: httpx.AsyncClient,
    endpoint: Endpoint,
    model: str,
    body: dict[str, Any],
    *,
    timeout: float,  # noqa: ASYNC109  # httpx's per-request timeout, not a deadline
    stream: bool,
    max_bytes: int,
) -> httpx.Response:
    """POST to ``endpoint``. A stream: the open response (the caller closes it); else the
    response read whole, at most ``max_bytes`` of it. ``AttemptFailed`` otherwise."""
    if endpoint.openrouter and not endpoint.api_key:
        raise AttemptFailed(
            model, "no OpenRouter key (set OPENROUTER_API_KEY)", fallback=True, status=401
        )
    request = http.build_request(
        "POST",
        f"{endpoint.base_url.rstrip('/')}/chat/completions",
        json=body,
        headers=headers_of(endpoint),
        timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
    )
    try:
        response = await http.send(request, stream=True)
    except httpx.TimeoutException:
        raise AttemptFailed(
            model, f"no answer within {timeout:g}s", fallback=True, status=504
        ) from None
    except httpx.HTTPError as error:
        raise AttemptFailed(
            model, f"transport error ({type(error).__name__})", fallback=True, status=502
        ) from None
    if response.is_success:
        if stream:
            return response
        return httpx.Response(response.status_code, content=await _read(response, model, max_bytes))
    content = await _read(response, model, max_bytes)
    message = error_message(content, response.reason_phrase)
    raise AttemptFailed(
        model,
        f"HTTP {response.status_code}: {message}",
        fallback=falls_back(response.status_code, message),
        status=response.status_code,
    )


def too_large(model: str, max_bytes: int) -> AttemptFailed:
    return AttemptFailed(
        model,
        f"response larger than {max_bytes} bytes (providers.maxResponseBytes); refused",
        fallback=True,
        status=502,
    )


async def _read(response: httpx.Response, model: str, max_bytes: int) -> bytes:
    """The body, never more than ``max_bytes`` of it in memory (``AttemptFailed`` beyond)."""
    declared = response.headers.get("content-length", "")
    chunks: list[bytes] = []
    size = 0
    try:
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_large(model, max_bytes)
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise too_large(model, max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)
    except httpx.HTTPError as error:
        raise AttemptFailed(
            model, f"transport error ({type(error).__name__})", fallback=True, status=502
        ) from None
    finally:
        await response.aclose()


async def sse_data(response: httpx.Response, model: str, max_bytes: int) -> AsyncIterator[str]:
    """The ``data:`` payloads of a server-sent-events body, in order (``[DONE]`` included);
    ``AttemptFailed`` once the body passes ``max_bytes``."""
    size = 0
    async for line in response.aiter_lines():
        size += len(line) + 1
        if size > max_bytes:
            raise too_large(model, max_bytes)
        if line.startswith("data:"):
            yield line[5:].strip()
