"""Category scores that measure what they claim, each with its provenance.

A category score is the weighted mean, in common-z units, of the category's *signals*
(:data:`~.signals.CATEGORY_SIGNALS`; near-duplicate benchmarks form one signal), mapped to 0–100
by a logistic (:func:`~.normalize.squash`) so order at the top is kept. Every signal counts: a
missing one is imputed from the model's broad indices (:mod:`.imputation`, marked ``imputed``)
or, with nothing to impute from, counts at its population mean — never dropped, so less
evidence cannot score higher. OpenRouter's copy of an AA index is AA's figure and is scored on
AA's scale (labelled "artificial-analysis via openrouter"). Every contributing figure is kept as
:class:`~smart_spawn_plugin.models.Evidence`, with ``coverage`` (share of the weight measured)
and ``agreement`` of the measured signals.

Fixes over the original (reference §2.7, §11.16):

* **vision** exists only for models that accept images, and is scored from vision evidence
  (LMArena vision, MMMU-Pro), never copied from general;
* **research** is scored from long-context reasoning, long-query and expert arenas, HLE and
  data analysis — the context window only adds a small bonus or penalty;
* **fast-cheap** weighs quality, measured speed and blended price; a free variant is priced as
  its base so it cannot win on price alone;
* **reasoning** has no floor for "reasoning-capable" models;
* a category without evidence gets at most the tier baseline, marked ``baseline=True``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from smart_spawn_plugin.engine.catalog.benchmarks import AA_VIA_OR, source_of
from smart_spawn_plugin.engine.catalog.imputation import EMPTY, Imputer
from smart_spawn_plugin.engine.catalog.normalize import NormParam, clamp, common_z, squash
from smart_spawn_plugin.engine.catalog.signals import (
    AA_COPIES,
    CATEGORY_SIGNALS,
    PREDICTORS,
    Signal,
)
from smart_spawn_plugin.models import Category, CategoryScore, Evidence, ModelRecord, Tier

#: Per category: benchmark key → total weight of the signals it belongs to (for callers that
#: want the flat vocabulary of a category; scoring itself works on signals).
CATEGORY_WEIGHTS: Final[dict[Category, dict[str, float]]] = {
    cat: {key: sig.weight for sig in signals for key in sig.keys}
    for cat, signals in CATEGORY_SIGNALS.items()
}

#: How many standard deviations of imputation uncertainty a category score gives up: a score
#: resting on imputed figures is a conservative estimate, below an equal measured one.
IMPUTATION_RISK: Final = 1.0

#: Scores given to a category without evidence: at most this, by tier.
TIER_BASELINES: Final[dict[Tier, float]] = {"premium": 60.0, "standard": 45.0, "budget": 30.0}

#: fast-cheap = quality·wq + speed·ws + price·wp
FAST_CHEAP_WEIGHTS: Final = (0.45, 0.25, 0.30)
#: Speed score when no speed was measured (below the median on purpose: unknown is a risk).
UNKNOWN_SPEED_SCORE: Final = 40.0
#: Research: context bonus/penalty in points.
LONG_CONTEXT_BONUS: Final = 5.0
SHORT_CONTEXT_PENALTY: Final = 10.0


def effective_figures(model: ModelRecord) -> dict[str, tuple[float, str]]:
    """Benchmark key → (raw figure, source label). OpenRouter's copy of an AA index stands in
    under the AA key when AA itself has no figure (it is AA's index: same scale, same source)."""
    out = {key: (value, source_of(key)) for key, value in model.benchmarks.items()}
    for copy, key in AA_COPIES.items():
        if key not in out and copy in model.benchmarks:
            out[key] = (model.benchmarks[copy], AA_VIA_OR)
    for copy in AA_COPIES:
        out.pop(copy, None)
    return out


def measured_signal(
    signal: Signal, figures: Mapping[str, tuple[float, str]], params: Mapping[str, NormParam]
) -> tuple[float, list[tuple[str, float, str, float]]] | None:
    """(common z, [(key, raw, source, z)]) of a signal from the figures present, or None."""
    parts: list[tuple[str, float, str, float]] = []
    for key in signal.keys:
        if key not in figures:
            continue
        raw, source = figures[key]
        z = common_z(key, raw, params)
        if z is None:
            continue
        parts.append((key, raw, source, z))
        if not signal.average:
            break  # the primary (or first present) member stands for the signal
    if not parts:
        return None
    return sum(p[3] for p in parts) / len(parts), parts


def predictor_values(
    figures: Mapping[str, tuple[float, str]], params: Mapping[str, NormParam]
) -> dict[str, float]:
    """The model's broad indices in common z (what missing signals are imputed from)."""
    out: dict[str, float] = {}
    for key in PREDICTORS:
        if key in figures:
            z = common_z(key, figures[key][0], params)
            if z is not None:
                out[key] = z
    return out


def signal_table(
    model: ModelRecord, params: Mapping[str, NormParam]
) -> tuple[dict[str, float], dict[str, float]]:
    """(signal name → measured common z, predictor key → common z): a row of the imputation
    fit (:func:`~.imputation.fit_signals`)."""
    figures = effective_figures(model)
    measured: dict[str, float] = {}
    for signals in CATEGORY_SIGNALS.values():
        for signal in signals:
            if signal.name not in measured:
                found = measured_signal(signal, figures, params)
                if found is not None:
                    measured[signal.name] = found[0]
    return measured, predictor_values(figures, params)


def signal_score(
    model: ModelRecord,
    signals: tuple[Signal, ...],
    params: Mapping[str, NormParam],
    imputer: Imputer = EMPTY,
    figures: Mapping[str, tuple[float, str]] | None = None,
) -> CategoryScore | None:
    """The category score over all ``signals`` (measured, imputed or at the prior), or None
    when the model has neither a measured signal nor an index to impute from. ``figures``:
    the model's :func:`effective_figures` when the caller already has them."""
    if figures is None:
        figures = effective_figures(model)
    predictors = predictor_values(figures, params)
    evidence: list[Evidence] = []
    total = measured_weight = acc = uncertainty = 0.0
    measured_z: list[float] = []
    for signal in signals:
        found = measured_signal(signal, figures, params)
        if found is not None:
            z, parts = found
            measured_weight += signal.weight
            measured_z.append(z)
            for key, raw, source, part_z in parts:
                evidence.append(
                    Evidence(
                        benchmark=key,
                        source=source,
                        raw=round(raw, 3),
                        normalized=round(squash(part_z), 1),
                        weight=round(signal.weight / len(parts), 3),
                        signal=signal.name,
                    )
                )
        else:
            guess = imputer.impute(signal.name, predictors)
            z = guess[0] if guess else imputer.prior(signal.name)
            spread = guess[2] if guess else imputer.spread(signal.name)
            uncertainty += (signal.weight * spread) ** 2
            key = signal.keys[0]
            estimate = _raw_of(key, z, params)
            evidence.append(
                Evidence(
                    benchmark=key,
                    source=f"imputed from {guess[1]}" if guess else "prior (population mean)",
                    raw=round(estimate, 3) if estimate is not None else 0.0,
                    normalized=round(squash(z), 1),
                    weight=signal.weight,
                    signal=signal.name,
                    imputed=True,
                )
            )
        total += signal.weight
        acc += signal.weight * z
    if not measured_z and not predictors:
        return None
    agreement = None
    if len(measured_z) >= 2:
        mean = sum(measured_z) / len(measured_z)
        sd = math.sqrt(sum((z - mean) ** 2 for z in measured_z) / len(measured_z))
        agreement = round(1.0 / (1.0 + sd), 3)
    # rank on a conservative estimate: imputed signals carry their fit's residual uncertainty
    estimate = acc / total - IMPUTATION_RISK * math.sqrt(uncertainty) / total
    return CategoryScore(
        score=round(squash(estimate), 1),
        evidence=evidence,
        coverage=round(measured_weight / total, 3),
        agreement=agreement,
    )


def _raw_of(key: str, z: float, params: Mapping[str, NormParam]) -> float | None:
    """The raw figure on ``key``'s own scale that a common z corresponds to."""
    param = params.get(key)
    if param is None:
        return None
    return param.mean + param.sd * (z - param.offset / 20.0)


def price_score(blended: float) -> float:
    """0–100, falling with the log of the blended price ($0.1 → 96, $1 → 70, $3 → 40)."""
    return clamp(100.0 - 30.0 * math.log2(1.0 + max(blended, 0.0)))


def speed_score(model: ModelRecord, params: Mapping[str, NormParam]) -> float | None:
    """Normalised speed from output tokens/s and time to first token (log scale)."""
    parts: list[float] = []
    tps = model.speed.output_tokens_per_second
    ttft = model.speed.time_to_first_token
    if tps and tps > 0 and "_logTps" in params:
        p = params["_logTps"]
        parts.append(clamp(50 + 20 * (math.log(tps) - p.mean) / p.sd))
    if ttft and ttft > 0 and "_logTtft" in params:
        p = params["_logTtft"]
        parts.append(clamp(50 - 20 * (math.log(ttft) - p.mean) / p.sd))
    return sum(parts) / len(parts) if parts else None


def baseline(model: ModelRecord, general: CategoryScore | None, note: str) -> CategoryScore:
    """The marked baseline for a category without evidence: min(tier baseline, general)."""
    cap = TIER_BASELINES[model.tier]
    score = min(cap, general.score) if general and not general.baseline else cap
    return CategoryScore(score=round(score, 1), baseline=True, note=note)


def score_model(
    model: ModelRecord,
    params: Mapping[str, NormParam],
    base_price: float,
    imputer: Imputer = EMPTY,
) -> dict[Category, CategoryScore]:
    """All category scores for one model. ``base_price`` is the blended price used for
    price-dependent scores (a free variant passes its base model's price); ``imputer`` fills
    missing signals (without it they count at the population mean)."""
    out: dict[Category, CategoryScore] = {}
    figures = effective_figures(model)
    general = signal_score(model, CATEGORY_SIGNALS["general"], params, imputer, figures)
    out["general"] = general or baseline(model, None, "no benchmark evidence: tier baseline")
    for category in ("coding", "reasoning", "creative"):
        found = signal_score(model, CATEGORY_SIGNALS[category], params, imputer, figures)
        out[category] = found or baseline(model, general, f"no {category} benchmarks")
    research = signal_score(model, CATEGORY_SIGNALS["research"], params, imputer, figures)
    if research is None:
        research = baseline(model, general, "no long-context/research benchmarks")
    else:
        adjust = 0.0
        if model.context_length >= 400_000:
            adjust = LONG_CONTEXT_BONUS
        elif model.context_length < 32_000:
            adjust = -SHORT_CONTEXT_PENALTY
        research = research.model_copy(update={"score": round(clamp(research.score + adjust), 1)})
    out["research"] = research
    if model.capabilities.vision:
        vision = signal_score(model, CATEGORY_SIGNALS["vision"], params, imputer, figures)
        out["vision"] = vision or baseline(model, general, "accepts images; no vision benchmarks")
    out["fast-cheap"] = _fast_cheap(model, out["general"], params, base_price)
    return out


def _fast_cheap(
    model: ModelRecord, quality: CategoryScore, params: Mapping[str, NormParam], price: float
) -> CategoryScore:
    wq, ws, wp = FAST_CHEAP_WEIGHTS
    speed = speed_score(model, params)
    p_score = price_score(price)
    s_score = speed if speed is not None else UNKNOWN_SPEED_SCORE
    score = wq * quality.score + ws * s_score + wp * p_score
    note = (
        f"quality {quality.score:.0f}, speed {s_score:.0f}"
        f"{'' if speed is not None else ' (unmeasured)'}, price {p_score:.0f}"
    )
    return CategoryScore(
        score=round(clamp(score), 1),
        evidence=quality.evidence,
        baseline=quality.baseline,
        note=note,
        coverage=quality.coverage,
        agreement=quality.agreement,
    )


def cost_efficiency(scores: Mapping[Category, float], blended: float) -> dict[Category, float]:
    """Score per blended dollar (per 1M tokens); prices under $0.05 count as $0.05 so free
    models do not get infinite efficiency."""
    price = max(blended, 0.05)
    return {cat: round(score / price, 2) for cat, score in scores.items()}
