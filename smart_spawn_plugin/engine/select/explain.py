"""Human explanations of a decision: the reason line, runner-up comparisons, confidence."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.models import Budget, Category, CategoryScore, ModelRecord, Strategy

if TYPE_CHECKING:
    from smart_spawn_plugin.engine.select.ranked import Ranked
    from smart_spawn_plugin.engine.select.requests import ClassificationOut


def reason_text(
    model: ModelRecord,
    category: Category,
    budget: Budget,
    score: float,
    personal: float | None,
    boost: float,
    strategy: Strategy,
) -> str:
    """``Best coding model at medium budget ($0-5/M blended) — score: 81.2 …``."""
    rng = BUDGET_RANGES[budget].label()
    text = f"Best {category} model at {budget} budget ({rng}) — score: {score:.1f}"
    prov = model.provenance.get(category)
    if prov is not None and prov.evidence:
        sources = sorted({e.source for e in prov.evidence})
        n = len(prov.evidence)
        text += f" from {n} benchmark{'s' if n != 1 else ''} ({', '.join(sources)})"
    elif prov is not None and prov.baseline:
        text += " (no benchmark evidence: tier baseline)"
    if personal is not None:
        text += f" (personal: {personal * 100:.0f}%)"
    if boost:
        text += f" (context boost: +{boost:g})"
    if strategy != "balanced":
        text += f" [strategy {strategy}]"
    return text


def compare_text(top_score: float, top_price: float, other: Ranked) -> str:
    """``better score than X (+4.2), 62% cheaper`` — how the pick compares with a runner-up."""
    name = other.model.name
    delta = top_score - other.score
    quality = (
        f"better score than {name} (+{delta:.1f})"
        if delta > 0.05
        else f"same score as {name}"
        if abs(delta) <= 0.05
        else f"lower score than {name} ({delta:.1f})"
    )
    other_price = other.model.pricing.blended
    if other_price <= 0 and top_price <= 0:
        cost = "both free"
    elif other_price <= 0:
        cost = f"{name} is free"
    elif math.isclose(top_price, other_price, rel_tol=0.05):
        cost = "about the same price"
    elif top_price < other_price:
        cost = f"{(1 - top_price / other_price) * 100:.0f}% cheaper"
    else:
        cost = f"{top_price / other_price:.1f}× the price"
    return f"{quality}, {cost}"


def confidence_of(
    provenance: CategoryScore | None,
    margin: float | None,
    classification: ClassificationOut | None,
) -> float:
    """Confidence 0–1 in the pick: grows with the margin over the runner-up (saturating at
    about 10 points), scaled by the strength of the evidence and of the task classification."""
    margin_part = 1.0 if margin is None else 1.0 - math.exp(-max(margin, 0.0) / 4.0)
    base = 0.45 + 0.5 * margin_part
    if provenance is None or provenance.baseline:
        evidence = 0.6
    else:
        n_sources = len({e.source for e in provenance.evidence})
        evidence = 1.0 if n_sources >= 2 else 0.85
    cls = 1.0 if classification is None else 0.7 + 0.3 * classification.confidence
    return round(min(0.99, base * evidence * cls), 2)
