"""The remote recommender: any original-compatible routing API over httpx, with a TTL cache.

Contract (on top of :class:`~smart_spawn_plugin.client.base.Recommender`):

- ``pick``/``recommend`` call ``GET {api}/pick`` and ``GET {api}/recommend`` with a timeout
  (:data:`DEFAULT_TIMEOUT`). Answers are cached in a ``cachetools.TTLCache`` keyed on the path
  and the *whole* request (every field, sorted), so two requests differing in any field never
  share an answer.
- Any transport error, timeout, 5xx, 401/403/429, or a body that is not the expected JSON makes
  the decision come from the local engine instead: the :class:`Routed` says
  ``source="local-fallback"`` and ``fallback_reason`` says why. Only the API's own verdicts on
  the request are raised: ``NO_MODEL`` (as :class:`NoModel`) and 400s (as ``InvalidParam``).
- Requests the original API cannot express (``categoryWeights``, ``maxLatencyS``, ``maxPrice``)
  are answered locally, also marked ``local-fallback`` with the reason.
- ``log_spawn``/``record_outcome`` queue the report in the persistent outbox
  (``POST {api}/spawn-log`` and ``{api}/spawn-log/outcome``) and then try to deliver what is due;
  a report the endpoint cannot take now stays queued for a later :meth:`flush`, never lost.
"""

from __future__ import annotations

import json
from typing import Any, Final

import httpx
from cachetools import TTLCache
from pydantic import BaseModel, JsonValue, ValidationError

from smart_spawn_plugin.client.base import OutcomeReport, Routed, SpawnLogEntry
from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.engine.select.budget import AUTO_DEFAULT, BUDGET_RANGES
from smart_spawn_plugin.engine.select.requests import (
    BudgetRangeOut,
    Decision,
    PickRequest,
    RecommendResult,
)
from smart_spawn_plugin.errors import InvalidParam, NoModel
from smart_spawn_plugin.feedback.telemetry import FlushResult, Outbox
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import Budget, Category, Pricing, Wire

logger = get_logger(__name__)

#: Routing calls must be quick: a slow API only delays a spawn by this much, then local wins.
DEFAULT_TIMEOUT: Final = httpx.Timeout(5.0, connect=2.0)
DEFAULT_CACHE_TTL: Final = 300.0
DEFAULT_CACHE_SIZE: Final = 512
#: The original's query ``task`` is at most 200 characters; longer tasks are classified here.
MAX_TASK_QUERY: Final = 200
SPAWN_LOG_KIND: Final = "spawn_log"
OUTCOME_KIND: Final = "spawn_outcome"
_UNSUPPORTED: Final = ("category_weights", "max_latency_s", "max_price")


class RemoteUnavailable(Exception):
    """Internal: the remote API could not answer; the message is the fallback reason."""


class _OriginalPick(Wire):
    """The original API's ``/pick`` data (a subset of our :class:`Decision`)."""

    id: str
    name: str | None = None
    provider: str | None = None
    score: float
    pricing: Pricing = Pricing()
    budget: Budget | None = None
    candidate_count: int = 0
    reason: str = ""
    category: Category | None = None
    confidence: float | None = None


