"""Routed chat completions: plan, try the candidates in order, report, log.

:class:`AutoCompletions` serves one OpenAI chat-completions body (already validated by the
adapter) over a :class:`~smart_spawn_plugin.runtime.Runtime`:

- the :class:`~smart_spawn_plugin.tools.auto.route.RoutePlan` names the candidates; each is tried
  at each of its endpoints (direct first, then OpenRouter) until one answers. A failure that
  ``falls_back`` (429, 408, 5xx, timeout, transport, context length) moves on — for a stream,
  only while no token has reached the client; any other failure goes to the client
  (``UpstreamRejected``), and when every candidate failed the client gets ``UpstreamError``
  listing them;
- the answer's ``model`` is the model that answered (the catalog ref), the route header says
  why and which fallbacks were used, and with ``showRoutingCard`` the card heads the answer;
- every attempt is logged like a spawn through ``Runtime.log_spawn`` (``source="openai"``):
  the answer with its tokens, cost (the provider's ``usage.cost``, else tokens × the runtime's
  price) and latency; failed attempts with ``status="error"``. After a streamed failure the
  client receives an SSE ``error`` event, which the OpenAI SDKs raise. Provider messages are
  passed on with every configured key redacted. The SSE chunk helpers are :mod:`.chunks`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import httpx

from smart_spawn_plugin.client.base import SpawnLogEntry
from smart_spawn_plugin.errors import UpstreamError, UpstreamRejected, redact
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.providers.registry import Endpoint
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.tools.auto.chunks import (
    chunk_error,
    delta_chars,
    error_event,
    has_token,
    sse_event,
    stream_chunks,
)
from smart_spawn_plugin.tools.auto.route import RoutePlan, estimate_tokens, plan_route, routing_card
from smart_spawn_plugin.tools.auto.upstream import (
    AttemptFailed,
    endpoints_of,
    falls_back,
    request_body,
    send,
    sse_data,
)

logger = get_logger(__name__)

SOURCE: Final = "openai"
Status = Literal["ok", "error", "timeout", "cancelled"]


@dataclass
class Answer:
    """A non-streamed answer: the body for the client and the route header."""

    payload: dict[str, Any]
    model: str
    header: str


@dataclass
class StreamAnswer:
    """A stream whose first token has arrived: the header and the SSE bytes to send."""

    model: str
    header: str
    events: AsyncIterator[bytes]


@dataclass
class _Call:
    """One routed call: its plan, the failures so far, when it started."""

    plan: RoutePlan
    user_key: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    failures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def note_failure(self, text: str) -> None:
        self.failures.append(text[:160])


def _prompt_chars(body: Mapping[str, Any]) -> int:
    return len(json.dumps(body.get("messages", []), ensure_ascii=False))


class AutoCompletions:
    """See the module docstring."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def _redact(self, text: str) -> str:
        """``text`` without any configured key (a provider may quote one in its error)."""
        return redact(text, self.runtime.providers.registry.secrets())

    def _wants_card(self, call: _Call) -> bool:
        """A card heads routed answers only (a model named by the caller needs no card)."""
        return self.runtime.settings.show_routing_card and call.plan.kind != "direct"

    @property
    def max_bytes(self) -> int:
        return self.runtime.settings.providers.max_response_bytes

    @property
    def timeout(self) -> float:
        return self.runtime.settings.spawn_timeout

    async def plan(self, body: Mapping[str, Any], user_key: str) -> RoutePlan:
        return await plan_route(
            self.runtime, str(body["model"]), body.get("messages", []), user_key=user_key
        )

    def _endpoints(self, model: str) -> list[Endpoint]:
        return endpoints_of(self.runtime.providers.registry, model)

    def _body(self, body: Mapping[str, Any], endpoint: Endpoint, *, stream: bool) -> dict[str, Any]:
        limit = self.runtime.settings.providers.local_max_output
        return request_body(dict(body), endpoint, local_max_output=limit, stream=stream)

    # ---- non-streaming ----

    async def complete(self, body: Mapping[str, Any], *, user_key: str = "local") -> Answer:
        """Answer ``body`` (``stream`` false); raises ``UpstreamRejected``/``UpstreamError``."""
        call = _Call(await self.plan(body, user_key), user_key)
        for model in call.plan.candidates:
            for endpoint in self._endpoints(model):
                attempt = time.perf_counter()
                try:
                    response = await send(
                        self.runtime.http,
                        endpoint,
                        model,
                        self._body(body, endpoint, stream=False),
                        timeout=self.timeout,
                        stream=False,
                        max_bytes=self.max_bytes,
                    )
                    payload = self._parse(model, response)
                except AttemptFailed as error:
                    await self._log(call, model, "error", attempt, {}, 0)
                    if not error.fallback:
                        raise UpstreamRejected(self._redact(str(error))) from None
                    call.note_failure(self._redact(str(error)))
                    continue
                return await self._finish(call, model, payload, attempt, body)
        raise UpstreamError("every candidate failed: " + "; ".join(call.failures))

    def _parse(self, model: str, response: httpx.Response) -> dict[str, Any]:
        try:
            payload = json.loads(response.content)
        except ValueError:
            raise AttemptFailed(model, "malformed JSON body", fallback=True, status=502) from None
        if not isinstance(payload, dict):
            raise AttemptFailed(model, "body is not an object", fallback=True, status=502)
        found = chunk_error(payload)
        if found is not None:  # OpenRouter: HTTP 200 with an error body
            message, code = found
            raise AttemptFailed(
                model,
                f"provider error {code}: {message}",
                fallback=falls_back(code or 502, message),
                status=code,
            )
        if not payload.get("choices"):
            raise AttemptFailed(model, "response has no choices", fallback=True, status=502)
        return payload

    async def _finish(
        self,
        call: _Call,
        model: str,
        payload: dict[str, Any],
        attempt: float,
        body: Mapping[str, Any],
    ) -> Answer:
        payload["model"] = model
        usage = payload.get("usage") or {}
        if self._wants_card(call):
            message = payload["choices"][0].get("message") or {}
            if isinstance(message.get("content"), str):
                card = routing_card(self.runtime, call.plan, model, call.failures)
                message["content"] = card + message["content"]
        fallback_chars = len(json.dumps(payload["choices"], ensure_ascii=False))
        usage = usage if usage.get("prompt_tokens") is not None else {}
        await self._log(call, model, "ok", attempt, usage, fallback_chars, body)
        return Answer(payload, model, call.plan.header(model, call.failures, call.run_id))

    # ---- streaming ----

    async def stream(self, body: Mapping[str, Any], *, user_key: str = "local") -> StreamAnswer:
        """Open a stream for ``body``: tries candidates until one sends its first token."""
        call = _Call(await self.plan(body, user_key), user_key)
        wants_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        for model in call.plan.candidates:
            for endpoint in self._endpoints(model):
                attempt = time.perf_counter()
                try:
                    response = await send(
                        self.runtime.http,
                        endpoint,
                        model,
                        self._body(body, endpoint, stream=True),
                        timeout=self.timeout,
                        stream=True,
                        max_bytes=self.max_bytes,
                    )
                    data = sse_data(response, model, self.max_bytes)
                    first = await self._first_token(model, response, data)
                except AttemptFailed as error:
                    await self._log(call, model, "error", attempt, {}, 0)
                    if not error.fallback:
                        raise UpstreamRejected(self._redact(str(error))) from None
                    call.note_failure(self._redact(str(error)))
                    continue
                events = self._relay(call, model, response, data, first, attempt, wants_usage, body)
                return StreamAnswer(
                    model, call.plan.header(model, call.failures, call.run_id), events
                )
        raise UpstreamError("every candidate failed: " + "; ".join(call.failures))

    async def _first_token(
        self, model: str, response: httpx.Response, data: AsyncIterator[str]
    ) -> list[dict[str, Any]]:
        """The chunks up to the first token (the stream is closed on failure)."""
        buffered: list[dict[str, Any]] = []
        try:
            async for item in data:
                if item == "[DONE]":
                    break
                chunk = json.loads(item)
                found = chunk_error(chunk)
                if found is not None:
                    message, code = found
                    raise AttemptFailed(
                        model,
                        f"provider error {code}: {message}",
                        fallback=falls_back(code or 502, message),
                        status=code,
                    )
                buffered.append(chunk)
                if has_token(chunk):
                    break
        except (httpx.HTTPError, ValueError) as error:
            await response.aclose()
            raise AttemptFailed(
                model,
                f"stream failed before a token ({type(error).__name__})",
                fallback=True,
                status=502,
            ) from None
        except AttemptFailed:
            await response.aclose()
            raise
        return buffered

    async def _relay(
        self,
        call: _Call,
        model: str,
        response: httpx.Response,
        data: AsyncIterator[str],
        first: list[dict[str, Any]],
        attempt: float,
        wants_usage: bool,
        body: Mapping[str, Any],
    ) -> AsyncIterator[bytes]:
        usage: dict[str, Any] = {}
        chars = 0
        logged = False

        async def log(status: Status) -> None:
            # before the last event: a client that saw the end finds the call in the log
            nonlocal logged
            if not logged:
                logged = True
                await self._log(call, model, status, attempt, usage, chars, body)

        def rewrite(chunk: dict[str, Any]) -> bytes | None:
            nonlocal usage, chars
            if chunk.get("usage"):
                usage = chunk["usage"]
                if not wants_usage:
                    if not chunk.get("choices"):
                        return None
                    chunk = {k: v for k, v in chunk.items() if k != "usage"}
            chars += delta_chars(chunk)
            chunk["model"] = model
            return sse_event(chunk)

        try:
            if self._wants_card(call) and first:
                card = routing_card(self.runtime, call.plan, model, call.failures)
                head = {k: first[0].get(k) for k in ("id", "object", "created")}
                delta = {"role": "assistant", "content": card}
                yield sse_event({**head, "model": model, "choices": [{"index": 0, "delta": delta}]})
            try:
                async for chunk in stream_chunks(model, first, data):
                    out = rewrite(chunk)
                    if out is not None:
                        yield out
            except (httpx.HTTPError, ValueError, UpstreamError) as error:
                text = str(error) if isinstance(error, UpstreamError) else type(error).__name__
                text = self._redact(text)
                logger.warning("stream_failed", model=model, error=text)
                await log("error")
                yield error_event(f"{model}: the stream failed after tokens were sent ({text})")
                return
            await log("ok")
            yield b"data: [DONE]\n\n"
        finally:
            await response.aclose()
            await log("cancelled")  # the client went away (or the server stopped) mid-stream

    # ---- the spawn log ----

    async def _log(
        self,
        call: _Call,
        model: str,
        status: Status,
        attempt: float,
        usage: Mapping[str, Any],
        answer_chars: int,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        if status == "ok" and prompt is None and body is not None:  # no usage: estimate
            prompt, completion = estimate_tokens(_prompt_chars(body)), estimate_tokens(answer_chars)
        cost = usage.get("cost")
        if cost is None and prompt is not None:
            price = self.runtime.price_of(model)
            if price is not None:
                cost = (prompt * price[0] + (completion or 0) * price[1]) / 1_000_000
        entry = SpawnLogEntry(
            model=model,
            category=call.plan.category,
            budget=call.plan.budget,
            source=SOURCE,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost,
            duration_ms=round((time.perf_counter() - attempt) * 1000),
            status=status,
            run_id=call.run_id,
        )
        await self.runtime.log_spawn(entry, user_key=call.user_key)
