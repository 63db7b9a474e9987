"""Personal routing memory rows: a user's past queries with the tier they forced or the rating
they gave, each with its sparse vector (``feedback.memory`` computes vectors and similarity).

Rows are per ``user_key``; reads are always scoped to one user and bounded (newest first).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smart_spawn_plugin.models import bare_model_id
from smart_spawn_plugin.store.db import Database, from_ts, locked, to_ts, transaction, utc_now

MemoryKind = Literal["forced", "rated"]
ForcedTier = Literal["flagship", "lightweight"]
#: Longest query text kept (the vector is computed from the whole query before truncation).
MAX_QUERY_CHARS: Final = 500
_COLUMNS: Final = "id, user_key, kind, query, vector, tier, model, rating, created_at"
#: The columns an insert names (the id is the database's; ``RETURNING id`` reads it back).
_INSERTED: Final = _COLUMNS.removeprefix("id, ")


class MemoryIn(BaseModel):
    """A memory to store. ``forced`` needs ``tier``; ``rated`` needs ``model`` and ``rating``."""

    model_config = ConfigDict(extra="forbid")

    user_key: str = Field(default="local", min_length=1, max_length=200)
    kind: MemoryKind
    query: str = Field(min_length=1)
    vector: dict[int, float]
    tier: ForcedTier | None = None
    model: str | None = Field(default=None, min_length=1, max_length=300)
    rating: int | None = Field(default=None, ge=1, le=5)
    created_at: datetime | None = None

    @field_validator("query")
    @classmethod
    def _truncate(cls, value: str) -> str:
        return value[:MAX_QUERY_CHARS]

    @field_validator("model")
    @classmethod
    def _bare(cls, value: str | None) -> str | None:
        return None if value is None else bare_model_id(value)


class MemoryRow(MemoryIn):
    """A stored memory."""

    id: int
    created_at: datetime


class MemoryStore:
    """Append and read routing memories, always scoped to one ``user_key``."""

    def __init__(self, conn: Database) -> None:
        self._conn = conn

    def add(self, memory: MemoryIn) -> MemoryRow:
        """Store one memory (the table's CHECKs reject a kind without its fields)."""
        created = memory.created_at or utc_now()
        with transaction(self._conn) as conn:
            cur = conn.execute(
                f"INSERT INTO routing_memory ({_INSERTED}) "  # noqa: S608 - constant columns
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    memory.user_key,
                    memory.kind,
                    memory.query,
                    json.dumps(memory.vector, separators=(",", ":")),
                    memory.tier,
                    memory.model,
                    memory.rating,
                    to_ts(created),
                ),
            )
            row_id = int(cur.fetchone()[0])
        return MemoryRow(**memory.model_dump(exclude={"created_at"}), id=row_id, created_at=created)

    def recent(self, user_key: str, *, since: datetime, limit: int) -> list[MemoryRow]:
        """``user_key``'s memories created at or after ``since``, newest first, at most
        ``limit``."""
        with locked(self._conn) as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM routing_memory "  # noqa: S608 - constant columns
                "WHERE user_key = ? AND created_at >= ? ORDER BY created_at DESC, id DESC LIMIT ?",
                (user_key, to_ts(since), limit),
            ).fetchall()
        return [
            MemoryRow(
                id=row[0],
                user_key=row[1],
                kind=row[2],
                query=row[3],
                vector={int(k): float(v) for k, v in json.loads(row[4]).items()},
                tier=row[5],
                model=row[6],
                rating=row[7],
                created_at=from_ts(row[8]),
            )
            for row in rows
        ]

    def delete_user(self, user_key: str) -> int:
        """Forget every memory of ``user_key``; return how many were deleted."""
        with transaction(self._conn) as conn:
            return conn.execute(
                "DELETE FROM routing_memory WHERE user_key = ?", (user_key,)
            ).rowcount
