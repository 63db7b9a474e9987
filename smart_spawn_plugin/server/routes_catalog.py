"""Routing and catalog routes: ``GET pick, recommend, models, compare, status``;
``POST refresh``. Shapes are the original's (``{data: …}``); see ``params`` for the limits."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Hashable
from typing import Annotated, Final, Literal

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin.engine.catalog.status import status_of
from smart_spawn_plugin.engine.select.queries import list_models
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import (
    InvalidParam,
    MissingParam,
    RateLimited,
    SmartSpawnError,
    Unauthorized,
)
from smart_spawn_plugin.models import (
    CAPABILITIES,
    CATEGORIES,
    BudgetChoice,
    Capability,
    Category,
    Strategy,
    Tier,
)
from smart_spawn_plugin.providers.routing import ProviderAwareRecommender
from smart_spawn_plugin.server import params as p
from smart_spawn_plugin.server.deps import (
    ServerState,
    bytes_response,
    json_response,
    parse_query,
    state_of,
    user_key_of_request,
)
from smart_spawn_plugin.server.ratelimit import RefreshGuard
from smart_spawn_plugin.server.routing import Routes
from smart_spawn_plugin.server.shape import (
    models_body,
    pick_body,
    recommend_body,
    wants_full,
)

router = Routes()
LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})
SortParam = Literal[
    "score",
    "cost",
    "efficiency",
    "coding",
    "reasoning",
    "creative",
    "research",
    "general",
    "fast-cheap",
    "vision",
]


class SelectionQuery(p.Query):
    """Parameters shared by /pick and /recommend."""

    task: str | None = Field(None, description="Task text (1-200 chars) or a category name.")
    category: Category | None = Field(None, description="Skip classification.")
    budget: BudgetChoice = "medium"
    exclude: str | None = Field(None, description="Comma list of at most 50 model ids.")
    require: str | None = Field(
        None, description="Comma list: vision,functionCalling,json,reasoning"
    )
    min_context: p.MinContext = Field(0, alias="minContext")
    context: str | None = Field(None, description="Comma list of context tags.")
    strategy: Strategy = "balanced"

    @field_validator("task")
    @classmethod
    def _task(cls, value: str | None) -> str | None:
        return p.task_text(value, "task", p.MAX_TASK_QUERY)

    @field_validator("exclude")
    @classmethod
    def _exclude(cls, value: str | None) -> str | None:
        if value is not None:
            p.model_id_list(value, "exclude", p.MAX_EXCLUDE)
        return value

    @field_validator("context")
    @classmethod
    def _context(cls, value: str | None) -> str | None:
        if value is not None:
            p.tag_list(value)
        return value

    @field_validator("require")
    @classmethod
    def _require(cls, value: str | None) -> str | None:
        if value is not None and any(
            part.strip() not in CAPABILITIES for part in value.split(",") if part.strip()
        ):
            raise ValueError("require contains invalid capabilities")
        return value

    def to_request(self, user_key: str) -> PickRequest:
        """The engine request; a ``task`` that names a category selects it (as the original)."""
        task, category = self.task, self.category
        if task is None and category is None:
            raise MissingParam("task parameter is required", field="task")
        if category is None and task in CATEGORIES:
            category = next(c for c in CATEGORIES if c == task)
        require: list[Capability] = [
            c for c in CAPABILITIES if c in {r.strip() for r in (self.require or "").split(",")}
        ]
        return PickRequest(
            task=task,
            category=category,
            budget=self.budget,
            exclude=p.model_id_list(self.exclude or "", "exclude", p.MAX_EXCLUDE),
            require=require,
            min_context=self.min_context,
            context=p.tag_list(self.context or ""),
            strategy=self.strategy,
            user_key=user_key,
        )


class PickQuery(SelectionQuery):
    fallbacks: Annotated[int, p.clamp(0, 10)] = 2


class RecommendQuery(SelectionQuery):
    count: p.Count = 1


class ModelsQuery(p.Query):
    category: Category | None = None
    tier: Tier | None = None
    sort: SortParam = "score"
    limit: p.Limit = 50


class CompareQuery(p.Query):
    models: str | None = Field(None, description="Comma list of 2-5 model ids.")

    @field_validator("models")
    @classmethod
    def _models(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            p.model_id_list(value, "models", p.MAX_COMPARE)
        return value


@router.get("/pick", summary="The best model for a task", query=PickQuery)
async def pick(request: Request) -> Response:
    """``{data: Decision}``; 400 MISSING_PARAM without a task, 404 NO_MODEL when none fits.
    Lean unless ``explain=full`` (see ``shape``). Routed like every other surface's pick —
    through the providers (a provider over quota or shifted off is skipped, and the reason
    says so; overrides apply) — and cached per providers' state (see :func:`vary_pick_cache`)."""
    q = parse_query(PickQuery, request)
    full = wants_full(request)
    state = state_of(request)
    req = q.to_request(user_key_of_request(request))
    req = req.model_copy(update={"fallbacks": q.fallbacks})
    decision = (await state.runtime.recommender.pick(req)).decision
    request.state.cache_category = decision.category  # for targeted invalidation (cache.py)
    selector = state.runtime.catalog.selector()
    if not selector.warmed:  # once per catalog, right after this answer: no later pick sorts
        asyncio.get_running_loop().call_soon(selector.warm)
    return bytes_response(pick_body(decision, full))


