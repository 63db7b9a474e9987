"""Tool results: JSON text (what every MCP client shows) plus the same data as
``structuredContent``; failures are error results ``{"error": {code, message, field}}``.

:func:`guard` runs a tool body and turns every failure into an error result through the
package's one translator, :func:`smart_spawn_plugin.errors.as_error`, so a bad argument never
becomes a protocol error or a crash: ``InvalidInput``/``NotFound``/… keep their code and field;
a pydantic ``ValidationError`` becomes ``INVALID_PARAM`` naming the first field; anything else
is ``INTERNAL`` (and logged with its traceback).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError

from smart_spawn_plugin.errors import SmartSpawnError, as_error
from smart_spawn_plugin.log import get_logger

logger = get_logger(__name__)


def jsonable(data: object) -> Any:
    """``data`` as plain JSON values (pydantic models by their camelCase aliases)."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True)
    if isinstance(data, list | tuple):
        return [jsonable(item) for item in data]
    if isinstance(data, dict):
        return {str(k): jsonable(v) for k, v in data.items()}
    return data


def ok(data: object) -> CallToolResult:
    """A successful result: pretty JSON text and the same object as structured content."""
    payload = jsonable(data)
    structured = payload if isinstance(payload, dict) else {"result": payload}
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured
    )


def fail(error: SmartSpawnError) -> CallToolResult:
    """An error result carrying the error's code, message and field."""
    payload = error.to_dict()
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(payload, ensure_ascii=False))],
        structured_content=payload,
        is_error=True,
    )


async def guard(body: Callable[[], Awaitable[object]]) -> CallToolResult:
    """Run ``body`` and wrap its value with :func:`ok`, or its error with :func:`fail`."""
    try:
        return ok(await body())
    except Exception as exc:  # every failure must reach the client as an error result
        if not isinstance(exc, SmartSpawnError | ValidationError):
            logger.exception("mcp_tool_crashed")
        return fail(as_error(exc))
