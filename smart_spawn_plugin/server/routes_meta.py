"""The API index (``GET /api``), liveness (``GET /api/health``) and readiness
(``GET /api/ready``).

Both health routes check the database and the shared state (Redis). ``/health`` always answers
200 while the process runs — ``status`` is ``degraded`` with the reason when Redis is down
(routing goes on with per-process limits and cache) or the database is (reads are served from
the last catalog, writes get 503). ``/ready`` answers 503 while the database is unreachable, so
a load balancer sends traffic elsewhere; Redis being down does not make a replica unready."""

from __future__ import annotations

import asyncio
from typing import Any, Final, cast

from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin import __version__
from smart_spawn_plugin.errors import StoreError
from smart_spawn_plugin.server.deps import bytes_response, state_of
from smart_spawn_plugin.server.encoding import dumps
from smart_spawn_plugin.server.routing import Routes
from smart_spawn_plugin.store.db import Engine

router = Routes()

ENDPOINTS: Final = [
    "GET /api/pick",
    "GET /api/recommend",
    "GET /api/models",
    "GET /api/compare",
    "GET /api/status",
    "POST /api/refresh",
    "POST /api/decompose",
    "POST /api/swarm",
    "POST /api/spawn-log",
    "POST /api/spawn-log/outcome",
    "GET /api/spawn-log/scores",
    "GET /api/spawn-log/stats",
    "POST /api/community/report",
    "GET /api/community/scores",
    "GET /api/roles/blocks",
    "POST /api/roles/compose",
    "GET /api/health",
    "GET /api/ready",
    "GET /api/openapi.json",
]


#: constant answers, serialised once
_INDEX: Final = dumps(
    {"data": {"name": "Model Intelligence API", "version": __version__, "endpoints": ENDPOINTS}}
)


@router.get("/", summary="API index")
async def index(request: Request) -> Response:
    """``{data: {name, version, endpoints}}`` (the original's ``GET /api``)."""
    return bytes_response(_INDEX)


async def _checks(request: Request) -> dict[str, Any]:
    state = state_of(request)
    db = state.runtime.db
    database = "ok (sqlite)"  # a SQLite file is always there
    if hasattr(db, "ping"):  # a database server (PostgreSQL)
        try:
            await asyncio.to_thread(cast(Engine, db).ping)
            database = "ok"
        except StoreError as exc:
            database = f"unavailable: {exc.message}"
    return {"database": database, "redis": await state.shared.health()}


@router.get("/health", summary="Liveness")
async def health(request: Request) -> Response:
    """``{status: "ok"|"degraded", version, checks: {database, redis}}``, always 200."""
    checks = await _checks(request)
    fine = checks["database"].startswith("ok") and checks["redis"] in {"ok", "local"}
    body = {"status": "ok" if fine else "degraded", "version": __version__, "checks": checks}
    return bytes_response(dumps(body))


@router.get("/ready", summary="Readiness")
async def ready(request: Request) -> Response:
    """200 ``{ready: true, checks}`` when the database answers; else 503 ``{ready: false}``."""
    checks = await _checks(request)
    ok = checks["database"].startswith("ok")
    return bytes_response(dumps({"ready": ok, "checks": checks}), status=200 if ok else 503)