class RemoteRecommender:
    """``Recommender`` over an original-compatible HTTP API (see the module contract). ``http``
    is the runtime's client (authenticated to ``api_url``); it is not closed here."""

    name = "remote"

    def __init__(
        self,
        api_url: str,
        http: httpx.AsyncClient,
        fallback: LocalRecommender,
        outbox: Outbox,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        cache: TTLCache[str, Any] | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = http
        self.fallback = fallback
        self.outbox = outbox
        self.timeout = timeout
        self.cache: TTLCache[str, Any] = cache or TTLCache(DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL)

    # ---- routing ----

    async def pick(self, request: PickRequest) -> Routed:
        unsupported = _unsupported(request)
        if unsupported:
            return await self._local(request, f"the routing API cannot express {unsupported}")
        params = {**_query(request), "fallbacks": str(request.fallbacks)}
        key = _cache_key("pick", request)
        cached = self.cache.get(key)
        if isinstance(cached, Decision):
            return Routed(decision=cached, source="remote")
        try:
            body = await self._get("/pick", params)
            decision = _decision(body, request)
        except RemoteUnavailable as exc:
            return await self._local(request, str(exc))
        self.cache[key] = decision
        return Routed(decision=decision, source="remote")

    async def recommend(self, request: PickRequest, count: int) -> RecommendResult:
        """``/recommend``; on failure the local engine's answer (logged as a fallback)."""
        if _unsupported(request):
            return await self.fallback.recommend(request, count)
        key = _cache_key(f"recommend:{count}", request)
        cached = self.cache.get(key)
        if isinstance(cached, RecommendResult):
            return cached
        try:
            body = await self._get("/recommend", {**_query(request), "count": str(count)})
            result = _recommend_result(body, request)
        except RemoteUnavailable as exc:
            logger.warning("remote_fallback", path="/recommend", reason=str(exc))
            return await self.fallback.recommend(request, count)
        self.cache[key] = result
        return result

    async def _local(self, request: PickRequest, reason: str) -> Routed:
        logger.warning("remote_fallback", path="/pick", reason=reason)
        routed = await self.fallback.pick(request)
        return Routed(decision=routed.decision, source="local-fallback", fallback_reason=reason)

    async def _get(self, path: str, params: dict[str, str]) -> JsonValue:
        try:
            response = await self.http.get(self.api_url + path, params=params, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise RemoteUnavailable(f"{path} timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(f"{path} failed: {type(exc).__name__}: {exc}") from exc
        try:
            body: JsonValue = response.json()
        except ValueError as exc:
            raise RemoteUnavailable(
                f"{path} answered HTTP {response.status_code} with a body that is not JSON"
            ) from exc
        if response.is_success:
            return body
        _raise_verdict(response.status_code, body)
        raise RemoteUnavailable(f"{path} answered HTTP {response.status_code}")

    # ---- feedback ----

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None:
        payload = _json(entry)
        self.outbox.enqueue(SPAWN_LOG_KIND, self.api_url + "/spawn-log", payload)
        await self.flush(SPAWN_LOG_KIND)

    async def record_outcome(self, report: OutcomeReport, *, user_key: str = "local") -> None:
        payload = _json(report)
        self.outbox.enqueue(OUTCOME_KIND, self.api_url + "/spawn-log/outcome", payload)
        self.cache.clear()  # the rating changes this user's rankings
        await self.flush(OUTCOME_KIND)

    async def flush(self, kind: str | None = None) -> FlushResult:
        """Deliver the due reports (of one ``kind``, or all); failures stay queued."""
        try:
            return await self.outbox.flush(self.http, kind=kind)
        except Exception:  # delivery is best effort now; the items stay in the outbox
            logger.warning("outbox_flush_failed", kind=kind)
            return FlushResult()

    async def aclose(self) -> None:
        """Nothing to close: the HTTP client belongs to the runtime."""


# ---- helpers ----


def _unsupported(request: PickRequest) -> str:
    names = [name for name in _UNSUPPORTED if getattr(request, name) is not None]
    return ", ".join(PickRequest.model_fields[n].alias or n for n in names)


def _cache_key(path: str, request: PickRequest) -> str:
    return path + "?" + json.dumps(request.model_dump(mode="json"), sort_keys=True)


def _query(request: PickRequest) -> dict[str, str]:
    """Query params in the original's shape. ``task`` is the task text when short enough, else
    its category (the original plugin always sent the category)."""
    task = request.task
    if request.category is not None:
        task = request.category
    elif task is None or len(task) > MAX_TASK_QUERY:
        from smart_spawn_plugin.engine.classify.classifier import classify

        task = classify(task or "").category
    params = {"task": task, "budget": request.budget, "strategy": request.strategy}
    if request.exclude:
        params["exclude"] = ",".join(request.exclude)
    if request.require:
        params["require"] = ",".join(request.require)
    if request.min_context:
        params["minContext"] = str(request.min_context)
    if request.context:
        params["context"] = ",".join(request.context)
    return params


def _raise_verdict(status: int, body: JsonValue) -> None:
    """Raise the API's verdict on the request itself (NO_MODEL, a bad param)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return
    code, message = error.get("code"), str(error.get("message") or f"HTTP {status}")
    field = error.get("field")
    if code == "NO_MODEL":
        raise NoModel(message)
    if status == 400:
        raise InvalidParam(message, field=field if isinstance(field, str) else None)


def _data(body: JsonValue, path: str) -> JsonValue:
    if not isinstance(body, dict) or "data" not in body:
        raise RemoteUnavailable(f"{path} answered without a data field")
    return body["data"]


def _decision(body: JsonValue, request: PickRequest) -> Decision:
    """Our full ``Decision``, or one completed from the original's smaller ``/pick`` data."""
    data = _data(body, "/pick")
    try:
        return Decision.model_validate(data)
    except ValidationError:
        pass
    try:
        pick = _OriginalPick.model_validate(data)
    except ValidationError as exc:
        raise RemoteUnavailable(f"/pick answered an unexpected shape: {exc.errors()[0]}") from exc
    budget = pick.budget or (request.budget if request.budget != "auto" else AUTO_DEFAULT)
    rng = BUDGET_RANGES[budget]
    category = pick.category or request.category
    if category is None:
        from smart_spawn_plugin.engine.classify.classifier import classify

        category = classify(request.task or "").category
    return Decision(
        id=pick.id,
        name=pick.name or pick.id,
        provider=pick.provider or pick.id.split("/", 1)[0],
        score=pick.score,
        benchmark_score=pick.score,
        pricing=pick.pricing,
        budget=budget,
        tier=BudgetRangeOut(min=rng.min, max=None if rng.max == float("inf") else rng.max),
        model_tier="standard",
        candidate_count=pick.candidate_count,
        reason=pick.reason or f"Picked by {request.strategy} routing API",
        category=category,
        confidence=pick.confidence if pick.confidence is not None else 0.5,
        strategy=request.strategy,
    )


def _recommend_result(body: JsonValue, request: PickRequest) -> RecommendResult:
    """``{data, meta}``; the original's items lack ``score`` (filled from the model's scores)."""
    items = _data(body, "/recommend")
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise RemoteUnavailable("/recommend answered data that is not a list")
    category = request.category or (meta.get("task") if isinstance(meta, dict) else None)
    filled: list[JsonValue] = []
    for item in items:
        if isinstance(item, dict) and "score" not in item:
            model = item.get("model")
            scores = model.get("scores") if isinstance(model, dict) else None
            score = scores.get(str(category), 0.0) if isinstance(scores, dict) else 0.0
            item = {**item, "score": score}
        filled.append(item)
    meta_in: dict[str, JsonValue] = dict(meta) if isinstance(meta, dict) else {}
    meta_in.setdefault("task", category or "general")
    meta_in.setdefault("taskRaw", request.task)
    meta_in.setdefault("budget", request.budget)
    meta_in.setdefault("candidatesConsidered", len(filled))
    try:
        return RecommendResult.model_validate({"data": filled, "meta": meta_in})
    except ValidationError as exc:
        raise RemoteUnavailable(
            f"/recommend answered an unexpected shape: {exc.errors()[0]['msg']}"
        ) from exc


def _json(model: BaseModel) -> dict[str, JsonValue]:
    data: dict[str, JsonValue] = json.loads(model.model_dump_json(by_alias=True, exclude_none=True))
    return data
