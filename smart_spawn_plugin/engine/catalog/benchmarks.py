"""The benchmark vocabulary: every figure key a source may emit, with its source and meaning.

Keys are camelCase (they appear in ``ModelRecord.benchmarks`` on the wire) and keep the
original API's names where the original had the figure (``arena``, ``intelligenceIndex``,
``codingIndex``, ``gpqa``, ``mmluPro``, ``ifEval``, ``bbh``, ``liveBench*``). Figures from two
publishers of the same benchmark keep separate keys (``gpqa`` from AA, ``hfGpqa`` from the HF
leaderboard) because their populations differ and a z-score must not mix them.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Benchmark(NamedTuple):
    source: str
    label: str
    #: False for figures where lower is better (none of the scored ones today)
    higher_is_better: bool = True


AA: Final = "artificial-analysis"
HF: Final = "hf-leaderboard"
ARENA: Final = "lmarena"
LB: Final = "livebench"
OR: Final = "openrouter"
#: how evidence from OpenRouter's copy of the AA indices is labelled (it is AA's figure)
AA_VIA_OR: Final = "artificial-analysis via openrouter"

BENCHMARKS: Final[dict[str, Benchmark]] = {
    # Artificial Analysis (indices 0-100; evaluations are 0-1 fractions, stored as percent)
    "intelligenceIndex": Benchmark(AA, "AA Intelligence Index"),
    "codingIndex": Benchmark(AA, "AA Coding Index"),
    "agenticIndex": Benchmark(AA, "AA Agentic Index"),
    "gpqa": Benchmark(AA, "GPQA Diamond (AA)"),
    "hle": Benchmark(AA, "Humanity's Last Exam (AA)"),
    "sciCode": Benchmark(AA, "SciCode (AA)"),
    "ifBench": Benchmark(AA, "IFBench (AA)"),
    "longContextReasoning": Benchmark(AA, "AA Long Context Reasoning"),
    "tau2Bench": Benchmark(AA, "tau2-bench (AA)"),
    "terminalBenchHard": Benchmark(AA, "Terminal-Bench Hard (AA)"),
    "mmmuPro": Benchmark(AA, "MMMU-Pro (AA, vision)"),
    # AA multilingual benchmark (``breakdowns.multilingual``): accuracy in percent
    "aaMultilingualIndex": Benchmark(AA, "AA Multilingual Index"),
    "aaMultilingualChinese": Benchmark(AA, "AA Multilingual, Chinese"),
    # HF Open LLM Leaderboard v2 (normalised scores 0-100)
    "ifEval": Benchmark(HF, "IFEval (HF)"),
    "bbh": Benchmark(HF, "BBH (HF)"),
    "mathLvl5": Benchmark(HF, "MATH Lvl 5 (HF)"),
    "hfGpqa": Benchmark(HF, "GPQA (HF)"),
    "musr": Benchmark(HF, "MuSR (HF)"),
    "mmluPro": Benchmark(HF, "MMLU-Pro (HF)"),
    # LMArena Elo (raw Elo)
    "arena": Benchmark(ARENA, "LMArena text (overall)"),
    "arenaCoding": Benchmark(ARENA, "LMArena coding"),
    "arenaMath": Benchmark(ARENA, "LMArena math"),
    "arenaCreative": Benchmark(ARENA, "LMArena creative writing"),
    "arenaIf": Benchmark(ARENA, "LMArena instruction following"),
    "arenaExpert": Benchmark(ARENA, "LMArena expert"),
    "arenaHard": Benchmark(ARENA, "LMArena hard prompts"),
    "arenaLongQuery": Benchmark(ARENA, "LMArena long queries"),
    "arenaChinese": Benchmark(ARENA, "LMArena Chinese"),
    "arenaVision": Benchmark(ARENA, "LMArena vision (overall)"),
    "arenaVisionOcr": Benchmark(ARENA, "LMArena vision OCR"),
    "arenaVisionDiagram": Benchmark(ARENA, "LMArena vision diagrams"),
    # LiveBench (category means, 0-100)
    "liveBenchReasoning": Benchmark(LB, "LiveBench reasoning"),
    "liveBenchCoding": Benchmark(LB, "LiveBench coding"),
    "liveBenchAgenticCoding": Benchmark(LB, "LiveBench agentic coding"),
    "liveBenchMath": Benchmark(LB, "LiveBench mathematics"),
    "liveBenchDataAnalysis": Benchmark(LB, "LiveBench data analysis"),
    "liveBenchLanguage": Benchmark(LB, "LiveBench language"),
    "liveBenchIF": Benchmark(LB, "LiveBench instruction following"),
    "liveBenchOverall": Benchmark(LB, "LiveBench overall"),
    # OpenRouter's own copy of the AA indices: AA's figure, scored on AA's scale under the AA
    # key where AA itself has no row (see scoring.AA_COPIES)
    "orIntelligenceIndex": Benchmark(AA_VIA_OR, "AA Intelligence Index (via OpenRouter)"),
    "orCodingIndex": Benchmark(AA_VIA_OR, "AA Coding Index (via OpenRouter)"),
    "orAgenticIndex": Benchmark(AA_VIA_OR, "AA Agentic Index (via OpenRouter)"),
    # OpenRouter's design-arena Elo (web, UI component, game, data-viz generation)
    "designArena": Benchmark(OR, "Design Arena Elo (web/UI generation, via OpenRouter)"),
}

#: Prefix of figures from personal OpenMark AI benchmark CSVs: ``openmark:<task_name>``.
OPENMARK_PREFIX: Final = "openmark:"


def source_of(key: str) -> str:
    """The source id a benchmark key comes from."""
    if key.startswith(OPENMARK_PREFIX):
        return "openmark"
    return BENCHMARKS[key].source
