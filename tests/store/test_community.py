from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smart_spawn_plugin.errors import InvalidParam, RateLimited
from smart_spawn_plugin.store.community import CommunityStore

T0 = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)


def _report(store: CommunityStore, instance: str = "inst-1", **kw) -> None:
    body = {"model": "m", "category": "coding", "rating": 4, "instanceId": instance} | kw
    store.report(now=kw.pop("now", T0), **body)


def test_instance_ids_are_stored_only_as_salted_hashes(conn) -> None:
    store = CommunityStore(conn)
    _report(store, "secret-instance")
    stored = conn.execute("SELECT instance_hash FROM community_ratings").fetchone()[0]
    assert "secret-instance" not in stored
    assert stored == store.instance_hash("secret-instance")
    # Another database (another salt) hashes the same id differently: no cross-server joins.
    assert CommunityStore(conn, salt=b"other").instance_hash("secret-instance") != stored
    # The salt persists: a new store object over the same database agrees.
    assert CommunityStore(conn).instance_hash("secret-instance") == stored


def test_rate_limit_per_instance_per_hour(conn) -> None:
    store = CommunityStore(conn, limit_per_hour=3)
    for _ in range(3):
        _report(store, "a")
    with pytest.raises(RateLimited) as info:
        _report(store, "a")
    assert info.value.retry_after == 30 * 60 + 1
    _report(store, "b")  # other instances are unaffected
    store.report(
        now=T0 + timedelta(hours=1), model="m", category="coding", rating=4, instanceId="a"
    )
    assert conn.execute("SELECT COUNT(*) FROM community_ratings").fetchone()[0] == 5
    # Past windows are pruned.
    windows = {r[0] for r in conn.execute("SELECT window_start FROM community_rate_limits")}
    assert len(windows) == 1


def test_default_limit_is_100_per_hour(conn) -> None:
    store = CommunityStore(conn)
    for _ in range(100):
        _report(store)
    with pytest.raises(RateLimited, match="100/hr"):
        _report(store)


def test_invalid_report_is_invalid_param(conn) -> None:
    with pytest.raises(InvalidParam) as info:
        _report(CommunityStore(conn), rating=7)
    assert info.value.field == "rating"
    with pytest.raises(InvalidParam) as info:
        _report(CommunityStore(conn), instance="")
    assert info.value.field == "instanceId"


def test_contributions_group_per_contributor(conn) -> None:
    store = CommunityStore(conn)
    for rating in (5, 3):
        _report(store, "a", rating=rating)
    _report(store, "b", rating=1)
    _report(store, "b", category="reasoning", rating=2)
    parts = store.contributions(category="coding")
    assert sorted((p.count, p.rating_sum) for p in parts) == [(1, 1), (2, 8)]
    assert len(store.contributions()) == 3
