"""An ``Executor`` that sends each request to the provider serving its model.

For every call an :class:`EndpointResolver` (the providers' registry, wired by the
composition root) resolves the model ref to one endpoint — the provider's base URL, the id that
provider knows the model by, and that provider's key alone — and a per-provider
:class:`OpenAICompatExecutor` (sharing one HTTP client) runs it. So ``local/SmolLM2-135M`` goes
to the local server as ``SmolLM2-135M`` with the local key (usually none), while
``openai/gpt-5`` goes to OpenRouter with ``OPENROUTER_API_KEY``; no key is ever sent to another
provider. Answers of local models are capped at ``local_max_output`` unless the caller sets a
cap (small machines are slow).

Costing is one rule everywhere (issue 11 #13): the provider's ``usage.cost`` when it reports
one, else tokens × the price ``price_lookup`` gives for the *model ref* (catalog price; a local
model's configured cost, $0 by default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import httpx

from smart_spawn_plugin.contract import FunctionTool, PriceLookup
from smart_spawn_plugin.gateway.executor import (
    DEFAULT_BACKOFF,
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    OpenAICompatExecutor,
)
from smart_spawn_plugin.gateway.messages import ChatMessage, Completion
from smart_spawn_plugin.settings import DEFAULT_MAX_RESPONSE_BYTES


class Endpoint(Protocol):
    """Where one request goes."""

    @property
    def provider(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def wire_model(self) -> str: ...
    @property
    def api_key(self) -> str | None: ...
    @property
    def local(self) -> bool: ...


class EndpointResolver(Protocol):
    """Model ref → endpoint; every known secret (redacted from errors); the local answer cap."""

    local_max_output: int

    async def resolve(self, model: str) -> Endpoint: ...

    def secrets(self) -> list[str]: ...


class ProviderExecutor:
    """Routes each completion to its provider (module docstring)."""

    def __init__(
        self,
        resolver: EndpointResolver,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        price_lookup: PriceLookup | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        effort_lookup: Callable[[str], str | None] | None = None,
    ) -> None:
        self.resolver = resolver
        self.effort_lookup = effort_lookup
        self.timeout = timeout
        self.price_lookup = price_lookup
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_response_bytes = max_response_bytes
        self._http = http
        self._owns_http = http is None
        self._executors: dict[tuple[str, str, str | None], OpenAICompatExecutor] = {}

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout, connect=5.0))
        return self._http

    async def executor_for(self, model: str) -> tuple[OpenAICompatExecutor, Endpoint]:
        """The executor of ``model``'s provider endpoint, and the endpoint."""
        endpoint = await self.resolver.resolve(model)
        key = (endpoint.provider, endpoint.base_url, endpoint.api_key)
        executor = self._executors.get(key)
        if executor is None:
            executor = OpenAICompatExecutor(
                endpoint.base_url,
                endpoint.api_key,
                self._client(),
                self.timeout,
                None,
                max_retries=self.max_retries,
                backoff=self.backoff,
                max_response_bytes=self.max_response_bytes,
                secrets=self.resolver.secrets(),
                effort_lookup=self.effort_lookup,
            )
            self._executors[key] = executor
        return executor, endpoint

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
        executor, endpoint = await self.executor_for(model)
        if max_tokens is None and endpoint.local:
            max_tokens = self.resolver.local_max_output
        completion = await executor.complete(
            endpoint.wire_model,
            messages,
            tools=tools,
            max_tokens=max_tokens,
            temperature=temperature,
            effort=effort,
        )
        update: dict[str, object] = {}
        if completion.cost_usd is None and self.price_lookup is not None:
            price = self.price_lookup(model)
            if price is not None:
                usage = completion.usage
                update["cost_usd"] = (
                    usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]
                ) / 1_000_000
        if not executor.openrouter:
            # the ref names the provider (``local/…``): logs and quotas attribute usage by it
            update["model"] = model
        return completion.model_copy(update=update) if update else completion

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None
