"""The outbox: reports waiting to be POSTed, persisted so none is lost while an endpoint is down.

This module only stores and schedules items; delivery and the retry policy live in
:mod:`smart_spawn_plugin.feedback.telemetry`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final

from pydantic import BaseModel, Field, JsonValue

from smart_spawn_plugin.store.db import Database, from_ts, locked, to_ts, transaction, utc_now

_COLUMNS: Final = "id, kind, url, payload, attempts, next_attempt_at, last_error, created_at"


class OutboxItem(BaseModel):
    """One pending delivery. ``attempts`` counts failed tries so far."""

    id: int
    kind: str
    url: str
    payload: dict[str, JsonValue] = Field(default_factory=dict)
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    created_at: datetime


class OutboxStore:
    """Persist, list, reschedule and delete outbox items."""

    def __init__(self, conn: Database) -> None:
        self._conn = conn

    def enqueue(
        self, kind: str, url: str, payload: dict[str, JsonValue], *, now: datetime | None = None
    ) -> OutboxItem:
        """Queue ``payload`` for POSTing to ``url``; it is due immediately."""
        moment = now or utc_now()
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
        with transaction(self._conn) as conn:
            cur = conn.execute(
                """INSERT INTO outbox (kind, url, payload, attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, 0, ?, ?) RETURNING id""",
                (kind, url, body, to_ts(moment), to_ts(moment)),
            )
            item_id = int(cur.fetchone()[0])
        return OutboxItem(
            id=item_id,
            kind=kind,
            url=url,
            payload=payload,
            next_attempt_at=moment,
            created_at=moment,
        )

    def due(
        self, *, now: datetime | None = None, kind: str | None = None, limit: int = 50
    ) -> list[OutboxItem]:
        """Items whose next attempt is due at ``now``, oldest schedule first."""
        sql = f"SELECT {_COLUMNS} FROM outbox WHERE next_attempt_at <= ?"  # noqa: S608
        args: list[object] = [to_ts(now or utc_now())]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        sql += " ORDER BY next_attempt_at, id LIMIT ?"
        args.append(max(0, limit))
        with locked(self._conn) as conn:
            rows = conn.execute(sql, args).fetchall()
        return [_item(row) for row in rows]

    def pending(self, *, kind: str | None = None) -> list[OutboxItem]:
        """Every queued item, due or not."""
        sql = f"SELECT {_COLUMNS} FROM outbox"  # noqa: S608
        args: list[object] = []
        if kind is not None:
            sql += " WHERE kind = ?"
            args.append(kind)
        with locked(self._conn) as conn:
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_item(row) for row in rows]

    def reschedule(
        self, item_id: int, *, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        """Record a failed attempt and when to try again."""
        with transaction(self._conn) as conn:
            conn.execute(
                "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                (attempts, to_ts(next_attempt_at), error[:500], item_id),
            )

    def delete(self, item_id: int) -> None:
        """Remove a delivered (or deliberately dropped) item."""
        with transaction(self._conn) as conn:
            conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))


def _item(row: tuple[object, ...]) -> OutboxItem:
    return OutboxItem.model_validate(
        {
            "id": row[0],
            "kind": row[1],
            "url": row[2],
            "payload": json.loads(str(row[3])),
            "attempts": row[4],
            "next_attempt_at": from_ts(str(row[5])),
            "last_error": row[6],
            "created_at": from_ts(str(row[7])),
        }
    )
