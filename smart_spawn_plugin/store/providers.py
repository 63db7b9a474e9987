"""Provider state in SQLite: usage marks, shifts, routing overrides and the routing mode.

- a usage mark is ``set`` (the usage was ``value`` at ``at``, e.g. read off an account page) or
  ``reset`` (the usage was 0 at ``at``); usage in a window counts from the latest mark in it;
- a shift moves all work off a provider until it is undone;
- an override (``optimize --apply``) routes a category × role to a cheaper model; ``--undo``
  deactivates overrides (rows are kept: what was applied stays auditable);
- the mode (``manual`` | ``dry-run`` | ``auto``) is kept in ``meta``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal, NamedTuple

from pydantic import BaseModel

from smart_spawn_plugin.models import Wire
from smart_spawn_plugin.store.db import (
    Database,
    from_ts,
    locked,
    meta_get,
    to_ts,
    transaction,
    utc_now,
)

MODE_KEY: Final = "providers.mode"
RouterMode = Literal["manual", "dry-run", "auto"]


class UsageTotals(NamedTuple):
    """One model's use since a cutoff: tokens (prompt + completion), spawns that ran, USD (the
    recorded cost, else tokens × the prices logged at spawn time — the one costing rule)."""

    tokens: float
    messages: float
    usd: float


#: the per-row amounts summed by :meth:`ProviderStateStore.usage_totals` (portable SQL)
_TOKENS: Final = "COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0)"
_USD: Final = (
    "COALESCE(cost_usd, (COALESCE(prompt_tokens, 0) * prompt_price"
    " + COALESCE(completion_tokens, 0) * completion_price) / 1000000.0)"
)


class UsageMark(BaseModel):
    provider: str
    kind: Literal["set", "reset"]
    value: float
    at: datetime


class Override(Wire):
    id: int
    category: str
    role: str
    from_model: str
    to_model: str
    saving_usd: float
    active: bool
    created_at: datetime


class ProviderStateStore:
    """Reads and writes the provider tables (one connection, the store's lock)."""

    def __init__(self, conn: Database) -> None:
        self._conn = conn

    # ---- the spawn log, for usage ----

    def usage_totals(
        self, cutoffs: list[datetime], statuses: frozenset[str], user_key: str = "local"
    ) -> dict[str, list[UsageTotals]]:
        """``user_key``'s use per model since each of ``cutoffs`` (one :class:`UsageTotals`
        per cutoff, in order), counting spawns whose status is in ``statuses``. One indexed
        aggregate over the oldest cutoff's window (``spawn_log_user_time``), not a read of
        its rows: routing asks on every pick."""
        if not cutoffs:
            return {}
        # each row falls in one interval between consecutive cutoffs (one CASE per row, three
        # sums per interval); a cutoff's totals are the sums of the intervals from it on
        stamps = sorted({to_ts(c) for c in cutoffs})
        newest_first = list(range(len(stamps) - 1, 0, -1))
        whens = " ".join(f"WHEN created_at >= ? THEN {i}" for i in newest_first)
        interval = f"CASE {whens} ELSE 0 END" if whens else "0"
        marks = ", ".join("?" for _ in statuses)
        with locked(self._conn) as conn:
            rows = conn.execute(
                # constant SQL built from constants; every value is a parameter
                f"SELECT model, {interval}, SUM({_TOKENS}), COUNT(*), SUM({_USD}) "  # noqa: S608
                f"FROM spawn_log WHERE user_key = ? AND created_at >= ? AND status IN ({marks}) "
                "GROUP BY 1, 2",
                (*(stamps[i] for i in newest_first), user_key, stamps[0], *sorted(statuses)),
            ).fetchall()
        per: dict[str, list[tuple[float, float, float]]] = {}
        for model, at, tokens, count, usd in rows:
            spans = per.setdefault(str(model), [(0.0, 0.0, 0.0)] * len(stamps))
            spans[int(at)] = (float(tokens or 0), float(count or 0), float(usd or 0))
        index = {stamp: i for i, stamp in enumerate(stamps)}
        out: dict[str, list[UsageTotals]] = {}
        for model, spans in per.items():
            since: list[UsageTotals] = []
            running = (0.0, 0.0, 0.0)
            for span in reversed(spans):  # newest interval first: running sums from each cutoff
                running = (running[0] + span[0], running[1] + span[1], running[2] + span[2])
                since.append(UsageTotals(*running))
            since.reverse()
            out[model] = [since[index[to_ts(c)]] for c in cutoffs]
        return out

    # ---- usage marks ----

    def mark(self, provider: str, kind: Literal["set", "reset"], value: float) -> UsageMark:
        at = utc_now()
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO provider_usage_marks (provider, kind, value, at) VALUES (?, ?, ?, ?)",
                (provider, kind, value, to_ts(at)),
            )
        return UsageMark(provider=provider, kind=kind, value=value, at=at)

    def latest_mark(self, provider: str, since: datetime) -> UsageMark | None:
        """The provider's latest mark at or after ``since``, or None."""
        with locked(self._conn) as conn:
            row = conn.execute(
                "SELECT kind, value, at FROM provider_usage_marks WHERE provider = ? AND at >= ? "
                "ORDER BY at DESC, id DESC LIMIT 1",
                (provider, to_ts(since)),
            ).fetchone()
        if row is None:
            return None
        return UsageMark(provider=provider, kind=row[0], value=row[1], at=from_ts(row[2]))

    # ---- shifts ----

    def shift(self, provider: str, reason: str) -> None:
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO provider_shifts (provider, reason, at) VALUES (?, ?, ?) "
                "ON CONFLICT (provider) DO UPDATE SET reason = excluded.reason, at = excluded.at",
                (provider, reason, to_ts(utc_now())),
            )

    def unshift(self, provider: str) -> bool:
        with transaction(self._conn) as conn:
            return (
                conn.execute("DELETE FROM provider_shifts WHERE provider = ?", (provider,)).rowcount
                > 0
            )

    def shifted(self) -> dict[str, str]:
        with locked(self._conn) as conn:
            rows = conn.execute("SELECT provider, reason FROM provider_shifts").fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    # ---- overrides ----

    def add_override(
        self, category: str, role: str, from_model: str, to_model: str, saving_usd: float
    ) -> None:
        with transaction(self._conn) as conn:
            conn.execute(
                "UPDATE routing_overrides SET active = 0 WHERE active = 1 AND category = ? "
                "AND role = ?",
                (category, role),
            )
            conn.execute(
                "INSERT INTO routing_overrides (category, role, from_model, to_model, saving_usd, "
                "active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                (category, role, from_model, to_model, saving_usd, to_ts(utc_now())),
            )

    def overrides(self, *, active_only: bool = True) -> list[Override]:
        sql = (
            "SELECT id, category, role, from_model, to_model, saving_usd, active, created_at "
            "FROM routing_overrides"
        )
        if active_only:
            sql += " WHERE active = 1"
        with locked(self._conn) as conn:
            rows = conn.execute(sql + " ORDER BY id").fetchall()
        return [
            Override(
                id=r[0],
                category=r[1],
                role=r[2],
                from_model=r[3],
                to_model=r[4],
                saving_usd=r[5],
                active=bool(r[6]),
                created_at=from_ts(r[7]),
            )
            for r in rows
        ]

    def undo_overrides(self) -> int:
        """Deactivate every active override; returns how many."""
        with transaction(self._conn) as conn:
            return conn.execute("UPDATE routing_overrides SET active = 0 WHERE active = 1").rowcount

    # ---- mode ----

    def mode(self, default: RouterMode) -> RouterMode:
        value = meta_get(self._conn, MODE_KEY)
        return value if value in ("manual", "dry-run", "auto") else default  # type: ignore[return-value]

    def set_mode(self, mode: RouterMode) -> None:
        with transaction(self._conn) as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (MODE_KEY, mode),
            )
