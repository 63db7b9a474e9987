"""Category scores that measure what they claim, each with its provenance.

A category score is the weighted mean of the normalised benchmarks that measure that category
(:data:`CATEGORY_WEIGHTS`); missing benchmarks drop out and the rest are renormalised. Every
contributing figure is kept as :class:`~smart_spawn_plugin.models.Evidence`.

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

from smart_spawn_plugin.engine.catalog.benchmarks import source_of
from smart_spawn_plugin.engine.catalog.normalize import NormParam, clamp, normalize
from smart_spawn_plugin.models import Category, CategoryScore, Evidence, ModelRecord, Tier

#: Per category: benchmark key → weight.
CATEGORY_WEIGHTS: Final[dict[Category, dict[str, float]]] = {
    "general": {
        "arena": 3.0,
        "intelligenceIndex": 3.0,
        "liveBenchOverall": 2.0,
        "arenaHard": 1.0,
        "arenaExpert": 1.0,
        "gpqa": 1.0,
        "mmluPro": 1.0,
        "ifEval": 0.5,
        "bbh": 0.5,
    },
    "coding": {
        "codingIndex": 3.0,
        "liveBenchCoding": 2.0,
        "liveBenchAgenticCoding": 2.0,
        "arenaCoding": 2.0,
        "terminalBenchHard": 1.0,
        "sciCode": 1.0,
    },
    "reasoning": {
        "liveBenchReasoning": 2.0,
        "liveBenchMath": 2.0,
        "gpqa": 2.0,
        "hle": 2.0,
        "arenaMath": 1.0,
        "intelligenceIndex": 1.0,
        "mathLvl5": 1.0,
        "bbh": 0.5,
        "musr": 0.5,
        "hfGpqa": 0.5,
    },
    "creative": {
        "arenaCreative": 3.0,
        "liveBenchLanguage": 1.5,
        "arena": 1.0,
        "liveBenchIF": 0.5,
        "arenaIf": 0.5,
    },
    "research": {
        "longContextReasoning": 3.0,
        "arenaLongQuery": 2.0,
        "arenaExpert": 1.0,
        "hle": 1.0,
        "gpqa": 1.0,
        "liveBenchDataAnalysis": 1.0,
        "intelligenceIndex": 1.0,
    },
    "vision": {
        "arenaVision": 3.0,
        "mmmuPro": 3.0,
        "arenaVisionOcr": 1.0,
        "arenaVisionDiagram": 1.0,
    },
}

#: When a model has no AA row, OpenRouter's own copy of the AA indices stands in.
FALLBACK_KEYS: Final[dict[str, str]] = {
    "intelligenceIndex": "orIntelligenceIndex",
    "codingIndex": "orCodingIndex",
    "agenticIndex": "orAgenticIndex",
}

#: Scores given to a category without evidence: at most this, by tier.
TIER_BASELINES: Final[dict[Tier, float]] = {"premium": 60.0, "standard": 45.0, "budget": 30.0}

#: fast-cheap = quality·wq + speed·ws + price·wp
FAST_CHEAP_WEIGHTS: Final = (0.45, 0.25, 0.30)
#: Speed score when no speed was measured (below the median on purpose: unknown is a risk).
UNKNOWN_SPEED_SCORE: Final = 40.0
#: Research: context bonus/penalty in points.
LONG_CONTEXT_BONUS: Final = 5.0
SHORT_CONTEXT_PENALTY: Final = 10.0


def _figure(model: ModelRecord, key: str) -> tuple[str, float] | None:
    if key in model.benchmarks:
        return key, model.benchmarks[key]
    fallback = FALLBACK_KEYS.get(key)
    if fallback and fallback in model.benchmarks:
        return fallback, model.benchmarks[fallback]
    return None


def weighted_score(
    model: ModelRecord, weights: Mapping[str, float], params: Mapping[str, NormParam]
) -> CategoryScore | None:
    """Weighted mean of the normalised figures present, or None when none is."""
    evidence: list[Evidence] = []
    for key, weight in weights.items():
        found = _figure(model, key)
        if found is None:
            continue
        used_key, raw = found
        value = normalize(used_key, raw, params)
        if value is None:
            continue
        evidence.append(
            Evidence(
                benchmark=used_key,
                source=source_of(used_key),
                raw=round(raw, 3),
                normalized=round(value, 1),
                weight=weight,
            )
        )
    if not evidence:
        return None
    total = sum(e.weight for e in evidence)
    score = sum(e.normalized * e.weight for e in evidence) / total
    return CategoryScore(score=round(clamp(score), 1), evidence=evidence)


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
    model: ModelRecord, params: Mapping[str, NormParam], base_price: float
) -> dict[Category, CategoryScore]:
    """All category scores for one model. ``base_price`` is the blended price used for
    price-dependent scores (a free variant passes its base model's price)."""
    out: dict[Category, CategoryScore] = {}
    general = weighted_score(model, CATEGORY_WEIGHTS["general"], params)
    out["general"] = general or baseline(model, None, "no benchmark evidence: tier baseline")
    for category in ("coding", "reasoning", "creative"):
        found = weighted_score(model, CATEGORY_WEIGHTS[category], params)
        out[category] = found or baseline(model, general, f"no {category} benchmarks")
    research = weighted_score(model, CATEGORY_WEIGHTS["research"], params)
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
        vision = weighted_score(model, CATEGORY_WEIGHTS["vision"], params)
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
    )


def cost_efficiency(scores: Mapping[Category, float], blended: float) -> dict[Category, float]:
    """Score per blended dollar (per 1M tokens); prices under $0.05 count as $0.05 so free
    models do not get infinite efficiency."""
    price = max(blended, 0.05)
    return {cat: round(score / price, 2) for cat, score in scores.items()}
