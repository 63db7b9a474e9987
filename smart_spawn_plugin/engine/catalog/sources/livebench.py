"""LiveBench: per-task scores averaged into category scores and an overall score.

Raw files ``table_YYYY_MM_DD.csv`` (``model`` + one 0-100 column per task) and
``categories_YYYY_MM_DD.json`` (category → task list) of the same release. A category is the
mean of its tasks present for that model (missing cells are skipped, a category with no tasks
present is absent); overall is the mean of the categories present.

Live: the release date comes from the GitHub contents API of ``LiveBench/livebench.github.io``
(newest ``table_*.csv``); no date guessing (reference §11 item 12).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from statistics import fmean
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, Origin, SourceData
from smart_spawn_plugin.engine.catalog.sources.common import (
    as_dict,
    as_str,
    as_str_list,
    get_json,
    get_text,
    newest_file,
    parse_json,
    read_text,
    to_float,
)
from smart_spawn_plugin.errors import SourceError

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

NAME: Final = "livebench"
SITE: Final = "https://livebench.ai"
CONTENTS_URL: Final = "https://api.github.com/repos/LiveBench/livebench.github.io/contents/public"

CATEGORY_KEYS: Final = {
    "Reasoning": "liveBenchReasoning",
    "Coding": "liveBenchCoding",
    "Agentic Coding": "liveBenchAgenticCoding",
    "Mathematics": "liveBenchMath",
    "Data Analysis": "liveBenchDataAnalysis",
    "Language": "liveBenchLanguage",
    "IF": "liveBenchIF",
}
OVERALL_KEY: Final = "liveBenchOverall"

_TABLE_NAME = re.compile(r"^table_(\d{4})_(\d{2})_(\d{2})\.csv$")
_REASONING = re.compile(r"thinking|reasoning", re.IGNORECASE)
_NOT_REASONING = re.compile(r"nothinking|no-thinking|non-reasoning", re.IGNORECASE)


def parse_categories(payload: object) -> dict[str, list[str]]:
    """``{category: [task, ...]}``; unknown categories are kept out (no vocabulary key)."""
    body = as_dict(payload)
    categories = {name: as_str_list(tasks) for name, tasks in body.items() if name in CATEGORY_KEYS}
    if not categories:
        raise SourceError(f"{NAME}: categories file names none of {sorted(CATEGORY_KEYS)}")
    return categories


def parse_table(
    text: str, categories: dict[str, list[str]], *, origin: Origin, data_date: str | None
) -> SourceData:
    """The task table CSV + category map → one row per model with category means."""
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    if "model" not in columns:
        raise SourceError(f"{NAME}: table CSV lacks the 'model' column")
    rows: list[BenchmarkRow] = []
    for record in reader:
        model = as_str(record.get("model"))
        if model is None:
            continue
        values: dict[str, float] = {}
        for category, tasks in categories.items():
            scores = [
                number for task in tasks if (number := to_float(record.get(task))) is not None
            ]
            if scores:
                values[CATEGORY_KEYS[category]] = round(fmean(scores), 3)
        if not values:
            continue
        values[OVERALL_KEY] = round(fmean(values.values()), 3)
        reasoning = bool(_REASONING.search(model)) and not _NOT_REASONING.search(model)
        rows.append(BenchmarkRow(name=model, values=values, reasoning_variant=reasoning))
    if not rows:
        raise SourceError(f"{NAME}: table has no scored models")
    return SourceData(
        source=NAME,
        origin=origin,
        pulled_at=datetime.now(UTC) if origin == "live" else None,
        data_date=data_date,
        rows=rows,
    )


def newest_release(listing: object) -> str:
    """The newest ``YYYY_MM_DD`` among ``table_*.csv`` names in a GitHub contents listing."""
    dates = sorted(
        "_".join(found.groups())
        for item in (listing if isinstance(listing, list) else [])
        if (name := as_str(as_dict(item).get("name"))) and (found := _TABLE_NAME.match(name))
    )
    if not dates:
        raise SourceError(f"{NAME}: no table_YYYY_MM_DD.csv in the GitHub listing")
    return dates[-1]


class LiveBenchSource:
    """LiveBench (see module docstring)."""

    name: str = NAME

    def from_files(self, directory: Path) -> SourceData:
        """Newest ``table_*.csv`` with the ``categories_*.json`` of the same date."""
        table = newest_file(directory, "table_*.csv", source=NAME)
        stamp = table.stem.removeprefix("table_")
        cats_path = directory / f"categories_{stamp}.json"
        if not cats_path.is_file():
            raise SourceError(f"{NAME}: {table.name} has no matching {cats_path.name}")
        categories = parse_categories(
            parse_json(read_text(cats_path, source=NAME), source=NAME, what=cats_path.name)
        )
        return parse_table(
            read_text(table, source=NAME),
            categories,
            origin="files",
            data_date=stamp.replace("_", "-"),
        )

    async def fetch(self, http: httpx.AsyncClient) -> SourceData:
        """Find the newest release via GitHub, then fetch its table and categories."""
        stamp = newest_release(await get_json(http, CONTENTS_URL, source=NAME))
        categories = parse_categories(
            await get_json(http, f"{SITE}/categories_{stamp}.json", source=NAME)
        )
        text = await get_text(http, f"{SITE}/table_{stamp}.csv", source=NAME)
        return parse_table(text, categories, origin="live", data_date=stamp.replace("_", "-"))
