"""The ASGI app: :func:`create_app` builds it over an opened ``Runtime``.

Every route is mounted under ``/api`` and again at the root (the original's legacy mounts); the
OpenAPI document lists the ``/api`` ones (``/api/openapi.json``, docs at ``/api/docs``).
Middleware (pure ASGI, outermost first): core (log, headers, CORS, body and query limits, HEAD)
→ rate limit → auth → response cache → lazy dashboard (its routes added on first need, see
``startup``) → fast path (our routes without FastAPI's router and dependency injection, see
``fastpath``) → FastAPI. See ``middleware``. Start-up loads only what a pick needs before
serving; the dashboard and its warm-up come after (``startup``).

For any ASGI server: ``uvicorn --factory smart_spawn_plugin.server.app:app_from_env``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from smart_spawn_plugin import __version__
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
from smart_spawn_plugin.server.errors import install_error_handlers
from smart_spawn_plugin.server.fastpath import FastPathMiddleware, build_table
from smart_spawn_plugin.server.middleware import AuthMiddleware, CoreMiddleware
from smart_spawn_plugin.server.openapi import install_openapi
from smart_spawn_plugin.server.ratelimit import (
    RateLimitMiddleware,
    RefreshGuard,
    TrustedProxies,
)
from smart_spawn_plugin.server.refresher import Refresher
from smart_spawn_plugin.server.startup import LazyDashboard, Warmup, ready
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.shared import open_shared

log = get_logger(__name__)

_ROUTERS = (
    routes_catalog.router,
    routes_feedback.router,
    routes_plan.router,
    routes_roles.router,
    routes_providers.router,
    openai_compat.router,
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


def create_app(
    runtime: Runtime, config: ServerSettings | None = None, *, close_runtime: bool = False
) -> FastAPI:
    """The HTTP API over ``runtime``. ``config`` defaults to ``runtime.settings.server``. Its
    lifespan loads the catalog and the classifier before serving, warms the dashboard in the
    background once serving (``app.state.warmup.done`` is set when finished; see ``startup``)
    and, when ``settings.live_sources`` is on, refreshes at start and every
    ``refresh_interval_s`` (6 h); ``close_runtime`` closes ``runtime`` on shutdown. Works
    without its lifespan too (in-process tests)."""
    config = config or runtime.settings.server
    state = build_state(runtime, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(ready, runtime)
        warming = asyncio.create_task(warmup.run())
        timer: asyncio.Task[None] | None = None
        if runtime.settings.live_sources and config.background_refresh:
            await state.refresher.try_start()
            timer = asyncio.create_task(state.refresher.run_periodically(config.refresh_interval_s))
        follow = state.refresher.follow_periodically(config.follow_interval_s)
        follower = asyncio.create_task(follow)
        log.info("server_started", models=len(runtime.catalog.current().models))
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
            if close_runtime:
                await runtime.aclose()

    app = FastAPI(
        title="smart-spawn routing API",
        version=__version__,
        description="Original Smart Spawn-compatible routing API: every route is served under "
        "/api and at the root.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.server = state
    app.state.trusted = TrustedProxies(config.trusted_proxies)
    app.state.refresh_guard = RefreshGuard(config, app.state.trusted)
    install_error_handlers(app)
    install_openapi(app)
    for router in _ROUTERS:
        app.include_router(router, prefix="/api")
        app.include_router(router, include_in_schema=False)
    for path in ("/api", "/api/", "/"):
        app.add_api_route(
            path, routes_meta.index, methods=["GET"], include_in_schema=path == "/api"
        )
    for path in ("/api/health", "/health"):
        app.add_api_route(
            path, routes_meta.health, methods=["GET"], include_in_schema=path == "/api/health"
        )
    for path in ("/api/ready", "/ready"):
        app.add_api_route(
            path, routes_meta.ready, methods=["GET"], include_in_schema=path == "/api/ready"
        )
    table = build_table([*app.router.routes, *(r for router in _ROUTERS for r in router.routes)])
    # /dashboard (browser pages, own sign-in): routes added on first need (LazyDashboard)
    warmup = app.state.warmup = Warmup(app, table)
    app.add_middleware(FastPathMiddleware, table=table)
    app.add_middleware(LazyDashboard, warmup=warmup)
    app.add_middleware(CacheMiddleware, cache=state.cache)
    app.add_middleware(AuthMiddleware, config=config)
    limits = state.shared if config.redis_url is not None else None
    app.add_middleware(RateLimitMiddleware, config=config, shared=limits)
    app.add_middleware(CoreMiddleware, config=config)
    return app


def app_from_env(**settings: Any) -> FastAPI:
    """An app over a freshly opened ``Runtime`` (env settings; always routing in process),
    closed on shutdown — the factory for any ASGI server."""
    return create_app(Runtime.open(recommender="local", **settings), close_runtime=True)
