"""The API index (``GET /api``), liveness (``GET /api/health``)."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response

from smart_spawn_plugin import __version__
from smart_spawn_plugin.server.deps import bytes_response
from smart_spawn_plugin.server.encoding import dumps

router = APIRouter()

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
    "GET /api/openapi.json",
]


#: constant answers, serialised once
_INDEX: Final = dumps(
    {"data": {"name": "Model Intelligence API", "version": __version__, "endpoints": ENDPOINTS}}
)
_HEALTH: Final = dumps({"status": "ok", "version": __version__})


@router.get("/", summary="API index")
async def index() -> Response:
    """``{data: {name, version, endpoints}}`` (the original's ``GET /api``)."""
    return bytes_response(_INDEX)


@router.get("/health", summary="Liveness")
async def health() -> Response:
    """``{status: "ok"}`` — the process answers; it does not touch the catalog."""
    return bytes_response(_HEALTH)
