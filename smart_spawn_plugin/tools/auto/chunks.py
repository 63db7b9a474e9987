"""OpenAI streaming chunks: SSE events to send, and what a provider's chunk carries.

Pure helpers for :mod:`.completions`: encode an SSE ``data:`` event or the ``error`` event a
client gets after a streamed failure; tell whether a chunk carries output and how much; read a
provider error reported inside a chunk; and replay buffered chunks before the rest of a stream
(an error chunk raises ``UpstreamError``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from smart_spawn_plugin.errors import UpstreamError

__all__ = ["chunk_error", "delta_chars", "error_event", "has_token", "sse_event", "stream_chunks"]


def sse_event(obj: object) -> bytes:
    """One SSE ``data:`` event carrying ``obj`` as JSON."""
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


def error_event(message: str) -> bytes:
    """The SSE ``error`` event a client gets after a streamed failure (the OpenAI SDKs raise it)."""
    return sse_event(
        {"error": {"message": message, "type": "upstream_error", "code": "UPSTREAM_ERROR"}}
    )


def has_token(chunk: Mapping[str, Any]) -> bool:
    """Whether a chunk carries output (content, a tool call or a finish reason)."""
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        if delta.get("content") or delta.get("tool_calls") or choice.get("finish_reason"):
            return True
    return False


def delta_chars(chunk: Mapping[str, Any]) -> int:
    """Characters of output (content and tool-call arguments) in a chunk."""
    total = 0
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        total += len(delta.get("content") or "")
        for call in delta.get("tool_calls") or ():
            total += len(str((call.get("function") or {}).get("arguments") or ""))
    return total


def chunk_error(chunk: Mapping[str, Any]) -> tuple[str, int | None] | None:
    """A provider error reported inside a chunk: (message, code when an integer), else None."""
    error = chunk.get("error")
    if not error:
        return None
    if isinstance(error, Mapping):
        code = error.get("code")
        return str(error.get("message") or "provider error"), code if isinstance(
            code, int
        ) else None
    return str(error), None


async def stream_chunks(
    model: str, first: list[dict[str, Any]], data: AsyncIterator[str]
) -> AsyncIterator[dict[str, Any]]:
    """The buffered chunks, then the rest of the stream; an error event is ``UpstreamError``."""
    for chunk in first:
        yield chunk
    async for item in data:
        if item == "[DONE]":
            return
        chunk = json.loads(item)
        found = chunk_error(chunk)
        if found is not None:
            raise UpstreamError(f"{model}: provider error: {found[0]}")
        yield chunk
