"""A chat-completions provider's HTTP response: read under a size cap, parsed once, errors typed.

* :func:`read_capped` reads a streamed body, at most ``cap`` bytes of it (None when larger: the
  rest is never read, so a huge body is never buffered whole).
* :func:`parse_completion` parses a 2xx body into a :class:`Completion` (unknown fields ignored;
  an error inside a 200 — OpenRouter's mid-generation failures — is an error).
* :func:`provider_message`, :func:`retry_after` and :func:`is_retryable_status` read an error
  response (host-contract D.4: 408/429/5xx are retryable).
* :class:`ProviderError` is the ``UpstreamError`` all of these raise; its message is passed
  through :func:`~smart_spawn_plugin.errors.redact` with every known secret.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from smart_spawn_plugin.contract import Usage
from smart_spawn_plugin.errors import UpstreamError, redact
from smart_spawn_plugin.gateway.messages import ChatToolCall, Completion

#: A provider's Retry-After longer than this is capped: the overall deadline rules anyway.
MAX_RETRY_AFTER: Final = 10.0


class ProviderError(UpstreamError):
    """An ``UpstreamError`` from a chat-completions provider; ``retry_after`` in seconds."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        status_code: int | None = None,
        retry_after: float | None = None,
        secrets: Sequence[str] = (),
    ) -> None:
        super().__init__(redact(message, secrets), retryable=retryable, status_code=status_code)
        self.retry_after = retry_after


# ---- the provider's response, parsed once (unknown fields ignored) ----


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _ErrorBody(_Lenient):
    code: int | str | None = None
    message: str = "unknown error"


class _Function(_Lenient):
    name: str
    arguments: str | None = None


class _ToolCall(_Lenient):
    id: str
    function: _Function


class _Part(_Lenient):
    text: str | None = None


class _Message(_Lenient):
    content: str | list[_Part] | None = None
    tool_calls: list[_ToolCall] | None = None


class _Choice(_Lenient):
    message: _Message | None = None
    finish_reason: str | None = None
    error: _ErrorBody | None = None


class _Usage(_Lenient):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int | None = None
    cost: float | None = None


class _Response(_Lenient):
    id: str | None = None
    model: str | None = None
    choices: list[_Choice] = []
    usage: _Usage | None = None
    error: _ErrorBody | None = None


def is_retryable_status(status: int) -> bool:
    return status in {408, 429} or status >= 500


def _code_retryable(code: int | str | None) -> bool:
    return isinstance(code, int) and is_retryable_status(code)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER) if value is not None else None
    except ValueError:  # an HTTP date: not worth parsing for a capped, short wait
        return None


def provider_message(response: httpx.Response) -> str:
    try:
        error = _Response.model_validate_json(response.content).error
    except ValidationError:
        error = None
    if error is not None:
        return error.message
    return response.text[:300] or response.reason_phrase


def _flatten(content: str | list[_Part] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(part.text for part in content if part.text)


async def read_capped(response: httpx.Response, cap: int) -> httpx.Response | None:
    """The body of a streamed ``response``, read whole into a plain response, or None when it is
    larger than ``cap`` bytes (declared or as it streams in; the rest is never read)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():  # decoded: the cap bounds memory
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return httpx.Response(
        response.status_code,
        headers=[
            (k, v)
            for k, v in response.headers.items()
            if k not in {"content-encoding", "content-length", "transfer-encoding"}
        ],
        content=b"".join(chunks),
    )


def parse_completion(
    model: str,
    response: httpx.Response,
    *,
    secrets: Sequence[str] = (),
    estimate: Callable[[Usage], float | None] | None = None,
) -> Completion:
    """Parse a successful (2xx) chat-completions body into a :class:`Completion`.

    Raises :class:`ProviderError` (messages redacted with ``secrets``) for a malformed body, an
    error reported inside a 200 (retryable when its code is), or a body without choices.
    ``estimate`` costs the tokens when the provider reports no ``usage.cost``."""
    try:
        payload = _Response.model_validate_json(response.content)
    except ValidationError as error:
        raise ProviderError(
            f"{model}: malformed response ({error.error_count()} problems: "
            f"{error.errors()[0]['msg']})",
            status_code=response.status_code,
            secrets=secrets,
        ) from error
    # OpenRouter reports mid-generation failures with HTTP 200 and an error in the body
    error_body = payload.error or next((c.error for c in payload.choices if c.error), None)
    if error_body is not None:
        raise ProviderError(
            f"{model}: provider error {error_body.code}: {error_body.message}",
            retryable=_code_retryable(error_body.code),
            status_code=error_body.code if isinstance(error_body.code, int) else None,
            secrets=secrets,
        )
    if not payload.choices or payload.choices[0].message is None:
        raise ProviderError(f"{model}: response has no choices", secrets=secrets)
    choice = payload.choices[0]
    message = choice.message
    assert message is not None
    usage = payload.usage or _Usage()
    tokens = Usage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens
        if usage.total_tokens is not None
        else usage.prompt_tokens + usage.completion_tokens,
    )
    return Completion(
        content=_flatten(message.content),
        tool_calls=[
            ChatToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
            for c in message.tool_calls or []
        ],
        usage=tokens,
        cost_usd=usage.cost if usage.cost is not None else _estimated(estimate, tokens),
        model=payload.model or model,
        finish_reason=choice.finish_reason,
        id=payload.id,
    )


def _estimated(estimate: Callable[[Usage], float | None] | None, usage: Usage) -> float | None:
    return estimate(usage) if estimate is not None else None
