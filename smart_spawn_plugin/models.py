"""The shared vocabulary: pydantic types that cross boundaries (HTTP, tools, store, config).

Field names are snake_case in Python and camelCase on the wire (``by_alias=True``), so the
shapes match the original Smart Spawn API (``contextLength``, ``costEfficiency`` …).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

import smart_spawn_plugin.vocab as vocab

# The word lists live in the pydantic-free ``vocab`` module (the CLI parser reads them without
# pydantic); these names are kept so every ``from smart_spawn_plugin.models import …`` holds.
Category = vocab.Category
CATEGORIES: Final = vocab.CATEGORIES
Budget = vocab.Budget
BUDGETS: Final = vocab.BUDGETS
BudgetChoice = vocab.BudgetChoice
BUDGET_CHOICES: Final = vocab.BUDGET_CHOICES
Tier = vocab.Tier
TIERS: Final = vocab.TIERS
Capability = vocab.Capability
CAPABILITIES: Final = vocab.CAPABILITIES
Mode = vocab.Mode
MODES: Final = vocab.MODES
Strategy = vocab.Strategy
STRATEGIES: Final = vocab.STRATEGIES
SortKey = vocab.SortKey

#: Ranking/scoring price of a ``:free`` variant whose paid base is not in the catalog: its real
#: price is unknown, and $0 must not win on price (a typical budget-model price instead).
UNPRICED_FREE_PRICE: Final = 1.0

#: How gateways address OpenRouter models ("openrouter/anthropic/claude-…").
OPENROUTER_PREFIX: Final = "openrouter/"


def bare_model_id(model_id: str) -> str:
    """The catalog id of a model however a caller spelled it: a leading ``openrouter/`` is
    dropped, so logs, ratings, excludes and lookups group one model under one name."""
    return model_id.removeprefix(OPENROUTER_PREFIX)


class Wire(BaseModel):
    """Base for wire types: camelCase aliases, population by either name, no unknown fields lost."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=False)

    def wire(self) -> dict[str, object]:
        """The JSON-ready dict with camelCase keys."""
        return self.model_dump(mode="json", by_alias=True)


Effort = vocab.Effort
EFFORTS: Final = vocab.EFFORTS


class LongContextPrice(Wire):
    """Prices (USD per 1M tokens) that apply once a prompt reaches ``min_prompt_tokens``."""

    min_prompt_tokens: int
    prompt: float
    completion: float

    @property
    def blended(self) -> float:
        return (3.0 * self.prompt + self.completion) / 4.0


class Pricing(Wire):
    """USD per one million tokens. ``long_context``: the dearer prices above a prompt size."""

    prompt: float = 0.0
    completion: float = 0.0
    long_context: LongContextPrice | None = None

    @property
    def blended(self) -> float:
        """Blended price at a 3:1 prompt:completion token ratio (the industry convention)."""
        return (3.0 * self.prompt + self.completion) / 4.0


class Capabilities(Wire):
    vision: bool = False
    function_calling: bool = False
    streaming: bool = True
    json_: bool = Field(default=False, alias="json")
    reasoning: bool = False

    def has(self, capability: Capability) -> bool:
        """Whether the capability named as on the wire is present."""
        return {
            "vision": self.vision,
            "functionCalling": self.function_calling,
            "json": self.json_,
            "reasoning": self.reasoning,
        }[capability]


class Speed(Wire):
    output_tokens_per_second: float | None = None
    time_to_first_token: float | None = None


class Evidence(Wire):
    """One benchmark's contribution to a category score."""

    benchmark: str
    source: str
    raw: float
    normalized: float
    weight: float
    #: the signal (group of near-duplicate benchmarks) this figure belongs to
    signal: str | None = None
    #: true when the figure was not measured but imputed from the model's indices
    imputed: bool = False


class CategoryScore(Wire):
    """A category score with its provenance.

    ``baseline`` is true when no benchmark evidence existed and the score is the tier baseline;
    such scores are capped below evidence-backed ones and marked so a decision can say so.
    """

    score: float
    evidence: list[Evidence] = Field(default_factory=list)
    baseline: bool = False
    note: str | None = None
    #: share (0–1) of the category's weight backed by measured (not imputed) figures
    coverage: float | None = None
    #: 0–1: how much the measured signals agree (1 = identical normalised values)
    agreement: float | None = None


class ModelRecord(Wire):
    """An enriched catalog model (the original's ``EnrichedModel`` plus provenance)."""

    id: str
    name: str
    provider: str
    context_length: int = 0
    pricing: Pricing = Field(default_factory=Pricing)
    capabilities: Capabilities = Field(default_factory=Capabilities)
    categories: list[Category] = Field(default_factory=list)
    scores: dict[Category, float] = Field(default_factory=dict)
    cost_efficiency: dict[Category, float] = Field(default_factory=dict)
    tier: Tier = "standard"
    benchmarks: dict[str, float] = Field(default_factory=dict)
    speed: Speed = Field(default_factory=Speed)
    tags: list[str] = Field(default_factory=list)
    last_updated: datetime | None = None
    sources_covered: list[str] = Field(default_factory=list)
    provenance: dict[Category, CategoryScore] = Field(default_factory=dict)
    base_id: str | None = None
    variant: str | None = None
    created: int | None = None
    #: the reasoning effort the scores, speed and latency were measured at (sent when spawning)
    effort: Effort | None = None
    #: scores at other measured efforts: effort → category → score
    effort_scores: dict[str, dict[Category, float]] = Field(default_factory=dict)
    #: the model this endpoint is the same as (``-fast`` / ``-pro``), whose evidence it inherits
    same_as: str | None = None

    @property
    def is_free(self) -> bool:
        return self.pricing.prompt == 0 and self.pricing.completion == 0


class SourceStatus(Wire):
    """Health of one benchmark source, as ``/api/status`` reports it."""

    status: Literal["ok", "stale"] = "stale"
    last_pull: datetime | None = None
    count: int = 0
    error: str | None = None
    origin: Literal["live", "snapshot", "files", "none"] = "none"
    #: date of the figures themselves, as the publisher states it (freshness)
    data_date: str | None = None
    matched: int | None = None
    match_rate: float | None = None


class Catalog(Wire):
    """The whole enriched catalog, as saved in the store and served by the engine."""

    models: list[ModelRecord] = Field(default_factory=list)
    last_refresh: datetime | None = None
    sources: dict[str, SourceStatus] = Field(default_factory=dict)
    version: str = "1"
    norm_params: dict[str, tuple[float, float]] = Field(default_factory=dict)
