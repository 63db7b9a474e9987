"""Context tags (``typescript``, ``math``, ``chinese`` …): a bounded boost from the benchmarks
that matter for that stack, domain or language.

boost = Σ_tags Σ_signals max(0, z)·w·10, capped at :data:`MAX_BOOST`, z computed on the raw
figure with the catalog's norm parameters. Unknown tags contribute nothing and are reported.
A model without a tag's figures gets no boost for it — never a penalty.

Tags in :data:`ONE_ABILITY_TAGS` name one ability that several publishers measure (Chinese:
LMArena's Chinese-prompt Elo and Artificial Analysis' multilingual accuracy in Chinese); for
them the model's z-scores are averaged over the figures it has, so a model measured by two
publishers is not boosted twice for the same ability.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from smart_spawn_plugin.models import ModelRecord

MAX_BOOST: Final = 15.0

_CODE_TS: Final = {"liveBenchAgenticCoding": 0.15, "liveBenchCoding": 0.10, "arenaCoding": 0.08}
#: front-end / UI work: the design arena judges generated websites and UI components
_FRONTEND: Final = {"designArena": 0.15, "liveBenchAgenticCoding": 0.08, "arenaCoding": 0.05}
_CODE_PY: Final = {"codingIndex": 0.12, "liveBenchCoding": 0.10, "terminalBenchHard": 0.08}

TAG_SIGNALS: Final[dict[str, dict[str, float]]] = {
    "typescript": _CODE_TS,
    "javascript": _CODE_TS,
    "nextjs": {**_CODE_TS, "designArena": 0.08},
    "react": {**_CODE_TS, "designArena": 0.08},
    "vue": {**_CODE_TS, "designArena": 0.08},
    "css": {"designArena": 0.12, "liveBenchAgenticCoding": 0.10, "arenaCoding": 0.08},
    "frontend": _FRONTEND,
    "ui": _FRONTEND,
    "web": _FRONTEND,
    "design": _FRONTEND,
    "python": _CODE_PY,
    "rust": {"codingIndex": 0.12, "liveBenchCoding": 0.10, "liveBenchReasoning": 0.08},
    "go": _CODE_PY,
    "java": _CODE_PY,
    "supabase": {"liveBenchAgenticCoding": 0.12, "liveBenchCoding": 0.10, "gpqa": 0.05},
    "sql": {"liveBenchDataAnalysis": 0.12, "liveBenchCoding": 0.10, "codingIndex": 0.08},
    "math": {"liveBenchMath": 0.15, "arenaMath": 0.12, "mathLvl5": 0.08},
    "security": {"liveBenchReasoning": 0.12, "gpqa": 0.10, "terminalBenchHard": 0.08},
    "data": {"liveBenchDataAnalysis": 0.15, "liveBenchReasoning": 0.08, "gpqa": 0.05},
    "long-context": {"longContextReasoning": 0.15, "arenaLongQuery": 0.10},
    "vision": {"arenaVision": 0.15, "mmmuPro": 0.12},
    # AA's multilingual benchmark covers 2026 models; LMArena's Chinese category ends in 2025-12
    "chinese": {"aaMultilingualChinese": 0.15, "arenaChinese": 0.15},
    "agentic": {"agenticIndex": 0.15, "tau2Bench": 0.10, "terminalBenchHard": 0.08},
    "writing": {"arenaCreative": 0.15, "arenaIf": 0.05},
}


#: Tags whose signals are alternative measurements of one ability (see module docstring).
ONE_ABILITY_TAGS: Final = frozenset({"chinese"})


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Lower-cased, trimmed, de-duplicated tags in order."""
    seen: list[str] = []
    for tag in tags:
        clean = tag.strip().lower()
        if clean and clean not in seen:
            seen.append(clean)
    return seen


def tag_evidence(
    model: ModelRecord, tag: str, params: Mapping[str, tuple[float, float]]
) -> tuple[float, list[tuple[str, float, float]]]:
    """One tag's boost in score points (uncapped) and its evidence: (benchmark key, raw figure,
    z against the catalog) for each of the tag's figures the model has."""
    signals = TAG_SIGNALS.get(tag, {})
    found: list[tuple[str, float, float]] = []
    total = 0.0
    for key, weight in signals.items():
        value = model.benchmarks.get(key)
        param = params.get(key)
        if value is None or param is None or param[1] <= 0:
            continue
        z = (value - param[0]) / param[1]
        found.append((key, value, z))
        total += max(0.0, z) * weight * 10.0
    if tag in ONE_ABILITY_TAGS and found:
        # one ability: the mean over the publishers that measured it, at one signal's weight
        weight = max(signals[k] for k, _, _ in found)
        total = sum(max(0.0, z) for _, _, z in found) / len(found) * weight * 10.0
    return total, found


def context_boost(
    model: ModelRecord, tags: Iterable[str], params: Mapping[str, tuple[float, float]]
) -> float:
    """The boost in score points (0 – :data:`MAX_BOOST`), rounded to 2 dp."""
    boost = sum(tag_evidence(model, tag, params)[0] for tag in tags)
    return round(min(boost, MAX_BOOST), 2)


def boost_note(
    model: ModelRecord, tags: Iterable[str], params: Mapping[str, tuple[float, float]]
) -> str:
    """Why the model got (or did not get) its context boost, figure by figure:
    ``context boost +2.1 (chinese: AA Multilingual, Chinese 93.5, +1.4 SD above the catalog
    mean)`` or ``no context boost for chinese: no measured figure for this model``."""
    from smart_spawn_plugin.engine.catalog.benchmarks import BENCHMARKS

    parts: list[str] = []
    missing: list[str] = []
    for tag in tags:
        if tag not in TAG_SIGNALS:
            continue
        _, found = tag_evidence(model, tag, params)
        if not found:
            missing.append(tag)
            continue
        shown = ", ".join(
            f"{BENCHMARKS[k].label if k in BENCHMARKS else k} {raw:g} "
            f"({z:+.1f} SD vs the catalog{'' if z > 0 else ', no boost'})"
            for k, raw, z in found
        )
        parts.append(f"{tag}: {shown}")
    boost = context_boost(model, tags, params)
    text = f"context boost +{boost:g} ({'; '.join(parts)})" if parts else ""
    if missing:
        gap = f"no context boost for {', '.join(missing)}: no measured figure for this model"
        text = f"{text}; {gap}" if text else gap
    return text
