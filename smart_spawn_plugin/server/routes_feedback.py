"""Feedback routes on the feedback store, per ``user_key`` (see ``AuthMiddleware``):
``POST spawn-log, spawn-log/outcome, community/report``; ``GET spawn-log/scores,
spawn-log/stats, community/scores``.

Differences from the original, on purpose: ``category`` is validated everywhere; ``rating`` must
be a number 1–5 (a non-number is a 400, never recorded as a failure); stats come from recorded
usage and recorded prices; community data is aggregate and anonymous (contributors are stored
only as salted hashes), and a contributor is the caller's server-side identity (API key, or
address on an unshared server) — the body's ``instanceId`` is still required for compatibility
but decides nothing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator
from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin.client.base import OutcomeReport, SpawnLogEntry
from smart_spawn_plugin.feedback.stats import spawn_scores, spawn_stats
from smart_spawn_plugin.models import Budget, Category, Mode
from smart_spawn_plugin.server import params as p
from smart_spawn_plugin.server.deps import (
    json_response,
    parse_body,
    parse_query,
    state_of,
    user_key_of_request,
)
from smart_spawn_plugin.server.invalidation import community_reported, rating_recorded, targeted
from smart_spawn_plugin.server.ratelimit import TrustedProxies, client_key
from smart_spawn_plugin.server.routing import Routes

router = Routes()


class Body(BaseModel):
    """Base of request bodies: unknown keys ignored (as the original), strict types."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ModelCategory(Body):
    model: StrictStr = Field(min_length=1, max_length=300)
    category: Category

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        clean = p.clean_model_id(value)
        if clean is None:
            raise ValueError("model is not a valid model ID")
        return clean


class SpawnLogBody(ModelCategory):
    budget: Budget = "medium"
    mode: Mode = "single"
    role: StrictStr = Field("primary", min_length=1, max_length=64)
    source: StrictStr = Field("api", max_length=64)
    context: StrictStr | None = Field(None, max_length=1000)


class OutcomeBody(ModelCategory):
    rating: p.Rating
    context: StrictStr | None = Field(None, max_length=1000)


class CommunityBody(ModelCategory):
    rating: p.Rating
    instance_id: StrictStr = Field(alias="instanceId", min_length=1, max_length=200)


def _openapi(model: type[BaseModel]) -> dict[str, object]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


class ScoresQuery(p.Query):
    category: Category | None = None
    min_samples: p.AtLeastOne = Field(3, alias="minSamples")


class StatsQuery(p.Query):
    days: p.Days = 7


class CommunityQuery(p.Query):
    category: Category | None = None
    min_ratings: p.AtLeastOne = Field(10, alias="minRatings")


@router.post("/spawn-log", summary="Log a spawn", openapi_extra=_openapi(SpawnLogBody))
async def spawn_log(request: Request) -> Response:
    """``{data: {logged: true, id}}``. Prices are looked up in the catalog (0 if unknown)."""
    body = await parse_body(SpawnLogBody, request)
    entry = SpawnLogEntry(status="planned", **body.model_dump())
    row = state_of(request).service.record_spawn(entry, user_key=user_key_of_request(request))
    return json_response({"logged": True, "id": row.id})


@router.post(
    "/spawn-log/outcome", summary="Rate a spawn's outcome", openapi_extra=_openapi(OutcomeBody)
)
async def outcome(request: Request) -> Response:
    """``{data: {recorded: true, model, category, rating}}``; the caller's picks change."""
    body = await parse_body(OutcomeBody, request)
    rating = int(body.rating)
    state, user = state_of(request), user_key_of_request(request)
    report = state.service.checked(
        OutcomeReport(model=body.model, category=body.category, rating=rating, context=body.context)
    )
    with targeted(state):
        state.service.record_rating(report, user_key=user)
    rating_recorded(state, user, body.category)
    return json_response(
        {"recorded": True, "model": report.model, "category": body.category, "rating": rating}
    )


@router.get(
    "/spawn-log/scores", summary="The caller's per-model feedback scores", query=ScoresQuery
)
async def scores(request: Request) -> Response:
    """``{data: [{model, category, successRate, total}]}``, best first."""
    q = parse_query(ScoresQuery, request)
    rows = spawn_scores(
        state_of(request).service.ratings, user_key_of_request(request), q.category, q.min_samples
    )
    return json_response([r.wire() for r in rows])


@router.get("/spawn-log/stats", summary="The caller's spawn statistics", query=StatsQuery)
async def stats(request: Request) -> Response:
    """``{data: {totalSpawns, byModel, …, topModels, measuredSpawns}}`` over ``days`` days."""
    q = parse_query(StatsQuery, request)
    result = spawn_stats(state_of(request).service.spawns, user_key_of_request(request), q.days)
    return json_response(result)


def contributor_of(request: Request) -> str:
    """Who a community report counts as: the server-side identity, never the body's
    ``instanceId`` (any caller can invent those — 60 made-up ids from one key changed another
    key's picks). On a shared server that is the API key's ``user_key``; otherwise the client's
    address (behind trusted proxies, its forwarded address). The "3 distinct contributors" rule
    and the per-contributor hourly limit both count these."""
    state = state_of(request)
    if state.config.shared:
        return "key:" + user_key_of_request(request)
    trusted: TrustedProxies = request.app.state.trusted
    return "addr:" + client_key(request.scope, trusted)


@router.post(
    "/community/report",
    summary="Report an anonymous community rating",
    openapi_extra=_openapi(CommunityBody),
)
async def community_report(request: Request) -> Response:
    """``{data: {recorded: true}}``; 429 RATE_LIMITED past the per-instance hourly limit."""
    body = await parse_body(CommunityBody, request)
    state = state_of(request)
    with targeted(state):
        state.service.record_community(
            model=body.model,
            category=body.category,
            rating=int(body.rating),
            instance_id=contributor_of(request),
        )
    community_reported(state, body.category)
    return json_response({"recorded": True})


@router.get("/community/scores", summary="Aggregate community scores", query=CommunityQuery)
async def community(request: Request) -> Response:
    """``{data: [{model, category, totalRatings, avgRating, contributors}]}``, best first.
    Only scores with ``minRatings`` ratings from at least 3 distinct contributors appear."""
    q = parse_query(CommunityQuery, request)
    from smart_spawn_plugin.feedback.scores import community_scores

    found = community_scores(
        state_of(request).service.community, q.category, min_ratings=q.min_ratings
    )
    rows = sorted(found.values(), key=lambda s: (-s.avg_rating, s.model, s.category))
    return json_response(
        [
            {
                "model": s.model,
                "category": s.category,
                "totalRatings": s.total_ratings,
                "avgRating": s.avg_rating,
                "contributors": s.contributors,
            }
            for s in rows
        ]
    )
