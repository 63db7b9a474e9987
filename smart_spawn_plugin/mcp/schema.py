"""The MCP runs store's schema: tables ``runs``, ``nodes``, ``events``, ``artifacts``, their
ordered migrations, the typed rows, and :func:`open_runs_db` (through the package's one
open-and-migrate). :class:`~smart_spawn_plugin.mcp.store.RunStore` reads and writes them.

By default they live in their own SQLite file (``<mcp home>/runs.sqlite``) with their own
ordered migrations, apart from the routing store: runs are the MCP adapter's state. With
``SMART_SPAWN_DATABASE_URL=postgresql://…`` they live in that PostgreSQL database instead (MCP
servers on several hosts share one queue and one view of the runs), migrated by the same steps
through the same ``_migrations`` table as the routing store's (the names do not collide; the
tables neither). The DDL is written in the portable subset ``store/migrations.py`` describes.
Times are fixed-width ISO text (:func:`~smart_spawn_plugin.store.db.to_ts`), so text order is
time order; :func:`now` never repeats within a process, so it orders one server's rows exactly.

Statuses. A run is ``queued`` → ``running`` → one of ``completed``, ``failed``, ``cancelled``
(terminal; ``outcome`` keeps the mode's finer status: ok, partial, budget_exceeded, timeout…).
A node is ``running`` → ``completed``, ``failed``, ``cancelled``, or ``skipped`` (never started).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import BaseModel

from smart_spawn_plugin.store.db import Database, Migration, to_ts
from smart_spawn_plugin.store.db import utc_now as _utc_now
from smart_spawn_plugin.store.migrations import open_database

RunState = Literal["queued", "running", "completed", "failed", "cancelled"]
RUN_STATES: Final[tuple[RunState, ...]] = get_args(RunState)
TERMINAL_RUN: Final = frozenset({"completed", "failed", "cancelled"})
NodeState = Literal["running", "completed", "failed", "cancelled", "skipped"]
MAX_EVENT_CHARS: Final = 5_000


_CLOCK_LOCK: Final = threading.Lock()
_last = datetime.min.replace(tzinfo=UTC)


def now() -> str:
    """The current UTC time as stored text, strictly later than the previous call's: two rows
    made by one process never tie (``ORDER BY created_at`` is their creation order)."""
    global _last
    with _CLOCK_LOCK:
        moment = max(_utc_now(), _last + timedelta(microseconds=1))
        _last = moment
    return to_ts(moment)


# ------------------------------------------------------------------------------ migrations
def _m001_runs(conn: Database) -> None:
    for statement in (
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            task TEXT NOT NULL,
            mode TEXT NOT NULL,
            budget TEXT NOT NULL,
            params_json TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('queued', 'running', 'completed', 'failed', 'cancelled')),
            outcome TEXT,
            error TEXT,
            cost_usd REAL NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            uncosted_nodes INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        )""",
        "CREATE INDEX runs_status ON runs (status, created_at)",
        """CREATE TABLE nodes (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL,
            label TEXT,
            model TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('running', 'completed', 'failed', 'cancelled', 'skipped')),
            spawn_id TEXT,
            error TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            started_at TEXT,
            finished_at TEXT,
            PRIMARY KEY (run_id, id)
        )""",
        "CREATE INDEX nodes_status ON nodes (status)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            node_id TEXT,
            level TEXT NOT NULL,
            message TEXT NOT NULL,
            ts TEXT NOT NULL
        )""",
        "CREATE INDEX events_run ON events (run_id, id)",
        """CREATE TABLE artifacts (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            node_id TEXT NOT NULL,
            type TEXT NOT NULL CHECK (type IN ('raw', 'merged', 'result')),
            path TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            model TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (run_id, node_id)
        )""",
    ):
        conn.execute(statement)


def _m002_owner(conn: Database) -> None:
    # which MCP server runs it (see mcp/ownership.py); NULL for runs from before owners existed
    conn.execute("ALTER TABLE runs ADD COLUMN owner TEXT")


#: The ordered migrations of the runs store. Append only; never edit a shipped one.
MIGRATIONS: Final[Sequence[tuple[str, Migration]]] = (
    ("m001_runs", _m001_runs),
    ("m002_owner", _m002_owner),
)


def open_runs_db(target: Path | str) -> Database:
    """Open (creating and migrating) the runs database: the SQLite file ``target``, or the
    PostgreSQL database a ``postgresql://`` URL names. ``StoreError`` on failure
    (``StoreUnavailable`` when the database server cannot be reached)."""
    return open_database(target, MIGRATIONS)


# ------------------------------------------------------------------------------ rows
class RunRow(BaseModel):
    id: str
    task: str
    mode: str
    budget: str
    params_json: str
    status: RunState
    outcome: str | None = None
    error: str | None = None
    cost_usd: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    uncosted_nodes: int = 0
    created_at: str
    updated_at: str
    started_at: str | None = None
    finished_at: str | None = None
    owner: str | None = None


class NodeRow(BaseModel):
    run_id: str
    id: str
    seq: int
    role: str
    label: str | None = None
    model: str
    status: NodeState
    spawn_id: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    duration_ms: int = 0
    started_at: str | None = None
    finished_at: str | None = None


class EventRow(BaseModel):
    id: int
    run_id: str
    node_id: str | None
    level: str
    message: str
    ts: str


class ArtifactRow(BaseModel):
    run_id: str
    node_id: str
    type: Literal["raw", "merged", "result"]
    path: str
    bytes: int
    sha256: str
    model: str | None = None
    created_at: str
