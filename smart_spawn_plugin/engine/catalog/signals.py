"""What each category is measured by: signals (groups of near-duplicate benchmarks) and weights.

A *signal* is one independent measurement of a category. Benchmarks that measure the same thing
from the same publisher — AA's coding index and its own components Terminal-Bench Hard and
SciCode (r = 0.96 with their mean), LiveBench coding and agentic coding, LMArena vision overall
and its OCR/diagram slices — form one signal, so "3 benchmarks" that are one signal count once.
A signal's value is the mean of its members' normalised values that the model has; the first
member is the primary one and is preferred when present (a composite index is measured on more
tasks than any one of its components).

``docs/categories.md`` is the human table of this module (benchmarks, weights and why); keep the
two in step.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from smart_spawn_plugin.models import Category


class Signal(NamedTuple):
    name: str
    #: member benchmark keys; the first is primary (used alone when present)
    keys: tuple[str, ...]
    weight: float
    #: when True the members are averaged instead of the primary being preferred
    average: bool = False


CATEGORY_SIGNALS: Final[dict[Category, tuple[Signal, ...]]] = {
    "general": (
        Signal("aa-intelligence", ("intelligenceIndex",), 3.0),
        Signal("arena-text", ("arena", "arenaHard", "arenaExpert"), 3.0),
        Signal("livebench", ("liveBenchOverall",), 2.0),
        Signal("hf-knowledge", ("mmluPro", "bbh", "ifEval"), 1.0, average=True),
    ),
    "coding": (
        Signal("aa-coding", ("codingIndex", "terminalBenchHard", "sciCode"), 3.0),
        Signal("livebench-coding", ("liveBenchCoding", "liveBenchAgenticCoding"), 2.0, True),
        Signal("arena-coding", ("arenaCoding",), 2.0),
        Signal("design-arena", ("designArena",), 1.0),
    ),
    "reasoning": (
        Signal("aa-reasoning", ("gpqa", "hle"), 2.0, average=True),
        Signal("livebench-reasoning", ("liveBenchReasoning", "liveBenchMath"), 2.0, True),
        Signal("arena-math", ("arenaMath",), 1.0),
        Signal("hf-reasoning", ("mathLvl5", "musr", "hfGpqa", "bbh"), 0.5, average=True),
    ),
    "creative": (
        Signal("arena-creative", ("arenaCreative",), 3.0),
        # LMArena overall: the same raters on mostly open-ended writing (r = 0.97 with its
        # creative-writing slice across the 94 models that have both)
        Signal("arena-overall", ("arena",), 2.0),
        Signal("instruction-following", ("arenaIf", "liveBenchIF", "ifBench"), 0.5, True),
    ),
    "research": (
        Signal("aa-long-context", ("longContextReasoning",), 3.0),
        Signal("arena-long-query", ("arenaLongQuery", "arenaExpert"), 2.0, average=True),
        Signal("aa-knowledge", ("hle", "gpqa"), 1.0, average=True),
        Signal("livebench-data", ("liveBenchDataAnalysis",), 1.0),
    ),
    "vision": (
        Signal("arena-vision", ("arenaVision", "arenaVisionOcr", "arenaVisionDiagram"), 3.0),
        Signal("mmmu-pro", ("mmmuPro",), 3.0),
    ),
}

#: Broad indices a missing signal is imputed from (the model's best-correlated one is used).
PREDICTORS: Final[tuple[str, ...]] = (
    "intelligenceIndex",
    "codingIndex",
    "agenticIndex",
    "arena",
    "liveBenchOverall",
    "mmluPro",
)

#: OpenRouter's copy of an AA index → the AA key it is scored as (same scale, same source).
AA_COPIES: Final[dict[str, str]] = {
    "orIntelligenceIndex": "intelligenceIndex",
    "orCodingIndex": "codingIndex",
    "orAgenticIndex": "agenticIndex",
}


def all_signals() -> dict[str, Signal]:
    """Every distinct signal by name (a signal may serve two categories)."""
    out: dict[str, Signal] = {}
    for signals in CATEGORY_SIGNALS.values():
        for signal in signals:
            out.setdefault(signal.name, signal)
    return out
