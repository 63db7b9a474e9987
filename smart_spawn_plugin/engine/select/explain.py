"""Human explanations of a decision: the reason line, runner-up comparisons, confidence."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.models import Budget, Category, CategoryScore, ModelRecord, Strategy

if TYPE_CHECKING:
    from smart_spawn_plugin.engine.select.ranked import Ranked
    from smart_spawn_plugin.engine.select.requests import ClassificationOut
    from smart_spawn_plugin.engine.select.strategies import Facts

#: evidence items quoted in a reason line (the heaviest measured ones)
EVIDENCE_SHOWN = 3


def evidence_phrase(model: ModelRecord, category: Category) -> str:
    """The evidence part of a reason line (depends only on the model's provenance, so a
    selector may cache it per model and category)."""
    prov = model.provenance.get(category)
    if prov is None:
        return ""
    if prov.baseline or not prov.evidence:
        return " (no benchmark evidence: tier baseline)" if prov.baseline else ""
    measured = [e for e in prov.evidence if not e.imputed]
    n = len({e.signal or e.benchmark for e in measured})
    text = f" from {n} measured signal{'s' if n != 1 else ''}"
    sources = sorted({e.source for e in measured})
    if sources:
        text += f" ({', '.join(sources)})"
    shown = sorted(measured, key=lambda e: -e.weight)[:EVIDENCE_SHOWN]
    if shown:
        text += ": " + ", ".join(f"{e.benchmark} {e.raw:g} → {e.normalized:g}" for e in shown)
    imputed = [e for e in prov.evidence if e.imputed]
    if imputed:
        text += "; imputed: " + ", ".join(
            f"{e.benchmark} ≈{e.raw:.1f} → {e.normalized:g} ({e.source})" for e in imputed
        )
    if prov.coverage is not None:
        text += f"; coverage {prov.coverage * 100:.0f}%"
    return text


def reason_text(
    model: ModelRecord,
    category: Category,
    budget: Budget,
    score: float,
    personal: float | None,
    boost: float,
    strategy: Strategy,
    *,
    effort: str | None = None,
    long_price: float | None = None,
    phrase: str | None = None,
) -> str:
    """``Best coding model at medium budget ($0-5/M blended) — score: 81.2 from 2 measured
    signals (…): codingIndex 62.9 → 88.1, …; coverage 75% …``: every quoted figure shows its
    raw value and its normalised value; imputed signals are named as such. ``phrase``: the
    :func:`evidence_phrase`, when the caller has it cached."""
    rng = BUDGET_RANGES[budget].label()
    text = f"Best {category} model at {budget} budget ({rng}) — score: {score:.1f}"
    text += phrase if phrase is not None else evidence_phrase(model, category)
    if personal is not None:
        text += f" (personal: {personal * 100:.0f}%)"
    if boost:
        text += f" (context boost: +{boost:g})"
    if effort is not None:
        text += f" (reasoning effort: {effort})"
    if long_price is not None:
        text += f" (long-context price ${long_price:.2f}/M blended applies)"
    if strategy != "balanced":
        text += f" [strategy {strategy}]"
    return text


def why_above(
    top: Ranked, other: Ranked, strategy: Strategy, top_f: Facts, other_f: Facts
) -> str | None:
    """Why the pick ranks above a runner-up whose score is higher (None when it is not)."""
    if other.score <= top.score:
        return None
    reasons: list[str] = []
    if strategy == "balanced" and top_f.rank_price < other_f.rank_price:
        reasons.append(
            f"balanced strategy: price ${top_f.rank_price:.2f} vs ${other_f.rank_price:.2f}/M "
            f"outweighs {other.score - top.score:.1f} points"
        )
    if other_f.free_penalty > top_f.free_penalty:
        reasons.append(f"{other.model.name} is a rate-limited free variant")
    if strategy in ("best_cost_efficiency", "best_under_latency"):
        basis = "score per dollar" if strategy == "best_cost_efficiency" else "latency"
        reasons.append(f"strategy {strategy} ranks by {basis}")
    if other.boost < top.boost:
        reasons.append(f"context boost {top.boost:g} vs {other.boost:g}")
    return "; ".join(reasons) or f"ranking key {top.rank_key:.2f} vs {other.rank_key:.2f}"


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
    about 10 points), scaled by the evidence — its *coverage* (share of the category's weight
    measured, not imputed) and the *agreement* of the measured signals — and by the strength
    of the task classification. A pick resting on imputed figures alone is at most ~0.5."""
    margin_part = 1.0 if margin is None else 1.0 - math.exp(-max(margin, 0.0) / 4.0)
    base = 0.45 + 0.5 * margin_part
    if provenance is None or provenance.baseline:
        evidence = 0.4
    else:
        coverage = 1.0 if provenance.coverage is None else provenance.coverage
        agreement = 0.9 if provenance.agreement is None else provenance.agreement
        evidence = (0.5 + 0.5 * coverage) * (0.6 + 0.4 * agreement)
    cls = 1.0 if classification is None else 0.7 + 0.3 * classification.confidence
    return round(min(0.99, base * evidence * cls), 2)
