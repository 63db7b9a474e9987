"""The Hugging Face Open LLM Leaderboard v2 (retired 2025, frozen): six normalised scores.

Raw file ``huggingface_v2.csv`` (fboulnois mirror): ``model_name`` is the HF repo id and
``evaluations_<bench>_normalized_score`` are 0-100. A model appears once per precision/revision;
we keep the row with the best ``model_average_score``.

Live: the datasets-server rows API over ``open-llm-leaderboard/contents`` (columns ``fullname``,
``Average ⬆️``, ``IFEval``, ``BBH``, ``MATH Lvl 5``, ``GPQA``, ``MUSR``, ``MMLU-PRO``), paged
100 rows at a time, a few pages in flight, each request with its own timeout. Any failed page
fails the pull (no silently truncated leaderboard).
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, Origin, SourceData
from smart_spawn_plugin.engine.catalog.sources.common import (
    as_dict,
    as_str,
    get_json,
    newest_file,
    read_text,
    to_float,
)
from smart_spawn_plugin.errors import SourceError

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

NAME: Final = "hf-leaderboard"
ROWS_URL: Final = "https://datasets-server.huggingface.co/rows"
DATASET: Final = "open-llm-leaderboard/contents"
PAGE: Final = 100
#: the leaderboard had ~4,600 rows when frozen; this bounds paging against a runaway total
MAX_PAGES: Final = 80
#: date the leaderboard was frozen (the raw file carries no date of its own)
FROZEN_ON: Final = "2025-06-09"

#: CSV column stem → vocabulary key
CSV_KEYS: Final = {
    "ifeval": "ifEval",
    "bbh": "bbh",
    "math": "mathLvl5",
    "gpqa": "hfGpqa",
    "musr": "musr",
    "mmlu_pro": "mmluPro",
}
#: datasets-server column → vocabulary key
LIVE_KEYS: Final = {
    "IFEval": "ifEval",
    "BBH": "bbh",
    "MATH Lvl 5": "mathLvl5",
    "GPQA": "hfGpqa",
    "MUSR": "musr",
    "MMLU-PRO": "mmluPro",
}


def _keep_best(best: dict[str, tuple[float, BenchmarkRow]], row: BenchmarkRow, avg: float) -> None:
    key = row.name.lower()
    if key not in best or avg > best[key][0]:
        best[key] = (avg, row)


def _data(best: dict[str, tuple[float, BenchmarkRow]], origin: Origin) -> SourceData:
    if not best:
        raise SourceError(f"{NAME}: no usable rows")
    rows = [best[key][1] for key in sorted(best)]
    return SourceData(
        source=NAME,
        origin=origin,
        pulled_at=datetime.now(UTC) if origin == "live" else None,
        data_date=FROZEN_ON,
        rows=rows,
    )


def _row(hf_id: str, values: dict[str, float]) -> BenchmarkRow:
    return BenchmarkRow(name=hf_id, names=[hf_id.split("/")[-1]], hf_id=hf_id, values=values)


def parse_csv(text: str, *, origin: Origin = "files") -> SourceData:
    """The fboulnois ``huggingface_v2.csv`` → one row per model (best average)."""
    reader = csv.DictReader(io.StringIO(text))
    fields = set(reader.fieldnames or [])
    needed = {"model_name", "model_average_score"} | {
        f"evaluations_{stem}_normalized_score" for stem in CSV_KEYS
    }
    missing = sorted(needed - fields)
    if missing:
        raise SourceError(f"{NAME}: CSV lacks columns {', '.join(missing)}")
    best: dict[str, tuple[float, BenchmarkRow]] = {}
    for record in reader:
        hf_id = as_str(record.get("model_name"))
        if hf_id is None or "/" not in hf_id:
            continue
        values = {
            key: round(number, 3)
            for stem, key in CSV_KEYS.items()
            if (number := to_float(record.get(f"evaluations_{stem}_normalized_score"))) is not None
        }
        if not values:
            continue
        avg = to_float(record.get("model_average_score"))
        _keep_best(best, _row(hf_id, values), avg if avg is not None else -1.0)
    return _data(best, origin)


def parse_live_rows(pages: list[object]) -> SourceData:
    """datasets-server pages ``{rows: [{row: {...}}]}`` → one row per model (best average)."""
    best: dict[str, tuple[float, BenchmarkRow]] = {}
    for page in pages:
        rows = as_dict(page).get("rows")
        if not isinstance(rows, list):
            raise SourceError(f"{NAME}: a rows page has no 'rows' list")
        for wrapped in rows:
            record = as_dict(as_dict(wrapped).get("row"))
            hf_id = as_str(record.get("fullname")) or as_str(record.get("Model"))
            if hf_id is None or "/" not in hf_id:
                continue
            values = {
                key: round(number, 3)
                for column, key in LIVE_KEYS.items()
                if (number := to_float(record.get(column))) is not None
            }
            if not values:
                continue
            avg = to_float(record.get("Average ⬆️", record.get("Average")))
            _keep_best(best, _row(hf_id, values), avg if avg is not None else -1.0)
    return _data(best, "live")


async def _page(http: httpx.AsyncClient, offset: int) -> object:
    params: dict[str, str | int] = {
        "dataset": DATASET,
        "config": "default",
        "split": "train",
        "offset": offset,
        "length": PAGE,
    }
    return await get_json(http, ROWS_URL, source=NAME, params=params)


class HFLeaderboardSource:
    """HF Open LLM Leaderboard v2 (see module docstring)."""

    name: str = NAME

    def __init__(self, *, concurrency: int = 4) -> None:
        self._concurrency = concurrency

    def from_files(self, directory: Path) -> SourceData:
        """Parse ``huggingface_v2*.csv`` in ``directory`` (the newest if several)."""
        path = newest_file(directory, "huggingface_v2*.csv", source=NAME)
        return parse_csv(read_text(path, source=NAME))

    async def fetch(self, http: httpx.AsyncClient) -> SourceData:
        """Page through the datasets-server rows API (see module docstring)."""
        first = await _page(http, 0)
        total = to_float(as_dict(first).get("num_rows_total"))
        pages_needed = min(MAX_PAGES, -(-int(total or 0) // PAGE))
        gate = asyncio.Semaphore(self._concurrency)

        async def bounded(offset: int) -> object:
            async with gate:
                return await _page(http, offset)

        rest = await asyncio.gather(*(bounded(n * PAGE) for n in range(1, pages_needed)))
        return parse_live_rows([first, *rest])
