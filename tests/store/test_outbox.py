from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smart_spawn_plugin.store.outbox import OutboxStore

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def test_enqueue_due_reschedule_delete(conn) -> None:
    store = OutboxStore(conn)
    item = store.enqueue("k", "http://x/report", {"a": 1, "b": [1, "x", None]}, now=T0)
    assert store.due(now=T0) == [item]
    store.reschedule(item.id, attempts=1, next_attempt_at=T0 + timedelta(minutes=5), error="500")
    assert store.due(now=T0 + timedelta(minutes=4)) == []
    (later,) = store.due(now=T0 + timedelta(minutes=5))
    assert (later.attempts, later.last_error, later.payload) == (1, "500", item.payload)
    assert store.due(now=T0 + timedelta(minutes=5), kind="other") == []
    store.delete(item.id)
    assert store.pending() == []
