"""Artificial Analysis: intelligence/coding/agentic indices, evaluations and measured speed.

The raw dump is ``{meta, models: [...]}``; the live API (``/api/v2/data/llms/models``, needs an
``x-api-key``) answers a bare array or ``{data: [...]}`` with the same model objects, except
that it names the creator ``model_creator`` and puts speeds at the top level as
``median_output_tokens_per_second`` / ``median_time_to_first_token_seconds``; both are read.

The three indices are already 0-100 and are kept as they are (the original's ``(x+100)/2`` was
wrong, reference §11 item 13). Evaluations are 0-1 fractions and are stored as percent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, Origin, SourceData
from smart_spawn_plugin.engine.catalog.sources.common import (
    as_dict,
    as_str,
    date_in_name,
    get_json,
    newest_file,
    read_json,
    to_float,
)
from smart_spawn_plugin.errors import SourceError

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

NAME: Final = "artificial-analysis"
URL: Final = "https://artificialanalysis.ai/api/v2/data/llms/models"

#: evaluation field → vocabulary key, for the 0-100 indices (kept as they are)
INDEX_KEYS: Final = {
    "artificial_analysis_intelligence_index": "intelligenceIndex",
    "artificial_analysis_coding_index": "codingIndex",
    "artificial_analysis_agentic_index": "agenticIndex",
}
#: evaluation field → vocabulary key, for 0-1 fractions (stored ×100)
FRACTION_KEYS: Final = {
    "gpqa": "gpqa",
    "hle": "hle",
    "scicode": "sciCode",
    "ifbench": "ifBench",
    "aa_lcr": "longContextReasoning",
    "tau2_bench": "tau2Bench",
    "terminal_bench_hard": "terminalBenchHard",
    "mmmu_pro": "mmmuPro",
}

#: ``breakdowns.multilingual.language`` code → vocabulary key: AA's multilingual benchmark, the
#: per-language accuracy (0-1 fraction, stored ×100). Chinese is the language a task-language
#: tag asks for today (``engine.select.context_boost``); the overall index is kept beside it.
MULTILINGUAL_KEYS: Final = {"zh": "aaMultilingualChinese"}
MULTILINGUAL_INDEX_KEY: Final = "aaMultilingualIndex"

_REASONING_IN_NAME = re.compile(r"\((?:adaptive\s+)?reasoning\)", re.IGNORECASE)
#: ``GPT-5.6 Luna (medium)``, ``(Adaptive Reasoning, Max Effort)``, ``(Non-reasoning)``
_EFFORT_LEVEL = re.compile(r"\((minimal|low|medium|high|xhigh|max)\)", re.IGNORECASE)
_EFFORT_WORDS = re.compile(r"\b(minimal|low|medium|high|xhigh|max)\s+effort\b", re.IGNORECASE)
_NON_REASONING = re.compile(r"\(non-reasoning\b", re.IGNORECASE)


def effort_of(name: str) -> str | None:
    """The reasoning effort an AA row name states: ``minimal`` … ``max``, ``none`` for a
    non-reasoning row, ``None`` when the name states none."""
    if _NON_REASONING.search(name):
        return "none"
    found = _EFFORT_LEVEL.search(name) or _EFFORT_WORDS.search(name)
    return found.group(1).lower() if found else None


def _values(evaluations: dict[str, object]) -> dict[str, float]:
    values: dict[str, float] = {}
    for field, key in INDEX_KEYS.items():
        number = to_float(evaluations.get(field))
        if number is not None:
            values[key] = round(number, 3)
    for field, key in FRACTION_KEYS.items():
        number = to_float(evaluations.get(field))
        if number is not None:
            values[key] = round(number * 100, 3)
    return values


def _multilingual(breakdowns: dict[str, object]) -> dict[str, float]:
    """AA's multilingual breakdown (``{index, language: {code: 0-1}}``) → percent figures."""
    block = as_dict(breakdowns.get("multilingual"))
    values: dict[str, float] = {}
    index = to_float(block.get("index"))
    if index is not None:
        values[MULTILINGUAL_INDEX_KEY] = round(index * 100, 3)
    languages = as_dict(block.get("language"))
    for code, key in MULTILINGUAL_KEYS.items():
        number = to_float(languages.get(code))
        if number is not None:
            values[key] = round(number * 100, 3)
    return values


