"""The spawn log: one row per sub-agent spawn, keyed by ``user_key``.

A spawn is logged when it is planned (status ``planned``, prices at spawn time recorded), then
:meth:`SpawnLogStore.finish` records what really happened: tokens, cost, duration, final status
and, for a cascade, whether it escalated. Stats are computed from these recorded figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smart_spawn_plugin.errors import NotFound
from smart_spawn_plugin.models import Budget, Category, Mode, bare_model_id
from smart_spawn_plugin.store.db import (
    Database,
    from_ts,
    locked,
    to_ts,
    transaction,
    utc_now,
    validate,
)

#: ``planned``: logged before running (the original API's POST /spawn-log only ever knows this);
#: ``skipped``: planned but deliberately not run (a cascade's premium step that was not needed).
SpawnStatus = Literal["planned", "ok", "error", "timeout", "cancelled", "skipped"]
#: Statuses of a spawn that actually ran.
RAN: Final[frozenset[str]] = frozenset({"ok", "error", "timeout", "cancelled"})
DEFAULT_USER: Final = "local"

_COLUMNS: Final = (
    "id, user_key, model, category, budget, mode, role, source, context, prompt_price, "
    "completion_price, prompt_tokens, completion_tokens, cost_usd, duration_ms, status, "
    "escalated, run_id, created_at"
)
#: The columns an insert names (the id is the database's; ``RETURNING id`` reads it back).
_INSERTED: Final = _COLUMNS.removeprefix("id, ")


class SpawnUsage(BaseModel):
    """What a finished spawn really used. ``escalated`` marks a cascade that needed its premium."""

    model_config = ConfigDict(extra="forbid")

    status: SpawnStatus = "ok"
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    cost_usd: float | None = Field(default=None, ge=0)
    duration_ms: int | None = Field(default=None, ge=0)
    escalated: bool | None = None


class SpawnRecord(SpawnUsage):
    """A spawn to log. Prices are USD per million tokens at spawn time (0 if unknown)."""

    user_key: str = Field(default=DEFAULT_USER, min_length=1, max_length=200)
    model: str = Field(min_length=1, max_length=300)
    category: Category
    budget: Budget | None = "medium"
    mode: Mode = "single"
    role: str = Field(default="primary", min_length=1, max_length=64)
    source: str = Field(default="api", max_length=64)
    context: str | None = Field(default=None, max_length=1000)
    prompt_price: float = Field(default=0.0, ge=0)
    completion_price: float = Field(default=0.0, ge=0)
    status: SpawnStatus = "planned"
    run_id: str | None = Field(default=None, max_length=200)
    created_at: datetime | None = None

    @field_validator("model")
    @classmethod
    def _strip_router_prefix(cls, value: str) -> str:
        # The gateway addresses OpenRouter models as "openrouter/<id>"; the log keeps the bare id
        # so stats and ratings group one model under one name (as the original did).
        return bare_model_id(value)


class SpawnRow(SpawnRecord):
    """A logged spawn as stored."""

    id: int
    created_at: datetime


class SpawnLogStore:
    """Append and update spawn-log rows; read them back per user."""

    def __init__(self, conn: Database) -> None:
        self._conn = conn

    def log(self, record: SpawnRecord | Mapping[str, object]) -> SpawnRow:
        """Append a spawn. A mapping is validated first (bad fields → ``InvalidParam``)."""
        rec = record if isinstance(record, SpawnRecord) else validate(SpawnRecord, record)
        created = rec.created_at or utc_now()
        with transaction(self._conn) as conn:
            cur = conn.execute(
                f"INSERT INTO spawn_log ({_INSERTED}) "  # noqa: S608 - constant column list
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    rec.user_key,
                    rec.model,
                    rec.category,
                    rec.budget,
                    rec.mode,
                    rec.role,
                    rec.source,
                    rec.context,
                    rec.prompt_price,
                    rec.completion_price,
                    rec.prompt_tokens,
                    rec.completion_tokens,
                    rec.cost_usd,
                    rec.duration_ms,
                    rec.status,
                    None if rec.escalated is None else int(rec.escalated),
                    rec.run_id,
                    to_ts(created),
                ),
            )
            spawn_id = int(cur.fetchone()[0])
        return SpawnRow(**rec.model_dump(exclude={"created_at"}), id=spawn_id, created_at=created)

    def finish(self, spawn_id: int, usage: SpawnUsage, *, user_key: str = DEFAULT_USER) -> SpawnRow:
        """Record what spawn ``spawn_id`` of ``user_key`` really used.

        Fields left ``None`` in ``usage`` keep their stored value. Raises ``NotFound`` when the
        user has no such spawn (one user can never update another's rows).
        """
        with transaction(self._conn) as conn:
            cur = conn.execute(
                """UPDATE spawn_log SET status = ?,
                    prompt_tokens = COALESCE(?, prompt_tokens),
                    completion_tokens = COALESCE(?, completion_tokens),
                    cost_usd = COALESCE(?, cost_usd),
                    duration_ms = COALESCE(?, duration_ms),
                    escalated = COALESCE(?, escalated)
                WHERE id = ? AND user_key = ?""",
                (
                    usage.status,
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    usage.cost_usd,
                    usage.duration_ms,
                    None if usage.escalated is None else int(usage.escalated),
                    spawn_id,
                    user_key,
                ),
            )
            if cur.rowcount == 0:
                raise NotFound(f"spawn {spawn_id} not found", field="id")
        row = self.get(spawn_id, user_key=user_key)
        assert row is not None
        return row

    def get(self, spawn_id: int, *, user_key: str = DEFAULT_USER) -> SpawnRow | None:
        """One of ``user_key``'s spawns, or ``None``."""
        with locked(self._conn) as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM spawn_log WHERE id = ? AND user_key = ?",  # noqa: S608
                (spawn_id, user_key),
            ).fetchone()
        return None if row is None else _row(row)

    def rows(
        self,
        user_key: str = DEFAULT_USER,
        *,
        since: datetime | None = None,
        run_id: str | None = None,
        limit: int | None = None,
    ) -> list[SpawnRow]:
        """``user_key``'s spawns, oldest first, optionally since a time or for one run."""
        sql = f"SELECT {_COLUMNS} FROM spawn_log WHERE user_key = ?"  # noqa: S608
        args: list[object] = [user_key]
        if since is not None:
            sql += " AND created_at >= ?"
            args.append(to_ts(since))
        if run_id is not None:
            sql += " AND run_id = ?"
            args.append(run_id)
        sql += " ORDER BY created_at, id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(max(0, limit))
        with locked(self._conn) as conn:
            rows = conn.execute(sql, args).fetchall()
        return [_row(row) for row in rows]


def _row(row: Sequence[object]) -> SpawnRow:
    names = [name.strip() for name in _COLUMNS.split(",")]
    data = dict(zip(names, row, strict=True))
    created = data.pop("created_at")
    escalated = data.pop("escalated")
    assert isinstance(created, str)
    return SpawnRow.model_validate(
        {
            **data,
            "created_at": from_ts(created),
            "escalated": None if escalated is None else bool(escalated),
        }
    )
