"""A ranked candidate list becomes a :class:`~.requests.Decision`: the pick, explained.

The runner-up comparisons, the fallbacks and the model's part of the reason line depend only on
the ranked list, the category, budget, strategy and effort — so a fast-path pick (a
:class:`~.presorted.Prefix`) builds them once and every later pick from the same prefix reuses
them; what depends on the request itself (the classification, the budget note, the personal
memory, the confidence) is added per pick.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.engine.select.context_boost import boost_note, normalize_tags
from smart_spawn_plugin.engine.select.explain import (
    compare_text,
    confidence_of,
    reason_text,
    why_above,
)
from smart_spawn_plugin.engine.select.presorted import Explained, Prefix
from smart_spawn_plugin.engine.select.ranked import Ranked
from smart_spawn_plugin.engine.select.requests import BudgetRangeOut, Decision, RunnerUp
from smart_spawn_plugin.engine.select.resolution import Resolved
from smart_spawn_plugin.engine.select.strategies import Facts
from smart_spawn_plugin.models import Budget

#: The budget ranges as they appear in a decision (``tier``), built once.
_TIERS: Final[dict[Budget, BudgetRangeOut]] = {
    name: BudgetRangeOut(min=rng.min, max=None if math.isinf(rng.max) else rng.max)
    for name, rng in BUDGET_RANGES.items()
}


def explain(
    ranked: list[Ranked],
    res: Resolved,
    facts: dict[str, Facts],
    phrase: str,
    params: Mapping[str, tuple[float, float]],
) -> Explained:
    """The request-independent parts of the decision over ``ranked`` (see the module doc);
    ``params``: the catalog's norm parameters (the context-boost note)."""
    top = ranked[0]
    model = top.model
    runner = ranked[1 : 1 + max(3, res.request.fallbacks)]
    effort = res.request.effort
    if effort is None or (effort not in model.effort_scores and effort != model.effort):
        effort = model.effort  # the model was not measured at the asked effort
    top_facts = facts[model.id]
    long_price = top_facts.long_price
    price = model.pricing.blended
    reason = reason_text(
        model,
        res.category,
        res.budget,
        top.score,
        top.personal,
        top.boost,
        res.strategy,
        effort=effort,
        long_price=top_facts.blended if long_price else None,
        phrase=phrase,
    )
    tags = normalize_tags(res.request.context) if res.request.context else []
    note = boost_note(model, tags, params) if tags else None
    if note:
        reason = f"{reason}; {note}"
    return Explained(
        runner_ups=[
            RunnerUp(
                id=r.model.id,
                name=r.model.name,
                score=r.score,
                blended_price=round(r.model.pricing.blended, 4),
                score_delta=round(top.score - r.score, 2),
                price_ratio=_ratio(price, r.model.pricing.blended),
                comparison=compare_text(top.score, price, r),
                why=why_above(top, r, res.strategy, top_facts, facts[r.model.id]),
            )
            for r in runner
        ],
        fallbacks=[r.model.id for r in ranked[1 : 1 + res.request.fallbacks]],
        reason=reason,
        margin=top.score - runner[0].score if runner else None,
        effort=effort,
        long_price=long_price,
    )


def decide(
    ranked: list[Ranked],
    res: Resolved,
    count: int,
    facts: dict[str, Facts],
    phrase: str,
    params: Mapping[str, tuple[float, float]],
    prefix: Prefix | None = None,
) -> Decision:
    """The decision for ``ranked`` (best first, non-empty) among ``count`` candidates;
    ``prefix``, when the list came from one, memoises the request-independent parts."""
    memo = prefix.explained if prefix is not None else None
    parts = memo if memo is not None else explain(ranked, res, facts, phrase, params)
    if prefix is not None:
        prefix.explained = parts
    top = ranked[0]
    model = top.model
    provenance = model.provenance.get(res.category)
    tags = normalize_tags(res.request.context) if res.request.context else []
    memory = res.memory.explain() if res.memory else None
    reason = parts.reason
    if res.budget_note or memory:
        reason = "; ".join(p for p in (res.budget_note, memory, reason) if p)
    return Decision(
        id=model.id,
        name=model.name,
        provider=model.provider,
        score=top.score,
        benchmark_score=round(top.benchmark, 2),
        personal_score=top.personal,
        context_boost=top.boost if tags else None,
        context_tags=tags or None,
        pricing=model.pricing,
        budget=res.budget,
        tier=_TIERS[res.budget],
        model_tier=model.tier,
        candidate_count=count,
        reason=reason,
        budget_reason=res.budget_note,
        memory=memory,
        category=res.category,
        confidence=confidence_of(provenance, parts.margin, res.classification),
        strategy=res.strategy,
        evidence=provenance.evidence if provenance else [],
        baseline=bool(provenance and provenance.baseline),
        runner_ups=parts.runner_ups,
        fallbacks=parts.fallbacks,
        classification=res.classification,
        effort=parts.effort,
        long_context_price=parts.long_price,
    )


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b > 0 else None