def parse_model(raw: object) -> BenchmarkRow | None:
    """One AA model → one row; ``None`` when it has no name."""
    item = as_dict(raw)
    name = as_str(item.get("name"))
    if name is None:
        return None
    creator = as_dict(item.get("creator") or item.get("model_creator"))
    creator_name = as_str(creator.get("name"))
    short_name = as_str(item.get("short_name"))
    names: list[str] = []
    for extra in (
        short_name,
        as_str(item.get("slug")),
        f"{creator_name} {short_name}" if creator_name and short_name else None,
    ):
        if extra and extra != name and extra not in names:
            names.append(extra)
    speed = as_dict(item.get("speed"))
    tps = to_float(speed.get("output_tokens_per_second"))
    if tps is None:
        tps = to_float(item.get("median_output_tokens_per_second"))
    ttft = to_float(speed.get("time_to_first_token_seconds"))
    if ttft is None:
        ttft = to_float(item.get("median_time_to_first_token_seconds"))
    open_weights = as_dict(item.get("open_weights"))
    reasoning = item.get("reasoning_model") is True or bool(_REASONING_IN_NAME.search(name))
    return BenchmarkRow(
        name=name,
        names=names,
        organization=creator_name,
        openrouter_id=as_str(open_weights.get("openrouter_api_id")),
        values={
            **_values(as_dict(item.get("evaluations"))),
            **_multilingual(as_dict(item.get("breakdowns"))),
        },
        # 0 tokens/s means "not measured", not "infinitely slow"
        speed_tps=round(tps, 3) if tps else None,
        ttft_s=round(ttft, 4) if ttft else None,
        reasoning_variant=reasoning,
        effort=effort_of(name),
        deprecated=item.get("deprecated") is True,
    )


def parse_payload(payload: object, *, origin: Origin, data_date: str | None = None) -> SourceData:
    """Dump ``{meta, models}``, live ``{data}`` or a bare array → ``SourceData``."""
    if isinstance(payload, list):
        models: object = payload
    else:
        body = as_dict(payload)
        models = body.get("models", body.get("data"))
        if data_date is None:
            fetched = as_str(as_dict(body.get("meta")).get("fetched_at"))
            data_date = fetched[:10] if fetched else None
    if not isinstance(models, list):
        raise SourceError(f"{NAME}: payload has no model list ('models' or 'data')")
    rows = [row for row in map(parse_model, models) if row is not None]
    if not rows:
        raise SourceError(f"{NAME}: the model list is empty")
    return SourceData(
        source=NAME,
        origin=origin,
        pulled_at=datetime.now(UTC) if origin == "live" else None,
        data_date=data_date,
        rows=rows,
    )


class ArtificialAnalysisSource:
    """Artificial Analysis (see module docstring). ``api_key`` is needed only for ``fetch``."""

    name: str = NAME

    def __init__(self, api_key: str | None = None) -> None:
        self._api_key = api_key

    def from_files(self, directory: Path) -> SourceData:
        """Parse the newest ``llms_*.json`` in ``directory``."""
        path = newest_file(directory, "llms_*.json", source=NAME)
        payload = read_json(path, source=NAME)
        return parse_payload(
            payload, origin="files", data_date=_meta_date(payload) or date_in_name(path)
        )

    async def fetch(self, http: httpx.AsyncClient) -> SourceData:
        """Live AA models; ``SourceError("No API key configured")`` without a key."""
        if not self._api_key:
            raise SourceError("No API key configured")
        payload = await get_json(http, URL, source=NAME, headers={"x-api-key": self._api_key})
        return parse_payload(payload, origin="live", data_date=datetime.now(UTC).date().isoformat())


def _meta_date(payload: object) -> str | None:
    fetched = as_str(as_dict(as_dict(payload).get("meta")).get("fetched_at"))
    return fetched[:10] if fetched else None
