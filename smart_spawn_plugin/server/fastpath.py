"""Dispatch our own routes without FastAPI's router and dependency injection.

Profiled under load (``py-spy``, ``GET /api/health`` at 16 connections), FastAPI spent about
half of each trivial request outside the handler: matching the path against every route of the
two mounts one by one, building the dependency graph's arguments, and three layers of exception
middleware. Our handlers need none of that: each takes the ``Request`` and at most one pydantic
query model. :class:`FastPathMiddleware` keeps a dict from ``(method, route)`` to handler, built
once from the routers' own ``APIRoute`` objects (so the table cannot drift from the documented
routes), parses the query model itself with the same translation of errors, and calls the
handler. Anything not in the table — other methods, unknown paths, routes with other
signatures (added by other routers) — goes on to FastAPI unchanged, which also keeps serving
the OpenAPI document.

Errors are answered exactly as ``errors.install_error_handlers`` answers them.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.server.deps import parse_query
from smart_spawn_plugin.server.errors import error_response, route_of, translate_validation
from smart_spawn_plugin.server.middleware import ASGIApp, Receive, Scope, Send

log = get_logger(__name__)

Handler = Callable[..., Awaitable[Response]]


@dataclass(frozen=True)
class Entry:
    """One route: its handler, whether it takes the request, and its query model if any."""

    endpoint: Handler
    wants_request: bool
    query_name: str | None = None
    query_model: type[BaseModel] | None = None

    async def call(self, request: Request) -> Response:
        kwargs: dict[str, Any] = {}
        if self.wants_request:
            kwargs["request"] = request
        if self.query_name is not None and self.query_model is not None:
            kwargs[self.query_name] = parse_query(self.query_model, request)
        return await self.endpoint(**kwargs)


def entry_for(route: APIRoute) -> Entry | None:
    """The fast entry of ``route``, or ``None`` when its endpoint has another signature."""
    endpoint = route.endpoint
    if not inspect.iscoroutinefunction(endpoint) or route.dependencies:
        return None
    if route.dependant.dependencies:  # Depends(...) parameters: FastAPI's job
        return None
    hints = typing.get_type_hints(endpoint, include_extras=True)
    returns = hints.get("return")
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        return None
    wants_request = False
    query: tuple[str, type[BaseModel]] | None = None
    for name in inspect.signature(endpoint).parameters:
        hint = hints.get(name)
        if hint is Request or (isinstance(hint, type) and issubclass(hint, Request)):
            wants_request = True
            continue
        base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
        if query is None and isinstance(base, type) and issubclass(base, BaseModel):
            query = (name, base)
            continue
        return None  # a dependency, a path parameter, …: FastAPI's job
    if query is None:
        return Entry(endpoint, wants_request)
    return Entry(endpoint, wants_request, query[0], query[1])


def build_table(routes: Iterable[Any], prefix: str = "") -> dict[tuple[str, str], Entry]:
    """``(method, route without /api)`` → entry, for every route :func:`entry_for` accepts."""
    table: dict[tuple[str, str], Entry] = {}
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        entry = entry_for(route)
        if entry is None:
            continue
        path = route_of(prefix + route.path)
        for method in route.methods or ():
            table.setdefault((method, path), entry)
    return table


class FastPathMiddleware:
    """Answer routes in ``table`` directly; pass everything else to FastAPI."""

    def __init__(self, app: ASGIApp, table: dict[tuple[str, str], Entry]) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = self.table.get((scope["method"], route_of(scope["path"])))
        if entry is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await entry.call(request)
        except SmartSpawnError as exc:
            response = error_response(exc)
        except ValidationError as exc:
            response = error_response(translate_validation(scope["path"], exc.errors()))
        except Exception as exc:  # a bug: logged, answered without detail (as on_crash does)
            log.error("request_failed", path=scope["path"], error=repr(exc))
            response = error_response(_Internal("Internal server error"))
        await response(scope, receive, send)


class _Internal(SmartSpawnError):
    """A 500 ``INTERNAL`` with no detail."""
