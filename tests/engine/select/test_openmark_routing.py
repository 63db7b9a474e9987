"""OpenMark task routing as the seed does it: filters, strategies on cost and time per call,
deterministic tie-break, freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smart_spawn_plugin.engine.select.openmark import (
    TaskRow,
    eligible,
    freshness_warning,
    rank_task,
    task_rows,
    tasks,
)
from smart_spawn_plugin.models import ModelRecord

ROWS = [
    TaskRow("a/strong", score=90.0, cost=0.05, time=9.0, variance=2.0, completion=100.0),
    TaskRow("b/cheap", score=84.0, cost=0.001, time=2.0, variance=3.0, completion=96.0),
    TaskRow("c/fast", score=80.0, cost=0.004, time=0.8, variance=1.0, completion=90.0),
    TaskRow("d/flaky", score=95.0, cost=0.003, time=1.0, variance=14.0, completion=100.0),
    TaskRow("e/unfinished", score=97.0, cost=0.001, time=1.0, variance=1.0, completion=70.0),
    TaskRow("f/unmeasured", score=85.0),
]


def test_rows_below_completion_or_above_variance_are_filtered_with_the_reason() -> None:
    kept, dropped = eligible(ROWS)
    assert [r.model for r in kept] == ["a/strong", "b/cheap", "c/fast", "f/unmeasured"]
    assert dropped == {
        "d/flaky": "stability variance 14 > 10",
        "e/unfinished": "completion 70 % < 80 %",
    }
    kept, dropped = eligible(ROWS, min_completion=60, max_variance=20)
    assert len(kept) == 6 and not dropped


def test_strategies_use_the_exports_cost_and_time_per_call() -> None:
    kept, _ = eligible(ROWS)
    assert rank_task(kept, "best_score")[0].model == "a/strong"
    # $0.05 a call costs 1.5·log2(51) ≈ 8.5 points, $0.001 costs 1.5: the cheap one wins
    assert rank_task(kept, "balanced")[0].model == "b/cheap"
    efficiency = rank_task(kept, "best_cost_efficiency")
    assert [r.model for r in efficiency] == ["b/cheap", "c/fast", "a/strong"]  # no cost: out
    assert [r.model for r in rank_task(kept, "best_under_latency", max_time=1.0)] == ["c/fast"]
    latency = rank_task(kept, "best_under_latency")  # default 10 s a call
    assert [r.model for r in latency] == ["a/strong", "b/cheap", "c/fast"]
    budget = rank_task(kept, "best_under_budget", max_cost=0.005)
    assert [r.model for r in budget] == ["b/cheap", "c/fast"]


def test_ties_break_by_score_then_cost_then_time_then_id() -> None:
    tied = [
        TaskRow("z/slow", score=80.0, cost=0.01, time=5.0),
        TaskRow("y/dear", score=80.0, cost=0.02, time=1.0),
        TaskRow("x/same", score=80.0, cost=0.01, time=5.0),
        TaskRow("w/quick", score=80.0, cost=0.01, time=2.0),
    ]
    order = [r.model for r in rank_task(tied, "best_score")]
    assert order == ["w/quick", "x/same", "z/slow", "y/dear"]
    assert [r.model for r in rank_task(list(reversed(tied)), "best_score")] == order


def test_freshness_warning_after_the_configured_days() -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert freshness_warning("sql", now - timedelta(days=30), now) is None
    warning = freshness_warning("sql", now - timedelta(days=45), now)
    assert warning == "OpenMark data for sql is 45 days old (> 30): re-run the benchmark"
    assert freshness_warning("sql", now - timedelta(days=8), now, days=7) is not None


@pytest.fixture
def records() -> list[ModelRecord]:
    return [
        ModelRecord(
            id="a/one",
            name="One",
            provider="a",
            benchmarks={"openmark:sql": 88.0, "openmark:sql:cost": 0.01, "openmark:docs": 70.0},
        ),
        ModelRecord(id="b/two", name="Two", provider="b", benchmarks={"openmark:sql": 75.0}),
        ModelRecord(id="c/none", name="None", provider="c", benchmarks={"livebench": 1.0}),
    ]


def test_task_rows_come_from_the_catalogs_openmark_figures(records: list[ModelRecord]) -> None:
    assert tasks(records) == ["docs", "sql"]
    rows = task_rows(records, "sql")
    assert rows == [TaskRow("a/one", 88.0, cost=0.01), TaskRow("b/two", 75.0)]
    assert task_rows(records, "nope") == []
