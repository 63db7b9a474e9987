"""The ASGI app: :func:`create_app` builds it (an :class:`Api`) over an opened ``Runtime``.

Every route is mounted under ``/api`` and again at the root (the original's legacy mounts); the
OpenAPI document lists the ``/api`` ones (``/api/openapi.json``, docs at ``/api/docs``).
Middleware (pure ASGI, outermost first): core (log, headers, CORS, body and query limits, HEAD)
→ rate limit → auth → response cache → fast path (our routes without FastAPI's router and
dependency injection, see ``fastpath``) → FastAPI (the OpenAPI document, the docs page, the
dashboard, 404s and 405s). See ``middleware``.

Start-up (``startup``): the lifespan loads only what a pick needs before serving. FastAPI is
neither imported nor built until after the first response (in the background) or until a
request needs it (:attr:`Api.fastapi`), since the fast path answers every API route without it;
the dashboard and its warm-up come after too.

For any ASGI server: ``uvicorn --factory smart_spawn_plugin.server.app:app_from_env``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.datastructures import State

from smart_spawn_plugin import __version__
from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server import (
    openai_compat,
    routes_catalog,
    routes_feedback,
    routes_meta,
    routes_plan,
    routes_providers,
    routes_roles,
)
from smart_spawn_plugin.server.cache import CacheMiddleware, ResponseCache
from smart_spawn_plugin.server.deps import ServerState
from smart_spawn_plugin.server.errors import error_response
from smart_spawn_plugin.server.fastpath import FastPathMiddleware, build_table
from smart_spawn_plugin.server.middleware import (
    DASHBOARD_PREFIX,
    ASGIApp,
    AuthMiddleware,
    CoreMiddleware,
    Receive,
    Scope,
    Send,
)
from smart_spawn_plugin.server.ratelimit import (
    RateLimitMiddleware,
    RefreshGuard,
    TrustedProxies,
)
from smart_spawn_plugin.server.refresher import Refresher
from smart_spawn_plugin.server.routing import add_to
from smart_spawn_plugin.server.startup import Warmup, ready
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.shared import open_shared

if TYPE_CHECKING:
    from fastapi import FastAPI

log = get_logger(__name__)

#: every route table, in the OpenAPI document's order; ``routes_meta`` is mounted apart
_ROUTES = (
    routes_catalog.router,
    routes_feedback.router,
    routes_plan.router,
    routes_roles.router,
    routes_providers.router,
    openai_compat.router,
)
#: ``routes_meta``'s routes: (handler, every path it answers; the first is documented)
_META = (
    (routes_meta.index, ("/api", "/api/", "/")),
    (routes_meta.health, ("/api/health", "/health")),
    (routes_meta.ready, ("/api/ready", "/ready")),
)


def build_state(runtime: Runtime, config: ServerSettings) -> ServerState:
    """The routes' shared state over ``runtime``: a refresh, or a write the routes did not
    target (see ``invalidation``), drops the whole response cache; the recommender drops its
    own memoised scores. With ``SMART_SPAWN_REDIS_URL`` the rate limits, the cache's
    invalidation and the refresh lock are shared with the other replicas (``store.shared``)."""
    redis_url = config.redis_url.get_secret_value() if config.redis_url else None
    shared = open_shared(redis_url, timeout_s=config.redis_timeout_s)
    replicated = shared if redis_url is not None else None
    cache = ResponseCache(ttl=config.cache_ttl_s, maxsize=config.cache_size, shared=replicated)
    runtime.local.on_change(cache.rankings_changed)
    refresher = Refresher(runtime.catalog, runtime.local.rankings_changed, replicated)
    state = ServerState(
        runtime=runtime, config=config, cache=cache, refresher=refresher, shared=shared
    )
    routes_catalog.vary_pick_cache(state)  # cached picks follow the providers' state
    return state


class Api:
    """The HTTP API over one ``Runtime``: an ASGI app (see the module docstring).

    ``state`` holds what the handlers read (``state.server``: :class:`ServerState`);
    :meth:`lifespan` is its start-up and shut-down; :attr:`fastapi` the FastAPI app behind the
    fast path, built on first use; :meth:`openapi` its OpenAPI document.
    """

    def __init__(self, runtime: Runtime, config: ServerSettings, *, close_runtime: bool) -> None:
        self.runtime = runtime
        self.config = config
        self.close_runtime = close_runtime
        self.state = State()
        server = self.state.server = build_state(runtime, config)
        self.state.trusted = TrustedProxies(config.trusted_proxies)
        self.state.refresh_guard = RefreshGuard(config, self.state.trusted)
        self.warmup = self.state.warmup = Warmup(lambda: self.fastapi)
        self._fastapi: FastAPI | None = None
        self._building = threading.Lock()
        table = build_table([routes_meta.router, *_ROUTES])
        stack: ASGIApp = FastPathMiddleware(self._fallback, table=table)
        stack = CacheMiddleware(stack, cache=server.cache)
        stack = AuthMiddleware(stack, config=config)
        limits = server.shared if config.redis_url is not None else None
        stack = RateLimitMiddleware(stack, config=config, shared=limits)
        self._stack: ASGIApp = CoreMiddleware(stack, config=config)

    @property
    def fastapi(self) -> FastAPI:
        """The FastAPI app with every route (built once, thread-safe; imports FastAPI)."""
        with self._building:
            if self._fastapi is None:
                self._fastapi = _build_fastapi(self.state)
            return self._fastapi

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document (``/api/openapi.json``)."""
        return self.fastapi.openapi()

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Load the catalog and the classifier, then serve: the warm-up (FastAPI, dashboard)
        starts after the first response; when ``settings.live_sources`` is on, a refresh at
        start and every ``refresh_interval_s`` (6 h). Closes the runtime if asked to."""
        state: ServerState = self.state.server
        config = self.config
        await asyncio.to_thread(ready, self.runtime)
        warming = asyncio.create_task(self.warmup.run())
        timer: asyncio.Task[None] | None = None
        if self.runtime.settings.live_sources and config.background_refresh:
            await state.refresher.try_start()
            timer = asyncio.create_task(state.refresher.run_periodically(config.refresh_interval_s))
        follower = asyncio.create_task(
            state.refresher.follow_periodically(config.follow_interval_s)
        )
        log.info("server_started", models=len(self.runtime.catalog.current().models))
        try:
            yield
        finally:
            for task in (timer, follower, warming):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await state.refresher.close()
            await state.shared.aclose()
            if self.close_runtime:
                await self.runtime.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        scope["app"] = self
        try:
            await self._stack(scope, receive, send)
        except Exception as exc:  # a bug outside any handler: JSON 500, as FastAPI's on_crash
            log.error("request_failed", path=scope.get("path"), error=repr(exc))
            try:
                await error_response(_Internal("Internal server error"))(scope, receive, send)
            except Exception:  # the response had started: nothing more to say
                raise exc from None
        if not self.warmup.first_response.is_set():
            self.warmup.first_response.set()

    async def _fallback(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What the fast path does not answer: FastAPI (the dashboard's routes added first)."""
        if scope["type"] == "http" and scope["path"].startswith(DASHBOARD_PREFIX):
            self.warmup.include_dashboard()
        await self.fastapi(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """The ASGI lifespan protocol over :meth:`lifespan`."""
        await receive()  # lifespan.startup
        started = False
        try:
            async with self.lifespan():
                started = True
                await send({"type": "lifespan.startup.complete"})
                await receive()  # lifespan.shutdown
        except Exception as exc:
            phase = "shutdown" if started else "startup"
            await send({"type": f"lifespan.{phase}.failed", "message": repr(exc)})
            raise
        await send({"type": "lifespan.shutdown.complete"})


class _Internal(SmartSpawnError):
    """A 500 ``INTERNAL`` with no detail."""


def _build_fastapi(state: State) -> FastAPI:
    """FastAPI over every route table (``/api`` and the root), sharing ``state``."""
    from fastapi import FastAPI

    from smart_spawn_plugin.server.errors import install_error_handlers
    from smart_spawn_plugin.server.openapi import install_openapi

    app = FastAPI(
        title="smart-spawn routing API",
        version=__version__,
        description="Original Smart Spawn-compatible routing API: every route is served under "
        "/api and at the root.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state = state
    install_error_handlers(app)
    install_openapi(app)
    for routes in _ROUTES:
        router = routes.api_router()
        app.include_router(router, prefix="/api")
        app.include_router(router, include_in_schema=False)
    for handler, paths in _META:
        route = next(r for r in routes_meta.router.routes if r.endpoint is handler)
        for path in paths:
            add_to(app, route, path, include_in_schema=path == paths[0])
    return app


def create_app(
    runtime: Runtime, config: ServerSettings | None = None, *, close_runtime: bool = False
) -> Api:
    """The HTTP API over ``runtime`` (an :class:`Api`). ``config`` defaults to
    ``runtime.settings.server``; ``close_runtime`` closes ``runtime`` on shutdown. Works without
    its lifespan too (in-process tests)."""
    return Api(runtime, config or runtime.settings.server, close_runtime=close_runtime)


def app_from_env(**settings: Any) -> Api:
    """An app over a freshly opened ``Runtime`` (env settings; always routing in process),
    closed on shutdown — the factory for any ASGI server."""
    return create_app(Runtime.open(recommender="local", **settings), close_runtime=True)
