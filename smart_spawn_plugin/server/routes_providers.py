"""Providers and quotas over HTTP (issue 13), read-only:

- ``GET /api/providers``: every provider — kind, tier, base URL, whether it has a key (never the
  key), its quota settings and whether it is shifted off;
- ``GET /api/quota?hours=N``: per provider, used, limit, percent, burn rate over the last ``N``
  hours (default ``providers.burnWindowHours``), predicted exhaustion and next reset.

A bad ``hours`` is a 400 ``INVALID_PARAM`` naming it. Writes (set-usage, shift, optimize) stay
on the CLI, the plugin tools and MCP, where the machine's owner is the caller.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin.server.deps import json_response, parse_query, state_of
from smart_spawn_plugin.server.routing import Routes

router = Routes()


class QuotaQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    hours: float | None = Field(default=None, gt=0, le=24 * 366)


@router.get("/providers", summary="Providers, keys present, quotas")
async def providers(request: Request) -> Response:
    service = state_of(request).runtime.providers
    return json_response([p.model_dump(mode="json", by_alias=True) for p in service.providers()])


@router.get("/quota", summary="Usage, burn rate and predicted exhaustion per provider")
async def quota(request: Request) -> Response:
    query = parse_query(QuotaQuery, request)
    service = state_of(request).runtime.providers
    predictions = await service.predict(query.hours)
    return json_response([p.model_dump(mode="json", by_alias=True) for p in predictions])
