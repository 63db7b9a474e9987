"""LMArena (Chatbot Arena) Elo ratings, overall and per category, text and vision.

Preferred input: LMArena's own arena-catalog JSONs ``{category: {model_key: {rating, ...}}}``
(the style-control files are the site's default view), with ``scatterplot-data.json`` giving
display names and organisations for model keys. Fallback: the flat fboulnois CSVs
(``rank, rank_stylectrl, model, arena_score, 95_pct_ci, votes, organization, ...``), which only
carry the overall score. Either way: one row per model key carrying text and vision values.
Ratings stay raw Elo; scaling is scoring's job.
"""

from __future__ import annotations

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
    parse_json,
    read_text,
    to_float,
)
from smart_spawn_plugin.errors import SourceError
from smart_spawn_plugin.log import get_logger

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

log = get_logger(__name__)

NAME: Final = "lmarena"
CATALOG_URL: Final = "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data"
TEXT_JSON: Final = "leaderboard-text-style-control.json"
VISION_JSON: Final = "leaderboard-vision-style-control.json"
SCATTER_JSON: Final = "scatterplot-data.json"
TEXT_CSV: Final = "lmarena_text.csv"
VISION_CSV: Final = "lmarena_vision.csv"

TEXT_CATEGORIES: Final = {
    "full": "arena",
    "coding": "arenaCoding",
    "math": "arenaMath",
    "creative_writing": "arenaCreative",
    "if": "arenaIf",
    "expert": "arenaExpert",
    "hard_6": "arenaHard",
    "long_user": "arenaLongQuery",
    "chinese": "arenaChinese",
}
VISION_CATEGORIES: Final = {
    "full": "arenaVision",
    "ocr": "arenaVisionOcr",
    "diagram": "arenaVisionDiagram",
}


class _Info:
    """Display name and organisation of a model key, from the scatterplot table."""

    def __init__(self, name: str | None, organization: str | None) -> None:
        self.name = name
        self.organization = organization


def parse_scatterplot(payload: object) -> dict[str, _Info]:
    """``[{name, model_api_name, organization, ...}]`` → model key → info (lenient)."""
    table: dict[str, _Info] = {}
    if not isinstance(payload, list):
        return table
    for raw in payload:
        item = as_dict(raw)
        key = as_str(item.get("model_api_name"))
        if key:
            table[key] = _Info(as_str(item.get("name")), as_str(item.get("organization")))
    return table


def _collect(
    payload: object, categories: dict[str, str], into: dict[str, dict[str, float]], what: str
) -> None:
    body = as_dict(payload)
    if "full" not in body:
        raise SourceError(f"{NAME}: {what} has no 'full' category")
    for category, key in categories.items():
        for model_key, stats in as_dict(body.get(category)).items():
            rating = to_float(as_dict(stats).get("rating"))
            if rating is not None:
                into.setdefault(model_key, {})[key] = round(rating, 2)


def parse_catalog(
    text: object,
    vision: object | None,
    scatter: object | None,
    *,
    origin: Origin,
    data_date: str | None = None,
) -> SourceData:
    """arena-catalog JSON payloads → ``SourceData``; ``vision``/``scatter`` may be absent."""
    values: dict[str, dict[str, float]] = {}
    _collect(text, TEXT_CATEGORIES, values, "text leaderboard")
    if vision is not None:
        _collect(vision, VISION_CATEGORIES, values, "vision leaderboard")
    info = parse_scatterplot(scatter)
    rows: list[BenchmarkRow] = []
    for model_key in sorted(values):
        known = info.get(model_key)
        display = known.name if known and known.name else None
        rows.append(
            BenchmarkRow(
                name=model_key,
                names=[display] if display and display != model_key else [],
                organization=known.organization if known else None,
                values=values[model_key],
                reasoning_variant="thinking" in model_key.lower(),
            )
        )
    return _data(rows, origin, data_date)


def parse_csvs(text_csv: str, vision_csv: str | None, *, origin: Origin = "files") -> SourceData:
    """The flat fboulnois CSVs → ``SourceData`` (overall text and vision scores only)."""
    merged: dict[str, BenchmarkRow] = {}
    for content, key in ((text_csv, "arena"), (vision_csv, "arenaVision")):
        if content is None:
            continue
        reader = csv.DictReader(io.StringIO(content))
        missing = {"model", "arena_score"} - set(reader.fieldnames or [])
        if missing:
            raise SourceError(f"{NAME}: CSV lacks columns {', '.join(sorted(missing))}")
        for record in reader:
            model = as_str(record.get("model"))
            score = to_float(record.get("arena_score"))
            if model is None or score is None:
                continue
            row = merged.setdefault(
                model.lower(),
                BenchmarkRow(
                    name=model,
                    organization=as_str(record.get("organization")),
                    reasoning_variant="thinking" in model.lower(),
                ),
            )
            row.values.setdefault(key, score)
    return _data([merged[k] for k in sorted(merged)], origin, None)


def _data(rows: list[BenchmarkRow], origin: Origin, data_date: str | None) -> SourceData:
    if not rows:
        raise SourceError(f"{NAME}: no rated models")
    return SourceData(
        source=NAME,
        origin=origin,
        pulled_at=datetime.now(UTC) if origin == "live" else None,
        data_date=data_date,
        rows=rows,
    )


def _maybe_json(path: Path) -> object | None:
    if not path.is_file():
        return None
    return parse_json(read_text(path, source=NAME), source=NAME, what=path.name)


class LMArenaSource:
    """LMArena (see module docstring)."""

    name: str = NAME

    def from_files(self, directory: Path) -> SourceData:
        """arena-catalog JSONs when present, else the flat CSVs."""
        text = _maybe_json(directory / TEXT_JSON)
        if text is not None:
            return parse_catalog(
                text,
                _maybe_json(directory / VISION_JSON),
                _maybe_json(directory / SCATTER_JSON),
                origin="files",
            )
        if (directory / TEXT_CSV).is_file():
            vision_path = directory / VISION_CSV
            return parse_csvs(
                read_text(directory / TEXT_CSV, source=NAME),
                read_text(vision_path, source=NAME) if vision_path.is_file() else None,
            )
        raise SourceError(f"{NAME}: neither {TEXT_JSON} nor {TEXT_CSV} in {directory}")

    async def fetch(self, http: httpx.AsyncClient) -> SourceData:
        """The arena-catalog JSONs from GitHub. Text is required; vision and the name table
        are optional extras whose failure is logged and skipped."""
        text = await get_json(http, f"{CATALOG_URL}/{TEXT_JSON}", source=NAME)
        extras: list[object | None] = []
        for filename in (VISION_JSON, SCATTER_JSON):
            try:
                extras.append(await get_json(http, f"{CATALOG_URL}/{filename}", source=NAME))
            except SourceError as exc:
                log.warning("lmarena_extra_failed", file=filename, error=exc.message)
                extras.append(None)
        return parse_catalog(
            text,
            extras[0],
            extras[1],
            origin="live",
            data_date=datetime.now(UTC).date().isoformat(),
        )
