"""Ranking strategies: how candidates are ordered once they are scored.

Each strategy is a function from scored rows to (key, row) pairs, higher key first, dropping
the rows it rules out; :data:`STRATEGY_KEYS` selects one by name (OpenMark's strategy names).

* ``best_score`` / ``best_under_budget`` — the score (``best_under_budget`` differs only in the
  request's ``max_price`` filter);
* ``balanced`` — the score minus a logarithmic price penalty whose weight falls as the budget
  tier rises (:data:`BALANCED_PRICE_WEIGHTS`): price breaks near-ties;
* ``best_cost_efficiency`` — score per blended dollar, among viable models only;
* ``best_under_latency`` — the score, among viable models whose measured latency for a
  500-token answer is within ``max_latency_s`` (unmeasured models are excluded).

A model is *viable* when its score reaches max(:data:`VIABILITY_FLOOR`, best −
:data:`VIABILITY_GAP`), so a cheap or fast but weak model never wins a cost-led strategy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.models import UNPRICED_FREE_PRICE, Budget, ModelRecord, Pricing, Strategy

#: Models below max(this, best − VIABILITY_GAP) are not viable for cost-led strategies.
VIABILITY_FLOOR: Final = 40.0
VIABILITY_GAP: Final = 15.0
#: balanced = score − w·log2(1 + blended price), w by budget tier. The tier is the user's stated
#: willingness to pay, so price matters less the higher it is: at low and medium $1 costs 1.5
#: points and $10 about 5.2 (a near-tie goes to the cheaper model); at high a $10 model gives up
#: 1.7 points, at any 0.9 — there price only breaks near-exact ties, and a harder task that
#: budget ``auto`` sends to a higher tier gets a stronger model, not the same cheap one.
BALANCED_PRICE_WEIGHTS: Final[dict[Budget, float]] = {
    "low": 1.5,
    "medium": 1.5,
    "high": 0.5,
    "any": 0.25,
}
#: A free variant is rate-limited: it ranks this many points below its paid base, so it is
#: chosen only when the base is out of budget — never on price alone.
FREE_VARIANT_PENALTY: Final = 1.0
#: Variants that are not interactive endpoints (OpenRouter's ``:batch`` is asynchronous).
NON_INTERACTIVE_VARIANTS: Final = frozenset({"batch"})
LATENCY_TOKENS: Final = 500
DEFAULT_MAX_LATENCY_S: Final = 10.0


@dataclass(frozen=True, slots=True)
class Facts:
    """Per-model figures precomputed once per catalog, so ranking is a tight loop."""

    model: ModelRecord
    family: str
    blended: float
    #: price for price-led ranking: a free variant is priced as its base
    rank_price: float
    #: log2(1 + rank_price): the balanced strategy's penalty before its tier weight
    price_log: float
    free_penalty: float
    latency: float | None
    caps: frozenset[str]
    interactive: bool
    #: the long-context prices applied to ``blended`` / ``rank_price``
    long_price: bool = False

    @classmethod
    def of(
        cls, m: ModelRecord, by_id: dict[str, ModelRecord], prompt_tokens: int | None = None
    ) -> Facts:
        """``prompt_tokens``: None → ordinary prices; a size → long-context prices where the
        prompt reaches their threshold; ``ASSUME_LONG`` → every long-context price applies."""
        blended, long = _price(m.pricing, prompt_tokens)
        price = max(blended, 0.0)
        if m.is_free and m.base_id and m.base_id in by_id:
            price = max(_price(by_id[m.base_id].pricing, prompt_tokens)[0], 0.0)
        elif m.is_free and m.variant == "free":
            price = UNPRICED_FREE_PRICE  # base unknown: a $0 price must not win
        caps = m.capabilities
        flags = {
            "vision": caps.vision,
            "functionCalling": caps.function_calling,
            "json": caps.json_,
            "reasoning": caps.reasoning,
        }
        return cls(
            model=m,
            family=m.base_id or m.same_as or m.id,
            blended=blended,
            rank_price=price,
            price_log=math.log2(1.0 + price),
            free_penalty=FREE_VARIANT_PENALTY if m.variant == "free" else 0.0,
            latency=_latency(m),
            caps=frozenset(k for k, v in flags.items() if v),
            interactive=m.variant not in NON_INTERACTIVE_VARIANTS,
            long_price=long,
        )


#: ``Facts.of(prompt_tokens=ASSUME_LONG)``: the task needs long context, size unknown.
ASSUME_LONG: Final = -1


def _price(pricing: Pricing, prompt_tokens: int | None) -> tuple[float, bool]:
    """(blended price, whether the long-context price applied)."""
    long = pricing.long_context
    if long is None or prompt_tokens is None:
        return pricing.blended, False
    if prompt_tokens == ASSUME_LONG or prompt_tokens >= long.min_prompt_tokens:
        return long.blended, True
    return pricing.blended, False


#: (total score, facts, benchmark score, personal score or None, context boost)
Row = tuple[float, Facts, float, float | None, float]
Keyed = tuple[float, Row]
#: (rows, the request, the resolved budget tier) → keyed rows
StrategyKeys = Callable[[list[Row], PickRequest, Budget], list[Keyed]]


def _by_score(rows: list[Row], req: PickRequest, budget: Budget) -> list[Keyed]:
    return [(r[0] - r[1].free_penalty, r) for r in rows]


def _balanced(rows: list[Row], req: PickRequest, budget: Budget) -> list[Keyed]:
    weight = BALANCED_PRICE_WEIGHTS[budget]
    return [(r[0] - r[1].free_penalty - weight * r[1].price_log, r) for r in rows]


def _viable(rows: list[Row]) -> list[Row]:
    if not rows:
        return []
    floor = max(VIABILITY_FLOOR, max(r[0] for r in rows) - VIABILITY_GAP)
    return [r for r in rows if r[0] >= floor]


def _cost_efficiency(rows: list[Row], req: PickRequest, budget: Budget) -> list[Keyed]:
    return [(r[0] / max(r[1].rank_price, 0.05), r) for r in _viable(rows)]


def _under_latency(rows: list[Row], req: PickRequest, budget: Budget) -> list[Keyed]:
    limit = req.max_latency_s or DEFAULT_MAX_LATENCY_S
    return [
        (r[0] - r[1].free_penalty, r)
        for r in _viable(rows)
        if r[1].latency is not None and r[1].latency <= limit
    ]


STRATEGY_KEYS: Final[dict[Strategy, StrategyKeys]] = {
    "balanced": _balanced,
    "best_score": _by_score,
    "best_under_budget": _by_score,
    "best_cost_efficiency": _cost_efficiency,
    "best_under_latency": _under_latency,
}

#: Strategies whose key of a model does not depend on the other candidates, so a list sorted
#: once per (category, strategy, budget) answers every request.
PRESORTABLE: Final[frozenset[Strategy]] = frozenset({"balanced", "best_score", "best_under_budget"})


def _latency(model: ModelRecord) -> float | None:
    tps, ttft = model.speed.output_tokens_per_second, model.speed.time_to_first_token
    if not tps or tps <= 0:
        return None
    return (ttft or 0.0) + LATENCY_TOKENS / tps
