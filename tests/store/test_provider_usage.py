"""The spawn-log usage aggregate routing reads on every re-read of provider availability: the
same totals on SQLite and PostgreSQL, per cutoff, only spawns that ran, the recorded cost or
else tokens × the logged prices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from smart_spawn_plugin.store import open_db
from smart_spawn_plugin.store.db import utc_now
from smart_spawn_plugin.store.providers import ProviderStateStore, UsageTotals
from smart_spawn_plugin.store.spawnlog import RAN, SpawnLogStore, SpawnRecord


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        conn = open_db(tmp_path / "store.db")
    else:
        conn = open_db(request.getfixturevalue("pg_server").create())
    try:
        yield conn
    finally:
        conn.close()


def test_totals_per_model_and_cutoff(db: Any) -> None:
    now = utc_now()
    log = SpawnLogStore(db)

    def add(model: str, hours: float, status: str = "ok", **kw: Any) -> None:
        log.log(
            SpawnRecord(
                model=model,
                category="coding",
                status=status,  # type: ignore[arg-type]
                prompt_price=2.0,
                completion_price=12.0,
                created_at=now - timedelta(hours=hours),
                **kw,
            )
        )

    add("a/x", 1, prompt_tokens=1000, completion_tokens=500, cost_usd=0.5)
    add("a/x", 30, prompt_tokens=2000, completion_tokens=None)  # cost from the logged prices
    add("a/x", 2, status="planned", prompt_tokens=9999, completion_tokens=9999)  # never ran
    add("b/y", 50, status="error", prompt_tokens=10, completion_tokens=0, cost_usd=0.25)
    add("b/y", 2, prompt_tokens=1, completion_tokens=1, user_key="someone-else")
    add("c/z", 200, prompt_tokens=5, completion_tokens=5)  # before every cutoff

    cutoffs = [now - timedelta(hours=100), now - timedelta(hours=24)]
    got = ProviderStateStore(db).usage_totals(cutoffs, RAN)

    assert set(got) == {"a/x", "b/y"}
    wide, day = got["a/x"]
    assert (wide.tokens, wide.messages) == (3500, 2)
    assert wide.usd == pytest.approx(0.5 + 2000 * 2.0 / 1_000_000)
    assert day == UsageTotals(1500, 1, 0.5)
    assert got["b/y"][0] == UsageTotals(10, 1, 0.25)
    assert got["b/y"][1] == UsageTotals(0, 0, 0)
    assert ProviderStateStore(db).usage_totals([], RAN) == {}

    # any order, repeats, one cutoff: each answered for itself
    hour, week = now - timedelta(hours=1, minutes=1), now - timedelta(days=7)
    mixed = ProviderStateStore(db).usage_totals([cutoffs[1], hour, week, cutoffs[1]], RAN)
    assert mixed["a/x"] == [day, day, wide, day]
    assert mixed["b/y"][2] == UsageTotals(10, 1, 0.25)
    (only,) = ProviderStateStore(db).usage_totals([week], RAN)["a/x"]
    assert only == wide
