from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smart_spawn_plugin.errors import InvalidParam, NotFound
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord, SpawnUsage

T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)


def test_log_then_finish_records_usage(conn) -> None:
    store = SpawnLogStore(conn)
    row = store.log(
        SpawnRecord(
            model="openrouter/anthropic/claude-sonnet-4.5",
            category="coding",
            prompt_price=3.0,
            completion_price=15.0,
            run_id="r1",
            created_at=T0,
        )
    )
    assert row.model == "anthropic/claude-sonnet-4.5"
    assert row.status == "planned"
    assert row.created_at == T0

    done = store.finish(
        row.id,
        SpawnUsage(prompt_tokens=1000, completion_tokens=500, cost_usd=0.0105, duration_ms=900),
    )
    assert (done.status, done.prompt_tokens, done.cost_usd) == ("ok", 1000, 0.0105)
    assert store.get(row.id) == done
    assert store.rows(run_id="r1") == [done]


def test_finish_keeps_fields_left_none(conn) -> None:
    store = SpawnLogStore(conn)
    row = store.log(SpawnRecord(model="m", category="general", prompt_tokens=10))
    done = store.finish(row.id, SpawnUsage(status="error", escalated=True))
    assert (done.prompt_tokens, done.status, done.escalated) == (10, "error", True)


def test_users_are_isolated(conn) -> None:
    store = SpawnLogStore(conn)
    a = store.log(SpawnRecord(user_key="alice", model="m", category="coding"))
    store.log(SpawnRecord(user_key="bob", model="m", category="coding"))
    assert [r.user_key for r in store.rows("alice")] == ["alice"]
    assert store.get(a.id, user_key="bob") is None
    with pytest.raises(NotFound):
        store.finish(a.id, SpawnUsage(), user_key="bob")


def test_rows_since_filters_by_time(conn) -> None:
    store = SpawnLogStore(conn)
    store.log(SpawnRecord(model="old", category="coding", created_at=T0 - timedelta(days=10)))
    store.log(SpawnRecord(model="new", category="coding", created_at=T0))
    assert [r.model for r in store.rows(since=T0 - timedelta(days=1))] == ["new"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", "bogus-cat"), ("mode", "turbo"), ("model", ""), ("prompt_tokens", -1)],
)
def test_invalid_mapping_is_invalid_param(conn, field, value) -> None:
    body = {"model": "m", "category": "coding", field: value}
    with pytest.raises(InvalidParam) as info:
        SpawnLogStore(conn).log(body)
    assert info.value.field == field
