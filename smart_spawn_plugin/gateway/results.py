"""Errors as tool results: what the model reads when a tool fails (it never sees a traceback)."""

from __future__ import annotations

from pydantic import ValidationError

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.gateway.types import ToolResult


def _validation_message(error: ValidationError) -> str:
    """``field: problem`` for each pydantic error, with camelCase field paths as on the wire."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "params"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def error_result(error: Exception) -> ToolResult:
    """A tool error the model can read: ``Error [CODE] message``, details = the error body."""
    if isinstance(error, SmartSpawnError):
        return ToolResult.text(
            f"Error [{error.code}] {error.message}",
            details=error.body().model_dump(exclude_none=True),
            is_error=True,
        )
    if isinstance(error, ValidationError):
        message = _validation_message(error)
        first = error.errors()[0]["loc"] if error.error_count() else ()
        field = ".".join(str(part) for part in first) or None
        return ToolResult.text(
            f"Error [INVALID_PARAM] {message}",
            details={"code": "INVALID_PARAM", "message": message, "field": field},
            is_error=True,
        )
    return ToolResult.text(
        f"Error [INTERNAL] {type(error).__name__}: {error}",
        details={"code": "INTERNAL", "message": str(error)},
        is_error=True,
    )
