"""Personal benchmarks exported from OpenMark AI (CSV files the user drops in a directory).

An export is a few ``# key: value`` header lines (``task_name``, ``display_name``,
``description``) followed by a CSV with one row per model. Columns are matched leniently (case,
spaces and punctuation ignored; unknown columns ignored): ``Model`` and ``Score (%)`` are
required; ``Provider``, ``OC Key``, ``OC OR Key`` (an OpenRouter id), cost per call, time,
stability and completion % are optional. Figures are keyed ``openmark:<task>`` (the score) and
``openmark:<task>:cost|time|stability|completion``; a stability given as a variance (a ``±``
cell, or a column named for variance or deviation) is also ``openmark:<task>:variance``, which
routing filters on (``engine/select/openmark``). :func:`export_date` reads an export's date.

There is no publisher to fetch from: ``fetch`` always raises ``SourceError``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.engine.catalog.benchmarks import OPENMARK_PREFIX
from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, SourceData
from smart_spawn_plugin.engine.catalog.sources.common import as_str, read_text
from smart_spawn_plugin.errors import SourceError

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

NAME: Final = "openmark"

_HEADER = re.compile(r"^#\s*([A-Za-z_ ]+?)\s*:\s*(.*)$")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")
_TASK_OK = re.compile(r"[^a-z0-9_.-]+")

#: optional figure → predicate on the squashed column name
_EXTRA_COLUMNS: Final = {
    "cost": lambda col: "cost" in col,
    "time": lambda col: col.startswith("time") or col.endswith("time") or "latency" in col,
    "stability": lambda col: "stabil" in col,
    "completion": lambda col: "completion" in col,
}


def _squash(column: str) -> str:
    """``"Score (%)"`` → ``"score"``; ``"OC OR Key"`` → ``"ocorkey"``."""
    return re.sub(r"[^a-z0-9]", "", column.lower())


def _number(cell: str | None) -> float | None:
    """The first number in a cell (``"$0.0042"``, ``"3.1 s"``, ``"97%"``, ``"1,234"``)."""
    if cell is None:
        return None
    found = _NUMBER.search(cell.replace(",", ""))
    return float(found.group()) if found else None


def _is_variance(column: str, cell: str) -> bool:
    squashed = _squash(column)
    return "±" in cell or any(word in squashed for word in ("var", "dev", "std"))


def task_key(task_name: str) -> str:
    """A task name as used in value keys: lower-case, runs of other characters → ``_``."""
    return _TASK_OK.sub("_", task_name.strip().lower()).strip("_")


def _find(columns: dict[str, str], test: object) -> str | None:
    for squashed, original in columns.items():
        if callable(test) and test(squashed):
            return original
    return None


def parse_openmark_csv(text: str) -> tuple[str, str, str, list[BenchmarkRow]]:
    """One OpenMark export → ``(task_name, display_name, description, rows)``.

    ``task_name`` is normalised with :func:`task_key`; ``display_name`` falls back to the raw
    task name. Raises ``SourceError`` naming what is missing (task_name, Model or Score column).
    """
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        header = _HEADER.match(line) if line.startswith("#") and not body else None
        if header:
            meta[header.group(1).strip().lower().replace(" ", "_")] = header.group(2).strip()
        elif line.strip() and not line.startswith("#"):
            body.append(line)
    raw_task = meta.get("task_name", "")
    task = task_key(raw_task)
    if not task:
        raise SourceError(f"{NAME}: export has no '# task_name:' header")
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    columns = {_squash(c): c for c in reader.fieldnames or [] if c}
    model_col = columns.get("model") or columns.get("modelname")
    score_col = _find(columns, lambda c: c.startswith("score"))
    missing = [label for label, col in (("Model", model_col), ("Score", score_col)) if not col]
    if missing:
        raise SourceError(f"{NAME}: task {task!r} lacks column(s) {', '.join(missing)}")
    assert model_col is not None
    assert score_col is not None
    extras = {suffix: _find(columns, test) for suffix, test in _EXTRA_COLUMNS.items()}
    prefix = f"{OPENMARK_PREFIX}{task}"
    rows: list[BenchmarkRow] = []
    for record in reader:
        model = as_str(record.get(model_col))
        score = _number(record.get(score_col))
        if model is None or score is None:
            continue
        values = {prefix: score}
        for suffix, column in extras.items():
            number = _number(record.get(column)) if column else None
            if number is not None:
                values[f"{prefix}:{suffix}"] = number
                if suffix == "stability" and column and _is_variance(column, record[column]):
                    values[f"{prefix}:variance"] = abs(number)
        oc_key = as_str(record.get(columns.get("ockey", ""), ""))
        rows.append(
            BenchmarkRow(
                name=model,
                names=[oc_key] if oc_key and oc_key != model else [],
                organization=as_str(record.get(columns.get("provider", ""), "")),
                openrouter_id=as_str(record.get(columns.get("ocorkey", ""), "")),
                values=values,
            )
        )
    if not rows:
        raise SourceError(f"{NAME}: task {task!r} has no scored rows")
    return task, meta.get("display_name") or raw_task, meta.get("description", ""), rows


_DATE_KEYS: Final = ("exported_at", "export_date", "date", "created_at")


def export_date(path: Path) -> datetime:
    """When an export was made: its ``# exported_at:`` (or ``date``, ``created_at``) header as
    an ISO date, else the file's modification time (UTC)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header = _HEADER.match(line)
        key = header.group(1).strip().lower().replace(" ", "_") if header else ""
        if header and key in _DATE_KEYS:
            try:
                found = datetime.fromisoformat(header.group(2).strip())
            except ValueError:
                continue
            return found if found.tzinfo else found.replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def merge_rows(rows: list[BenchmarkRow]) -> list[BenchmarkRow]:
    """Rows of several tasks → one row per model (keyed by OpenRouter id, else name)."""
    merged: dict[str, BenchmarkRow] = {}
    for row in rows:
        key = (row.openrouter_id or row.name).lower()
        if key in merged:
            merged[key].values.update(row.values)
            merged[key].names.extend(n for n in row.names if n not in merged[key].names)
        else:
            merged[key] = row.model_copy(deep=True)
    return [merged[k] for k in sorted(merged)]


class OpenMarkSource:
    """OpenMark AI exports in a directory, one task per ``*.csv`` (see module docstring)."""

    name: str = NAME

    def from_files(self, directory: Path) -> SourceData:
        """Every ``*.csv`` in ``directory``; any bad file fails the whole read."""
        files = sorted(directory.glob("*.csv")) if directory.is_dir() else []
        if not files:
            raise SourceError(f"{NAME}: no *.csv exports in {directory}")
        rows: list[BenchmarkRow] = []
        for path in files:
            try:
                rows.extend(parse_openmark_csv(read_text(path, source=NAME))[3])
            except SourceError as exc:
                raise SourceError(f"{exc.message} (file {path.name})") from exc
        return SourceData(source=NAME, origin="files", rows=merge_rows(rows))

    async def fetch(self, http: httpx.AsyncClient) -> SourceData:
        """OpenMark data is personal; there is nothing to fetch."""
        raise SourceError(f"{NAME}: no live source; export CSVs from OpenMark AI instead")
