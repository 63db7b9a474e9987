"""Errors at the HTTP boundary: every failure leaves as ``{"error": {"code", "message"}}``.

* :class:`~smart_spawn_plugin.errors.SmartSpawnError` → its own status and code
  (``RateLimited`` adds ``Retry-After``);
* FastAPI's ``RequestValidationError`` → the original's codes, never FastAPI's 422 shape:
  a missing query parameter → 400 ``MISSING_PARAM``; any other bad query value → 400
  ``INVALID_PARAM``; a bad body → 400 ``INVALID_BODY``, except the routes whose original reports a
  missing ``task`` as ``MISSING_PARAM`` (decompose, swarm, roles/compose) and spawn-log's own
  missing-field messages;
* Starlette's HTTP errors (unknown route, wrong method) → ``NOT_FOUND`` / ``METHOD_NOT_ALLOWED``;
* anything else → 500 ``INTERNAL`` with no detail (logged; it is a bug).

Messages always name the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from smart_spawn_plugin.errors import (
    InvalidBody,
    InvalidParam,
    MissingParam,
    RateLimited,
    SmartSpawnError,
    StoreUnavailable,
)
from smart_spawn_plugin.log import get_logger

if TYPE_CHECKING:  # FastAPI is built after start-up (see ``app``); the fast path never needs it
    from fastapi import FastAPI

log = get_logger(__name__)

SECURITY_HEADERS: Final = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}

#: Route (without /api) → field → error raised when that body field is missing.
_MISSING_BODY: Final[dict[str, dict[str, SmartSpawnError]]] = {
    "/decompose": {"task": MissingParam("task field is required in request body", field="task")},
    "/swarm": {"task": MissingParam("task field is required in request body", field="task")},
    "/roles/compose": {"task": MissingParam("task required", field="task")},
    "/spawn-log": {
        f: InvalidBody("model and category are required", field=f) for f in ("model", "category")
    },
    "/spawn-log/outcome": {
        f: InvalidBody("model, category, and rating (1-5) are required", field=f)
        for f in ("model", "category", "rating")
    },
    "/community/report": {
        f: InvalidBody("model, category, rating (1-5), and instanceId are required", field=f)
        for f in ("model", "category", "rating", "instanceId")
    },
}


def route_of(path: str) -> str:
    """The path without its ``/api`` prefix (``/api/pick`` → ``/pick``)."""
    if path == "/api" or path.startswith("/api/"):
        return path[4:] or "/"
    return path


def error_response(exc: SmartSpawnError) -> JSONResponse:
    """The JSON response of one error (with ``Retry-After`` for rate limits and an unreachable
    database)."""
    headers = dict(SECURITY_HEADERS)
    if isinstance(exc, RateLimited | StoreUnavailable):
        headers["retry-after"] = str(max(1, int(exc.retry_after)))
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)


def _describe(field: str, err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    msg = str(err.get("msg", "is invalid"))
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        text = msg.removeprefix("Value error, ")
        return text if text.startswith(field) else f"{field} {text}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{field} must be an integer"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"{field} must be a number"
    if kind in ("string_type",):
        return f"{field} must be a string"
    if kind in ("list_type",):
        return f"{field} must be an array"
    if kind in ("bool_type", "bool_parsing"):
        return f"{field} must be a boolean"
    if kind == "literal_error":
        return f"{field} is invalid: expected {ctx.get('expected', 'a known value')}"
    if kind in ("string_too_long", "too_long"):
        return f"{field} is too long: {msg}"
    return f"{field} is invalid: {msg}"


def translate_validation(path: str, errors: Sequence[Mapping[str, Any]]) -> SmartSpawnError:
    """The first validation error of a request, as one of the original's errors."""
    if not errors:
        return InvalidParam("request is invalid")
    err = errors[0]
    loc = [str(part) for part in err.get("loc", ())]
    if loc and loc[0] not in ("body", "query", "path", "header", "cookie"):
        loc = ["query", *loc]  # a model validated inside a handler: its fields are parameters
    where = loc[0] if loc else "body"
    field = loc[1] if len(loc) > 1 else ""
    kind = str(err.get("type", ""))
    if where == "body":
        route = route_of(path)
        missing = _MISSING_BODY.get(route, {})
        if kind == "missing" and (field in missing or (not field and "task" in missing)):
            return missing[field or "task"]
        if not field:
            if kind == "missing":
                return InvalidBody("request body is required")
            return InvalidBody("request body must be a JSON object")
        dotted = ".".join(loc[1:])
        if kind == "missing":
            return InvalidBody(f"{dotted} is required", field=field)
        return InvalidBody(_describe(dotted, err), field=field)
    if kind == "missing":
        return MissingParam(f"{field} parameter is required", field=field)
    return InvalidParam(_describe(field, err), field=field)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the original's envelope."""
    from fastapi.exceptions import RequestValidationError

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SmartSpawnError)
        return error_response(exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)
        return error_response(translate_validation(request.url.path, exc.errors()))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            err = {"code": "NOT_FOUND", "message": f"No route for {request.url.path}"}
        elif exc.status_code == 405:
            err = {"code": "METHOD_NOT_ALLOWED", "message": f"{request.method} not allowed here"}
        else:
            err = {"code": "HTTP_ERROR", "message": str(exc.detail)}
        headers = {**SECURITY_HEADERS, **(exc.headers or {})}
        return JSONResponse({"error": err}, status_code=exc.status_code, headers=headers)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("request_failed", path=request.url.path, error=repr(exc))
        body = {"error": {"code": "INTERNAL", "message": "Internal server error"}}
        return JSONResponse(body, status_code=500, headers=dict(SECURITY_HEADERS))

    app.add_exception_handler(SmartSpawnError, on_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
