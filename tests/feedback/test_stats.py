from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smart_spawn_plugin.feedback.stats import (
    FLAGSHIP_COMPLETION_PRICE,
    FLAGSHIP_PROMPT_PRICE,
    spawn_scores,
    spawn_stats,
)
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord, SpawnUsage

NOW = datetime(2025, 6, 10, 12, tzinfo=UTC)


def _log(store: SpawnLogStore, usage: SpawnUsage | None = None, **kw) -> int:
    fields = {"model": "cheap/m", "category": "coding", "created_at": NOW - timedelta(hours=1)}
    row = store.log(SpawnRecord.model_validate(fields | kw))
    if usage is not None:
        store.finish(row.id, usage, user_key=row.user_key)
    return row.id


def test_costs_come_from_recorded_usage(conn) -> None:
    store = SpawnLogStore(conn)
    # Recorded cost wins.
    _log(store, SpawnUsage(prompt_tokens=1000, completion_tokens=1000, cost_usd=0.5))
    # No recorded cost: tokens × prices recorded at spawn time.
    _log(
        store,
        SpawnUsage(prompt_tokens=2_000_000, completion_tokens=0),
        model="other/m",
        category="reasoning",
        prompt_price=1.0,
        completion_price=2.0,
    )
    # Usage never reported: counted as a spawn, adds no cost.
    _log(store)
    stats = spawn_stats(store, now=NOW)
    assert stats.total_spawns == 3
    assert stats.measured_spawns == 2
    assert stats.total_estimated_cost == pytest.approx(2.5)
    flagship = (1000 * FLAGSHIP_PROMPT_PRICE + 1000 * FLAGSHIP_COMPLETION_PRICE) / 1e6 + (
        2_000_000 * FLAGSHIP_PROMPT_PRICE / 1e6
    )
    assert stats.opus_cost_estimate == pytest.approx(flagship)
    assert stats.savings == pytest.approx(flagship - 2.5)
    assert stats.by_model == {"cheap/m": 2, "other/m": 1}
    assert stats.by_category == {"coding": 2, "reasoning": 1}
    assert stats.by_mode == {"single": 3}
    assert stats.category_avg_cost == {"coding": 0.5, "reasoning": 2.0}
    assert stats.top_models[0].model == "cheap/m"
    assert stats.top_models[0].avg_cost == 0.5
    assert [(d.date, d.spawns) for d in stats.daily] == [("2025-06-10", 3)]


def test_wire_shape_matches_the_original(conn) -> None:
    wire = spawn_stats(SpawnLogStore(conn), now=NOW).wire()
    assert set(wire) >= {
        "totalSpawns", "byModel", "byCategory", "byMode", "totalEstimatedCost",
        "opusCostEstimate", "savings", "since", "daily", "cascade", "categoryAvgCost", "topModels",
    }  # fmt: skip
    assert set(wire["cascade"]) == {  # type: ignore[call-overload]
        "total", "cheapOnly", "withPremium", "escalationRate", "avgSavingsPerCascade",
    }  # fmt: skip


def test_days_window_and_clamp(conn) -> None:
    store = SpawnLogStore(conn)
    _log(store, created_at=NOW - timedelta(days=3))
    _log(store, created_at=NOW - timedelta(days=400))
    assert spawn_stats(store, days=1, now=NOW).total_spawns == 0
    assert spawn_stats(store, days=7, now=NOW).total_spawns == 1
    assert spawn_stats(store, days=10_000, now=NOW).total_spawns == 1  # clamped to 365
    assert spawn_stats(store, days=0, now=NOW).since == NOW - timedelta(days=1)


def test_stats_are_per_user(conn) -> None:
    store = SpawnLogStore(conn)
    _log(store, user_key="alice")
    _log(store, user_key="bob")
    _log(store, user_key="bob")
    assert spawn_stats(store, "alice", now=NOW).total_spawns == 1
    assert spawn_stats(store, "bob", now=NOW).total_spawns == 2


def test_cascade_counts_what_really_ran(conn) -> None:
    store = SpawnLogStore(conn)
    tokens = SpawnUsage(prompt_tokens=1_000_000, completion_tokens=0)
    premium = {"mode": "cascade", "role": "cascade_premium", "prompt_price": 10.0}
    # Run 1: cheap was enough; the premium step planned at spawn time never ran.
    _log(store, tokens, mode="cascade", role="cascade_cheap", prompt_price=1.0, run_id="r1")
    _log(store, None, run_id="r1", model="prem/m", **premium)
    # Run 2: escalated; premium ran.
    _log(store, tokens, mode="cascade", role="cascade_cheap", prompt_price=1.0, run_id="r2")
    _log(store, tokens, run_id="r2", model="prem/m", **premium)
    # Run 3: premium skipped explicitly.
    _log(store, tokens, mode="cascade", role="cascade_cheap", prompt_price=1.0, run_id="r3")
    _log(store, SpawnUsage(status="skipped"), run_id="r3", model="prem/m", **premium)

    stats = spawn_stats(store, now=NOW)
    assert stats.cascade.total == 3
    assert stats.cascade.with_premium == 1
    assert stats.cascade.cheap_only == 2
    assert stats.cascade.escalation_rate == pytest.approx(1 / 3, abs=1e-4)
    # Savings: (10 - 1) for r1 and r3; (10 - 1 - 10) for r2.
    assert stats.cascade.avg_savings_per_cascade == pytest.approx((9 + 9 - 1) / 3)
    assert stats.total_spawns == 4  # 3 cheap + 1 premium that ran
    assert stats.by_model["prem/m"] == 1


def test_cascade_escalated_flag_without_run_id(conn) -> None:
    store = SpawnLogStore(conn)
    _log(store, SpawnUsage(escalated=True), mode="cascade", role="cascade_cheap")
    _log(store, SpawnUsage(escalated=False), mode="cascade", role="cascade_cheap")
    cascade = spawn_stats(store, now=NOW).cascade
    assert (cascade.total, cascade.with_premium, cascade.escalation_rate) == (2, 1, 0.5)


def test_spawn_scores_shape_and_min_samples(conn) -> None:
    ratings = RatingsStore(conn)
    for rating in (5, 5, 5):
        ratings.record(model="good", category="coding", rating=rating, created_at=NOW)
    for rating in (1, 2, 1):
        ratings.record(model="bad", category="coding", rating=rating, created_at=NOW)
    ratings.record(model="rare", category="coding", rating=5, created_at=NOW)
    ratings.record(user_key="other", model="x", category="coding", rating=5, created_at=NOW)

    rows = spawn_scores(ratings, now=NOW)
    assert [r.model for r in rows] == ["good", "bad"]
    # Smoothed mean (3 pseudo-ratings at 3 + three 5s) / 6 = 4 → (4 - 1) / 4 = 0.75.
    assert rows[0].success_rate == pytest.approx(0.75)
    assert rows[0].wire() == {
        "model": "good",
        "category": "coding",
        "successRate": rows[0].success_rate,
        "total": 3,
    }
    assert [r.model for r in spawn_scores(ratings, min_samples=1, now=NOW)][-1] in {"rare", "bad"}
    assert spawn_scores(ratings, category="reasoning", now=NOW) == []
