"""Dispatch our own routes without FastAPI's router and dependency injection.

Profiled under load (``py-spy``, ``GET /api/health`` at 16 connections), FastAPI spent about
half of each trivial request outside the handler: matching the path against every route of the
two mounts one by one, building the dependency graph's arguments, and three layers of exception
middleware. Our handlers need none of that: each takes the ``Request`` and parses its own query
or body (``routing``). :class:`FastPathMiddleware` keeps a dict from ``(method, route)`` to
handler, built once from the modules' :class:`~.routing.Routes` — the same tables FastAPI's
router is built from, so the two cannot drift — and calls the handler. It needs no FastAPI at
all, so it answers as soon as the server listens, before FastAPI is even built (``app``).
Anything not in the table — other methods, unknown paths, the dashboard — goes on to FastAPI.

Errors are answered exactly as ``errors.install_error_handlers`` answers them.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError
from starlette.requests import Request

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.server.errors import error_response, route_of, translate_validation
from smart_spawn_plugin.server.middleware import ASGIApp, Receive, Scope, Send
from smart_spawn_plugin.server.routing import Handler, Routes

log = get_logger(__name__)


def build_table(tables: Iterable[Routes]) -> dict[tuple[str, str], Handler]:
    """``(method, route without /api)`` → handler, for every route of ``tables`` (the first
    registration of a method and path wins)."""
    table: dict[tuple[str, str], Handler] = {}
    for routes in tables:
        for route in routes.routes:
            table.setdefault((route.method, route_of(route.path)), route.endpoint)
    return table


class FastPathMiddleware:
    """Answer routes in ``table`` directly; pass everything else to FastAPI."""

    def __init__(self, app: ASGIApp, table: dict[tuple[str, str], Handler]) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = self.table.get((scope["method"], route_of(scope["path"])))
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await endpoint(Request(scope, receive))
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
