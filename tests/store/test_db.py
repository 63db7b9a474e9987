from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from smart_spawn_plugin.errors import InvalidParam, StoreError
from smart_spawn_plugin.store.db import (
    from_ts,
    meta_get,
    meta_get_or_create,
    to_ts,
    transaction,
    validate,
)
from smart_spawn_plugin.store.migrations import open_db
from smart_spawn_plugin.store.ratings import RatingIn, RatingsStore


def _insert_then_fail(conn) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")


def test_transaction_rolls_back_on_error(conn) -> None:
    with pytest.raises(RuntimeError):
        _insert_then_fail(conn)
    assert meta_get(conn, "a") is None


def test_nested_transaction_joins_outer(conn) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        with transaction(conn):
            conn.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
    assert meta_get(conn, "a") == "1"
    assert meta_get(conn, "b") == "2"


def test_sqlite_errors_become_store_errors(conn) -> None:
    with pytest.raises(StoreError), transaction(conn):
        conn.execute("INSERT INTO nope VALUES (1)")


def test_meta_get_or_create_keeps_first_value(conn) -> None:
    assert meta_get_or_create(conn, "k", "first") == "first"
    assert meta_get_or_create(conn, "k", "second") == "first"


def test_timestamps_are_utc_and_sortable() -> None:
    plus2 = timezone(timedelta(hours=2))
    local = datetime(2025, 1, 1, 12, 0, tzinfo=plus2)
    assert to_ts(local) == "2025-01-01T10:00:00.000000+00:00"
    assert from_ts(to_ts(local)) == local
    assert to_ts(datetime(2025, 1, 1, 9, 0, 0, 1)) < to_ts(datetime(2025, 1, 1, 10, tzinfo=UTC))


def test_validate_names_the_field() -> None:
    with pytest.raises(InvalidParam) as info:
        validate(RatingIn, {"model": "m", "category": "coding", "rating": 9})
    assert info.value.field == "rating"
    assert "rating" in info.value.message


def test_shared_connection_across_threads(tmp_path) -> None:
    conn = open_db(tmp_path / "db.sqlite")
    store = RatingsStore(conn)

    def work(n: int) -> None:
        for _ in range(25):
            store.record(user_key=f"u{n}", model="m", category="coding", rating=4)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(store.rows(f"u{n}")) for n in range(4)) == 100
    conn.close()
