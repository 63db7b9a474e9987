"""Context tags (``typescript``, ``math`` …): a bounded boost from the benchmarks that matter
for that stack or domain.

boost = Σ_tags Σ_signals max(0, z)·w·10, capped at :data:`MAX_BOOST`, z computed on the raw
figure with the catalog's norm parameters. Unknown tags contribute nothing and are reported.
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
    "chinese": {"arenaChinese": 0.15},
    "agentic": {"agenticIndex": 0.15, "tau2Bench": 0.10, "terminalBenchHard": 0.08},
    "writing": {"arenaCreative": 0.15, "arenaIf": 0.05},
}


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Lower-cased, trimmed, de-duplicated tags in order."""
    seen: list[str] = []
    for tag in tags:
        clean = tag.strip().lower()
        if clean and clean not in seen:
            seen.append(clean)
    return seen


def context_boost(
    model: ModelRecord, tags: Iterable[str], params: Mapping[str, tuple[float, float]]
) -> float:
    """The boost in score points (0 – :data:`MAX_BOOST`), rounded to 2 dp."""
    boost = 0.0
    for tag in tags:
        for key, weight in TAG_SIGNALS.get(tag, {}).items():
            value = model.benchmarks.get(key)
            param = params.get(key)
            if value is None or param is None or param[1] <= 0:
                continue
            z = (value - param[0]) / param[1]
            boost += max(0.0, z) * weight * 10.0
    return round(min(boost, MAX_BOOST), 2)
