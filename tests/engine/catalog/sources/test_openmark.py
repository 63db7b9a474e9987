"""OpenMark AI export parsing."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.engine.catalog.sources.openmark import (
    OpenMarkSource,
    export_date,
    parse_openmark_csv,
)
from smart_spawn_plugin.errors import SourceError

from .conftest import FIXTURES


def test_parse_export() -> None:
    text = (FIXTURES / "openmark" / "sql-refactor.csv").read_text()
    task, display, description, rows = parse_openmark_csv(text)
    assert (task, display) == ("sql-refactor", "SQL refactoring")
    assert description.startswith("Rewrite")
    gpt = rows[0]
    assert gpt.openrouter_id == "openai/gpt-4o"
    assert gpt.organization == "OpenAI"
    assert gpt.values == {
        "openmark:sql-refactor": 82.5,
        "openmark:sql-refactor:cost": 0.0042,
        "openmark:sql-refactor:time": 3.1,
        "openmark:sql-refactor:stability": 94.0,
        "openmark:sql-refactor:completion": 100.0,
    }
    assert rows[2].openrouter_id is None


def test_directory_merges_tasks() -> None:
    data = OpenMarkSource().from_files(FIXTURES / "openmark")
    gpt = next(r for r in data.rows if r.openrouter_id == "openai/gpt-4o")
    assert gpt.values["openmark:summaries"] == 90
    assert gpt.values["openmark:sql-refactor"] == 82.5


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Model,Score (%)\nA,1\n", "task_name"),
        ("# task_name: t\nName,Score (%)\nA,1\n", "Model"),
        ("# task_name: t\nModel,Provider\nA,B\n", "Score"),
    ],
)
def test_bad_exports(text: str, missing: str) -> None:
    with pytest.raises(SourceError, match=missing):
        parse_openmark_csv(text)


def test_bad_file_named(tmp_path: Path) -> None:
    (tmp_path / "broken.csv").write_text("Model,Score\nA,1\n")
    with pytest.raises(SourceError, match=r"broken\.csv"):
        OpenMarkSource().from_files(tmp_path)


async def test_no_live_fetch() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as h:
        with pytest.raises(SourceError):
            await OpenMarkSource().fetch(h)


def test_a_stability_given_as_a_variance_is_kept_as_one() -> None:
    text = "# task_name: t\nModel,Score (%),Stability,Completion %\nA,90,±12.5,100%\nB,80,97%,85%\n"
    _, _, _, rows = parse_openmark_csv(text)
    assert rows[0].values["openmark:t:variance"] == 12.5
    assert "openmark:t:variance" not in rows[1].values  # a percentage is no variance
    column = "# task_name: t\nModel,Score (%),Stability variance\nA,90,3.5\n"
    assert parse_openmark_csv(column)[3][0].values["openmark:t:variance"] == 3.5


def test_export_date_from_the_header_else_the_file_time(tmp_path: Path) -> None:
    dated = tmp_path / "dated.csv"
    dated.write_text("# task_name: t\n# exported_at: 2026-09-01\nModel,Score\nA,1\n")
    assert export_date(dated) == datetime(2026, 9, 1, tzinfo=UTC)
    plain = tmp_path / "plain.csv"
    plain.write_text("# task_name: t\nModel,Score\nA,1\n")
    os.utime(plain, (1_700_000_000, 1_700_000_000))
    assert export_date(plain) == datetime.fromtimestamp(1_700_000_000, tz=UTC)