def vary_pick_cache(state: ServerState) -> None:
    """Key cached ``/pick`` and ``/recommend`` answers by the providers' routing-state
    fingerprint too, so a quota, shift or override change that could alter a pick is never
    answered from the cache (the state is memoised: a hit costs a marker read, see
    ``providers.routing_state``)."""
    routed = state.runtime.recommender
    if not isinstance(routed, ProviderAwareRecommender):
        return

    async def providers_state() -> Hashable:
        known = routed.memo.fresh()  # the common case: nothing changed, nothing to await
        if known is not None:
            return known.fingerprint
        try:
            return (await routed.routing_state()).fingerprint
        except SmartSpawnError:
            return object()  # unreadable now: no hit, nothing stored; the route answers

    state.cache.vary("/pick", providers_state)
    state.cache.vary("/recommend", providers_state)


@router.get(
    "/recommend", summary="Several provider-diverse models for a task", query=RecommendQuery
)
async def recommend_route(request: Request) -> Response:
    """``{data: [{model, reason, confidence, score}], meta}`` (empty data when none fits).
    Through the providers like ``/pick`` (a skipped provider's models are left out, a local
    model is offered when it fits) and cached per providers' state likewise."""
    q = parse_query(RecommendQuery, request)
    full = wants_full(request)
    state = state_of(request)
    req = q.to_request(user_key_of_request(request))
    result = await state.runtime.recommend(req, q.count)
    request.state.cache_category = result.meta.task
    return bytes_response(recommend_body(result, full))


@router.get("/models", summary="List catalog models", query=ModelsQuery)
async def models(request: Request) -> Response:
    """``{data: [model], meta: {total, filtered, returned, lastRefresh, version}}``."""
    q = parse_query(ModelsQuery, request)
    full = wants_full(request)
    catalog = state_of(request).runtime.catalog.current()
    result = list_models(catalog, category=q.category, tier=q.tier, sort=q.sort, limit=q.limit)
    return bytes_response(models_body(result, full))


@router.get("/compare", summary="Compare 2-5 models side by side", query=CompareQuery)
async def compare_route(request: Request) -> Response:
    """``{data: {models, missing}}``; 404 NOT_FOUND when none of the ids is known."""
    q = parse_query(CompareQuery, request)
    if q.models is None or not q.models.strip():
        raise MissingParam("models parameter is required", field="models")
    ids = p.model_id_list(q.models, "models", p.MAX_COMPARE)
    if len(ids) < 2:
        raise InvalidParam("models must include at least two valid model IDs", field="models")
    return json_response(state_of(request).service.compare(ids))


@router.get("/status", summary="Catalog and source health")
async def status(request: Request) -> Response:
    """``{data: {status, lastRefresh, modelCount, …, sources, version, refreshing}}``."""
    state = state_of(request)
    catalog = state.runtime.catalog.current()
    memo = state.status_memo
    if memo is None or memo[0] is not catalog:
        memo = state.status_memo = (catalog, status_of(catalog))
    data = memo[1].wire()
    data["refreshing"] = state.refresher.running
    return json_response(data)


def _authorize_refresh(request: Request) -> None:
    """Raise ``Unauthorized`` unless the caller may refresh. A wrong key counts against the
    per-client failure limit (429 once used up); a right key is never blocked by wrong ones but
    counts against the refresh limit (see ``ratelimit.RefreshGuard``)."""
    guard: RefreshGuard = request.app.state.refresh_guard
    key = state_of(request).runtime.settings.refresh_api_key
    if key is None:
        # Without REFRESH_API_KEY only the machine itself may refresh (the original let anyone).
        client = request.client.host if request.client else ""
        if client not in LOOPBACK:
            raise Unauthorized("Set REFRESH_API_KEY to allow refreshes from other hosts")
    else:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {key.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            wait = guard.failed(request.scope)
            if wait:
                raise RateLimited("Too many failed refresh attempts", retry_after=wait)
            raise Unauthorized("Invalid or missing refresh API key")
    wait = guard.accept(request.scope)
    if wait:
        raise RateLimited("Too many refreshes", retry_after=wait)


@router.post("/refresh", summary="Rebuild the catalog in the background")
async def refresh(request: Request) -> Response:
    """``{data: {started: true, estimatedSeconds}}`` or ``{data: {started: false, message}}``
    when a refresh (manual or the timer's) is already running. 401 without the right key."""
    _authorize_refresh(request)
    state = state_of(request)
    if not await state.refresher.try_start():
        return json_response({"started": False, "message": "Refresh already in progress"})
    return json_response({"started": True, "estimatedSeconds": 30})
