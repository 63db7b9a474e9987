"""Typed requests and decisions of the selection engine (the wire shapes of pick/recommend)."""

from __future__ import annotations

from pydantic import Field

from smart_spawn_plugin.models import (
    Budget,
    BudgetChoice,
    Capability,
    Category,
    Effort,
    Evidence,
    ModelRecord,
    Pricing,
    Strategy,
    Tier,
    Wire,
)


class PickRequest(Wire):
    """What a caller asks of ``pick``/``recommend``. Either ``task`` or ``category`` is given."""

    task: str | None = None
    category: Category | None = None
    budget: BudgetChoice = "medium"
    exclude: list[str] = Field(default_factory=list)
    require: list[Capability] = Field(default_factory=list)
    min_context: int = Field(default=0, ge=0, le=10_000_000)
    context: list[str] = Field(default_factory=list)
    category_weights: dict[Category, float] | None = None
    strategy: Strategy = "balanced"
    fallbacks: int = Field(default=2, ge=0, le=10)
    #: best_under_latency: max seconds for a 500-token answer (TTFT + 500/throughput)
    max_latency_s: float | None = Field(default=None, gt=0)
    #: best_under_budget: max blended USD per 1M tokens
    max_price: float | None = Field(default=None, ge=0)
    #: user whose personal ratings apply
    user_key: str = "local"
    #: reasoning effort to score and run at (default: each model's scored effort)
    effort: Effort | None = None
    #: prompt size in tokens when known: long-context prices apply above their threshold
    prompt_tokens: int | None = Field(default=None, ge=0, le=100_000_000)


class BudgetRangeOut(Wire):
    min: float
    max: float | None


class RunnerUp(Wire):
    id: str
    name: str
    score: float
    blended_price: float
    score_delta: float
    price_ratio: float | None
    comparison: str
    #: why the pick ranks above this runner-up although the runner-up's score is higher
    why: str | None = None


class ClassificationOut(Wire):
    category: Category
    confidence: float
    signals: dict[str, str | bool | float]
    override: str | None = None


class Decision(Wire):
    """A pick, explained. Serialises to the original's /pick ``data`` plus our fields."""

    id: str
    name: str
    provider: str
    score: float
    benchmark_score: float
    personal_score: float | None = None
    context_boost: float | None = None
    context_tags: list[str] | None = None
    pricing: Pricing
    budget: Budget
    #: the original calls the budget's range "tier"; the model's tier is ``model_tier``
    tier: BudgetRangeOut
    model_tier: Tier
    candidate_count: int
    reason: str
    category: Category
    confidence: float
    strategy: Strategy
    evidence: list[Evidence] = Field(default_factory=list)
    baseline: bool = False
    runner_ups: list[RunnerUp] = Field(default_factory=list)
    fallbacks: list[str] = Field(default_factory=list)
    classification: ClassificationOut | None = None
    #: the reasoning effort the pick was scored at and is run at (``reasoning.effort``)
    effort: Effort | None = None
    #: true when the pick's long-context prices applied (``pricing.longContext``)
    long_context_price: bool = False
    #: why the budget is what it is when ``auto``, an ``F:``/``L:`` prefix or a memory chose it
    budget_reason: str | None = None
    #: the personal memory that decided, when one did
    memory: str | None = None


class Recommendation(Wire):
    """One entry of /recommend: ``{model, reason, confidence}`` plus the ranking score."""

    model: ModelRecord
    reason: str
    confidence: float
    score: float


class RecommendMeta(Wire):
    task: Category
    task_raw: str | None
    budget: Budget
    candidates_considered: int


class RecommendResult(Wire):
    data: list[Recommendation]
    meta: RecommendMeta
