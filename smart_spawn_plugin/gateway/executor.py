"""Run a model through an OpenAI-compatible chat-completions endpoint (OpenRouter by default).

One POST to ``{base_url}/chat/completions``; the answer is parsed once into a ``Completion``
with usage and cost. Any base URL works (Ollama, vLLM, LM Studio, llama.cpp server).

Errors (host-contract D.4) become ``UpstreamError``: 408/429/5xx, transport failures and
timeouts are ``retryable``; other 4xx carry the provider's message and are not retried;
a malformed body is not retried. Retryable errors are retried with exponential backoff
(honouring ``Retry-After``), at most ``max_retries`` times, all inside one overall deadline.

Hardening (issue 11): the key sent is this executor's own (one provider, one key: a custom or
local base URL never gets ``OPENROUTER_API_KEY``); a body larger than ``max_response_bytes`` is
refused while it streams in (``RESPONSE_TOO_LARGE``, never buffered whole); every error message
is passed through :func:`redact` with every known secret, so a provider quoting a key in its
error cannot get it stored, logged or shown. Reading, parsing and the error type live in
:mod:`.responses`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, Protocol

import httpx

from smart_spawn_plugin.contract import FunctionTool, PriceLookup, Usage
from smart_spawn_plugin.gateway.messages import ChatMessage, Completion
from smart_spawn_plugin.gateway.responses import (
    ProviderError,
    is_retryable_status,
    parse_completion,
    provider_message,
    read_capped,
    retry_after,
)
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.settings import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_OPENROUTER_BASE_URL,
    Settings,
)

logger = get_logger(__name__)

#: Overall deadline for one ``complete`` call, retries included, in seconds.
DEFAULT_CALL_TIMEOUT: Final = 120.0
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_MAX_RETRIES: Final = 2
DEFAULT_BACKOFF: Final = 0.5
_OPENROUTER_PREFIX: Final = "openrouter/"
_ATTRIBUTION: Final = {
    "HTTP-Referer": "https://github.com/deeflect/smart-spawn",
    "X-Title": "smart-spawn",
}

Sleep = Callable[[float], Awaitable[None]]


class Executor(Protocol):
    """Runs one chat completion. The gateway and the chat loop depend on this, not on httpx."""

    async def complete(
        self,
        model: str,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[FunctionTool] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        effort: str | None = None,
    ) -> Completion:
        """Return the model's answer; raise ``UpstreamError`` when the provider fails.
        ``effort``: the reasoning effort the model was scored at (``Decision.effort``), sent
        as ``reasoning.effort`` so the model runs as it was measured."""
        ...


def is_openrouter(base_url: str) -> bool:
    return httpx.URL(base_url).host.endswith("openrouter.ai")


def wire_model_id(model: str, *, openrouter: bool) -> str:
    """The model id to send. OpenClaw refs carry an ``openrouter/`` prefix; providers do not.

    ``openrouter/auto`` (no second slash) is a real OpenRouter model and is kept on OpenRouter.
    """
    if not model.startswith(_OPENROUTER_PREFIX):
        return model
    rest = model.removeprefix(_OPENROUTER_PREFIX)
    return rest if (not openrouter or "/" in rest) else model


class OpenAICompatExecutor:
    """An ``Executor`` over httpx for any OpenAI-compatible endpoint.

    ``http`` is injected in tests (``httpx.MockTransport``) or shared by the host; when None,
    the executor opens its own client lazily and closes it in :meth:`aclose`. ``price_lookup``
    gives USD per 1M tokens (prompt, completion) to cost answers that carry no ``usage.cost``.
    ``effort_lookup`` gives the reasoning effort a model was scored at (the catalog's
    ``ModelRecord.effort``); on OpenRouter it is sent as ``reasoning.effort`` when a call names
    no effort itself, so a spawned model runs as it was measured.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_OPENROUTER_BASE_URL,
        api_key: str | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        price_lookup: PriceLookup | None = None,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        sleep: Sleep = asyncio.sleep,
        effort_lookup: Callable[[str], str | None] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        secrets: Sequence[str] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_response_bytes = max_response_bytes
        #: redacted from every error message: this key and any other known one
        self.secrets = [s for s in (api_key, *secrets) if s]
        self.openrouter = is_openrouter(self.base_url)
        self._api_key = api_key
        self._http = http
        self._owns_http = http is None
        self.timeout = timeout
        self._http_timeout = httpx.Timeout(timeout, connect=min(DEFAULT_CONNECT_TIMEOUT, timeout))
        self.price_lookup = price_lookup
        self.effort_lookup = effort_lookup
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        price_lookup: PriceLookup | None = None,
        effort_lookup: Callable[[str], str | None] | None = None,
    ) -> OpenAICompatExecutor:
        """OpenRouter with ``OPENROUTER_API_KEY``, or ``base_url`` with ``executor_api_key``
        (never the OpenRouter key)."""
        secret = (
            settings.openrouter_api_key
            if is_openrouter(settings.base_url)
            else settings.executor_api_key
        )
        others = [
            s.get_secret_value()
            for s in (settings.openrouter_api_key, settings.executor_api_key, settings.api_key)
            if s is not None
        ]
        return cls(
            settings.base_url,
            secret.get_secret_value() if secret is not None else None,
            http,
            settings.spawn_timeout,
            price_lookup,
            effort_lookup=effort_lookup,
            max_response_bytes=settings.providers.max_response_bytes,
            secrets=others,
        )

    async def aclose(self) -> None:
        """Close the HTTP client if this executor opened it (an injected one is the owner's)."""
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._http_timeout)
        return self._http

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if self.openrouter:
            headers.update(_ATTRIBUTION)
        return headers

    async def complete(
        self,
        model: str,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[FunctionTool] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        effort: str | None = None,
    ) -> Completion:
        """Run one completion with retries, under an overall deadline of ``timeout`` seconds.

        OpenRouter without a key fails at once (not retryable, no request sent): every call
        would be a 401, and the message says what to set."""
        if self.openrouter and not self._api_key:
            raise ProviderError(
                f"{model}: no OpenRouter key — set OPENROUTER_API_KEY, or SMART_SPAWN_BASE_URL "
                "for a local OpenAI-compatible server (Ollama, vLLM, LM Studio)",
                status_code=401,
            )
        body: dict[str, Any] = {
            "model": wire_model_id(model, openrouter=self.openrouter),
            "messages": [message.to_openai() for message in messages],
        }
        # no `usage: {include: true}`: OpenRouter always returns usage and deprecated the flag
        if tools:
            body["tools"] = [tool.model_dump(mode="json") for tool in tools]
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if temperature is not None:
            body["temperature"] = temperature
        if effort is None and self.openrouter and self.effort_lookup is not None:
            effort = self.effort_lookup(wire_model_id(model, openrouter=True))
        if effort is not None:
            # OpenRouter's unified reasoning parameter; without it the model runs at the
            # provider's default effort, not the one it was scored at
            body["reasoning"] = {"effort": effort}
        try:
            async with asyncio.timeout(self.timeout):
                return await self._with_retries(model, body)
        except TimeoutError as error:
            raise self._error(
                f"{model}: no answer within {self.timeout:g}s", retryable=True
            ) from error

    async def _with_retries(self, model: str, body: dict[str, Any]) -> Completion:
        attempt = 0
        while True:
            try:
                return await self._once(model, body)
            except ProviderError as error:
                if not error.retryable or attempt >= self.max_retries:
                    raise
                delay = error.retry_after
                if delay is None:
                    delay = self.backoff * (2**attempt)
                attempt += 1
                logger.info(
                    "completion_retrying",
                    model=model,
                    attempt=attempt,
                    delay=delay,
                    status=error.status_code,
                )
                await self._sleep(delay)

    async def _once(self, model: str, body: dict[str, Any]) -> Completion:
        try:
            response = await self._post(body)
        except httpx.TimeoutException as error:
            raise self._error(f"{model}: request timed out ({error!r})", retryable=True) from error
        except httpx.HTTPError as error:
            raise self._error(
                f"{model}: transport error ({type(error).__name__}: {error})", retryable=True
            ) from error
        if response is None:
            raise self._error(
                f"{model}: response larger than {self.max_response_bytes} bytes "
                "(providers.maxResponseBytes); refused",
                status_code=502,
            )
        if not response.is_success:
            raise self._error(
                f"{model}: HTTP {response.status_code}: {provider_message(response)}",
                retryable=is_retryable_status(response.status_code),
                status_code=response.status_code,
                retry_after=retry_after(response),
            )
        return parse_completion(
            model,
            response,
            secrets=self.secrets,
            estimate=lambda usage: self._estimate(model, usage),
        )

    def _error(
        self,
        message: str,
        *,
        retryable: bool = False,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> ProviderError:
        return ProviderError(
            message,
            retryable=retryable,
            status_code=status_code,
            retry_after=retry_after,
            secrets=self.secrets,
        )

    async def _post(self, body: dict[str, Any]) -> httpx.Response | None:
        """POST and read the body, at most ``max_response_bytes`` of it (None when larger:
        the rest is never read)."""
        cap = self.max_response_bytes
        async with self._client().stream(
            "POST",
            f"{self.base_url}/chat/completions",
            json=body,
            headers=self._headers(),
            timeout=self._http_timeout,
        ) as response:
            return await read_capped(response, cap)

    def _estimate(self, model: str, usage: Usage) -> float | None:
        """Tokens × catalog price (USD per 1M), or None when the price is unknown."""
        if self.price_lookup is None:
            return None
        price = self.price_lookup(model)
        if price is None:
            return None
        prompt, completion = price
        return (usage.prompt_tokens * prompt + usage.completion_tokens * completion) / 1_000_000
