"""Tool errors the model can read: ``Error [CODE] message``, the field named in the details.

Tools never raise to the model; every failure passes through :func:`error_of`.
"""

from __future__ import annotations

import re
from typing import Final

from pydantic import ValidationError

from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.gateway.types import ToolResult

_TYPE_TAG: Final = re.compile(r"[\[\]()'\" ]")


def invalid_param(exc: ValidationError) -> InvalidParam:
    """The first pydantic error as ``InvalidParam`` naming the field as on the wire
    (camelCase, dotted for nested fields)."""
    first = exc.errors()[0]
    # union members appear in ``loc`` as type names (``literal['a']``); they are not fields
    loc = [str(part) for part in first["loc"] if not _TYPE_TAG.search(str(part))]
    field = ".".join(loc) or "params"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown parameter"
    return InvalidParam(f"{field}: {message}", field=field)


def error_of(exc: Exception) -> ToolResult:
    """An error ``ToolResult`` for ``exc`` (``SmartSpawnError`` or pydantic ``ValidationError``)."""
    error = invalid_param(exc) if isinstance(exc, ValidationError) else exc
    if not isinstance(error, SmartSpawnError):
        error = SmartSpawnError(f"{type(exc).__name__}: {exc}")
    return ToolResult.text(
        f"Error [{error.code}] {error.message}",
        details=error.body().model_dump(exclude_none=True),
        is_error=True,
    )
