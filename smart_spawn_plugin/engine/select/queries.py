"""recommend, compare and models: the catalog queries beside ``pick``."""

from __future__ import annotations

from typing import Final

from pydantic import Field

from smart_spawn_plugin.engine.select.explain import confidence_of
from smart_spawn_plugin.engine.select.ranked import Ranked
from smart_spawn_plugin.engine.select.requests import (
    PickRequest,
    Recommendation,
    RecommendMeta,
    RecommendResult,
)
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.engine.select.strategies import NON_INTERACTIVE_VARIANTS
from smart_spawn_plugin.errors import InvalidParam, NotFound
from smart_spawn_plugin.models import (
    CATEGORIES,
    Capabilities,
    Catalog,
    Category,
    ModelRecord,
    Pricing,
    Speed,
    Tier,
    Wire,
    bare_model_id,
)

MAX_RECOMMEND: Final = 5
MAX_COMPARE: Final = 5
MAX_LIMIT: Final = 500


def recommend(selector: Selector, request: PickRequest, count: int = 1) -> RecommendResult:
    """Up to ``count`` (1–5) models, diverse in provider: the best of each provider first, then
    the next best overall. Empty when nothing qualifies (like the original, not an error)."""
    if not 1 <= count <= MAX_RECOMMEND:
        raise InvalidParam(f"count must be between 1 and {MAX_RECOMMEND}", field="count")
    res = selector.resolve(request)
    cands = selector.candidates(res)
    ranked = selector.rank(cands, res)
    chosen: list[Ranked] = []
    providers: set[str] = set()
    for r in ranked:
        if len(chosen) == count:
            break
        if r.model.provider not in providers:
            providers.add(r.model.provider)
            chosen.append(r)
    for r in ranked:
        if len(chosen) == count:
            break
        if r not in chosen:
            chosen.append(r)
    chosen.sort(key=lambda r: -r.rank_key)
    items = []
    for i, r in enumerate(chosen):
        nxt = chosen[i + 1].score if i + 1 < len(chosen) else None
        prov = r.model.provenance.get(res.category)
        label = "Top" if r.score >= 80 else "Strong" if r.score >= 60 else "Available"
        reason = f"{label} {res.category} model at {res.budget} budget"
        if (r.model.speed.output_tokens_per_second or 0) >= 80:
            reason += " (fast)"
        if len(r.model.sources_covered) > 1:
            reason += f" ({len(r.model.sources_covered)} benchmark sources)"
        items.append(
            Recommendation(
                model=r.model,
                reason=reason,
                confidence=confidence_of(prov, None if nxt is None else r.score - nxt, None),
                score=r.score,
            )
        )
    meta = RecommendMeta(
        task=res.category,
        task_raw=request.task,
        budget=res.budget,
        candidates_considered=len(cands),
    )
    return RecommendResult(data=items, meta=meta)


class ComparedModel(Wire):
    id: str
    name: str
    provider: str
    tier: Tier
    context_length: int
    pricing: Pricing
    capabilities: Capabilities
    scores: dict[Category, float]
    cost_efficiency: dict[Category, float]
    benchmarks: dict[str, float]
    speed: Speed
    categories: list[Category]
    sources_covered: list[str]
    last_updated: str | None


class Comparison(Wire):
    models: list[ComparedModel]
    missing: list[str] = Field(default_factory=list)


def compare(catalog: Catalog, ids: list[str]) -> Comparison:
    """Side by side view of 2–5 models; unknown ids are listed in ``missing``."""
    clean = [bare_model_id(i.strip()) for i in ids if i.strip()]
    if not 2 <= len(clean) <= MAX_COMPARE:
        raise InvalidParam("models must include at least two valid model IDs", field="models")
    by_id = {m.id: m for m in catalog.models}
    found = [by_id[i] for i in clean if i in by_id]
    if not found:
        raise NotFound("No matching models found", field="models")
    out = []
    for m in found:
        # by alias: the nested capabilities and speed keep their camelCase wire names
        # (functionCalling, json, outputTokensPerSecond), as in every other answer
        fields = m.model_dump(mode="json", by_alias=True)
        out.append(ComparedModel.model_validate(fields))
    return Comparison(models=out, missing=[i for i in clean if i not in by_id])


class ModelsMeta(Wire):
    total: int
    filtered: int
    returned: int
    last_refresh: str | None
    version: str


class ModelsResult(Wire):
    data: list[ModelRecord]
    meta: ModelsMeta


def list_models(
    catalog: Catalog,
    *,
    category: Category | None = None,
    tier: Tier | None = None,
    sort: str = "score",
    limit: int = 50,
) -> ModelsResult:
    """Filter by category membership and tier; sort by score, cost, efficiency or a category
    (descending, cost ascending); ``limit`` 1–500."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidParam(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    sort_cat: Category | None = category
    if sort in CATEGORIES:
        sort_cat = sort
        sort = "score"
    elif sort not in ("score", "cost", "efficiency"):
        raise InvalidParam("sort must be score, cost, efficiency or a category", field="sort")
    models = [
        m
        for m in catalog.models
        if (category is None or category in m.categories)
        and (tier is None or m.tier == tier)
        and m.variant not in NON_INTERACTIVE_VARIANTS  # a :batch copy is not a second model
    ]

    def metric(values: dict[Category, float]) -> float:
        if sort_cat is not None:
            return values.get(sort_cat, 0.0)
        return sum(values.values()) / len(values) if values else 0.0

    if sort == "cost":
        models.sort(key=lambda m: (m.pricing.blended, m.id))
    elif sort == "efficiency":
        models.sort(key=lambda m: (-metric(m.cost_efficiency), m.id))
    else:
        models.sort(key=lambda m: (-metric(m.scores), m.id))
    meta = ModelsMeta(
        total=len(catalog.models),
        filtered=len(models),
        returned=min(limit, len(models)),
        last_refresh=catalog.last_refresh.isoformat() if catalog.last_refresh else None,
        version=catalog.version,
    )
    return ModelsResult(data=models[:limit], meta=meta)
