"""The MCP runs store: SQLite tables ``runs``, ``nodes``, ``events``, ``artifacts``.

It lives in its own file (``<mcp home>/runs.sqlite``) with its own ordered migrations, apart
from the routing store: runs are the MCP adapter's state, and the main store's migration list
is global. Times are fixed-width ISO text (:func:`~smart_spawn_plugin.store.db.to_ts`), so text
order is time order. Every method is a short locked SQLite call (see ``store/db.py``), safe to
call from async code.

Statuses. A run is ``queued`` → ``running`` → one of ``completed``, ``failed``, ``cancelled``
(terminal; ``outcome`` keeps the mode's finer status: ok, partial, budget_exceeded, timeout…).
A node is ``running`` → ``completed``, ``failed``, ``cancelled``, or ``skipped`` (never started).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import BaseModel

from smart_spawn_plugin.errors import NotFound, StoreError
from smart_spawn_plugin.store.db import Migration, locked, open_migrated, to_ts, transaction
from smart_spawn_plugin.store.db import utc_now as _utc_now

RunState = Literal["queued", "running", "completed", "failed", "cancelled"]
RUN_STATES: Final[tuple[RunState, ...]] = get_args(RunState)
TERMINAL_RUN: Final = frozenset({"completed", "failed", "cancelled"})
NodeState = Literal["running", "completed", "failed", "cancelled", "skipped"]
MAX_EVENT_CHARS: Final = 5_000


def now() -> str:
    return to_ts(_utc_now())


# ------------------------------------------------------------------------------ migrations
def _m001_runs(conn: sqlite3.Connection) -> None:
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


#: The ordered migrations of the runs store. Append only; never edit a shipped one.
MIGRATIONS: Final[Sequence[tuple[str, Migration]]] = (("m001_runs", _m001_runs),)


def open_runs_db(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating) the runs database at ``path``. ``StoreError`` on failure."""
    return open_migrated(path, MIGRATIONS, row_factory=sqlite3.Row)


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


class RunStore:
    """CRUD over the runs tables. Raises ``NotFound`` (field ``run_id``) for unknown runs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def writable(self) -> bool:
        """Whether the database takes the write lock (for the health tool)."""
        try:
            with transaction(self.conn) as c:
                c.execute("SELECT 1")
        except StoreError:
            return False
        return True

    # ---- runs ----
    def create_run(self, *, task: str, mode: str, budget: str, params_json: str) -> RunRow:
        run_id = uuid.uuid4().hex
        ts = now()
        with transaction(self.conn) as c:
            c.execute(
                "INSERT INTO runs (id, task, mode, budget, params_json, status, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
                (run_id, task, mode, budget, params_json, ts, ts),
            )
            self._event(c, run_id, None, "info", f"run created ({mode}, budget {budget})")
        return self.run(run_id)

    def run(self, run_id: str) -> RunRow:
        with locked(self.conn) as c:
            row = c.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFound(f"run_id: no run {run_id!r}", field="run_id")
        return RunRow.model_validate(dict(row))

    def runs(self, *, status: RunState | None = None, limit: int = 20) -> list[RunRow]:
        """Newest first."""
        sql = "SELECT * FROM runs"
        args: tuple[object, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            args = (status,)
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        with locked(self.conn) as c:
            rows = c.execute(sql, (*args, limit)).fetchall()
        return [RunRow.model_validate(dict(r)) for r in rows]

    def queued(self, limit: int) -> list[RunRow]:
        """Oldest queued runs first (FIFO)."""
        with locked(self.conn) as c:
            rows = c.execute(
                "SELECT * FROM runs WHERE status = 'queued' ORDER BY created_at, rowid LIMIT ?",
                (limit,),
            ).fetchall()
        return [RunRow.model_validate(dict(r)) for r in rows]

    def claim(self, run_id: str) -> bool:
        """Move a queued run to ``running``; False if it is no longer queued (e.g. cancelled)."""
        ts = now()
        with transaction(self.conn) as c:
            cur = c.execute(
                "UPDATE runs SET status = 'running', started_at = ?, updated_at = ? "
                "WHERE id = ? AND status = 'queued'",
                (ts, ts, run_id),
            )
            if cur.rowcount:
                self._event(c, run_id, None, "info", "run started")
        return bool(cur.rowcount)

    def finish_run(
        self,
        run_id: str,
        status: RunState,
        *,
        outcome: str | None,
        error: str | None,
        cost_usd: float = 0.0,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        uncosted_nodes: int = 0,
        message: str,
    ) -> None:
        """Set a terminal status (only from a non-terminal one) and log ``message``."""
        ts = now()
        with transaction(self.conn) as c:
            c.execute(
                "UPDATE runs SET status = ?, outcome = ?, error = ?, cost_usd = ?, "
                "prompt_tokens = ?, completion_tokens = ?, uncosted_nodes = ?, finished_at = ?, "
                "updated_at = ? WHERE id = ? AND status IN ('queued', 'running')",
                (
                    status,
                    outcome,
                    error,
                    cost_usd,
                    prompt_tokens,
                    completion_tokens,
                    uncosted_nodes,
                    ts,
                    ts,
                    run_id,
                ),
            )
            self._event(c, run_id, None, "error" if status == "failed" else "info", message)

    def recover(self) -> list[str]:
        """After a crash: runs left ``running`` become ``failed`` and their ``running`` nodes
        ``failed``, each with an event. Queued runs stay queued (they will run). Returns the
        ids of the failed runs."""
        ts = now()
        with transaction(self.conn) as c:
            ids = [str(r[0]) for r in c.execute("SELECT id FROM runs WHERE status = 'running'")]
            for run_id in ids:
                c.execute(
                    "UPDATE nodes SET status = 'failed', error = ?, finished_at = ? "
                    "WHERE run_id = ? AND status = 'running'",
                    ("interrupted: the MCP server stopped while this node ran", ts, run_id),
                )
                c.execute(
                    "UPDATE runs SET status = 'failed', outcome = 'interrupted', error = ?, "
                    "finished_at = ?, updated_at = ? WHERE id = ?",
                    (
                        "interrupted: the MCP server stopped while this run was running; it was "
                        "not resumed because its finished nodes were already paid for",
                        ts,
                        ts,
                        run_id,
                    ),
                )
                self._event(c, run_id, None, "error", "run recovered after a restart: failed")
        return ids

    # ---- nodes ----
    def start_node(self, run_id: str, *, role: str, label: str | None, model: str) -> NodeRow:
        ts = now()
        with transaction(self.conn) as c:
            (seq,) = c.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM nodes WHERE run_id = ?", (run_id,)
            ).fetchone()
            node_id = f"node-{seq}"
            c.execute(
                "INSERT INTO nodes (run_id, id, seq, role, label, model, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'running', ?)",
                (run_id, node_id, seq, role, label, model, ts),
            )
            c.execute("UPDATE runs SET updated_at = ? WHERE id = ?", (ts, run_id))
            self._event(c, run_id, node_id, "info", f"node started: {role} on {model}")
        return self.node(run_id, node_id)

    def skipped_node(
        self, run_id: str, *, role: str, label: str | None, model: str, reason: str
    ) -> NodeRow:
        node = self.start_node(run_id, role=role, label=label, model=model)
        self.end_node(run_id, node.id, "skipped", error=reason)
        return self.node(run_id, node.id)

    def end_node(
        self,
        run_id: str,
        node_id: str,
        status: NodeState,
        *,
        model: str | None = None,
        spawn_id: str | None = None,
        error: str | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cost_usd: float | None = None,
        duration_ms: int = 0,
    ) -> None:
        ts = now()
        with transaction(self.conn) as c:
            c.execute(
                "UPDATE nodes SET status = ?, model = COALESCE(?, model), "
                "spawn_id = COALESCE(?, spawn_id), error = ?, prompt_tokens = ?, "
                "completion_tokens = ?, cost_usd = ?, duration_ms = ?, finished_at = ? "
                "WHERE run_id = ? AND id = ?",
                (
                    status,
                    model,
                    spawn_id,
                    error,
                    prompt_tokens,
                    completion_tokens,
                    cost_usd,
                    duration_ms,
                    ts,
                    run_id,
                    node_id,
                ),
            )
            c.execute("UPDATE runs SET updated_at = ? WHERE id = ?", (ts, run_id))
            text = f"node {status}" + (f": {error}" if error else "")
            self._event(c, run_id, node_id, "error" if status == "failed" else "info", text)

    def node(self, run_id: str, node_id: str) -> NodeRow:
        with locked(self.conn) as c:
            row = c.execute(
                "SELECT * FROM nodes WHERE run_id = ? AND id = ?", (run_id, node_id)
            ).fetchone()
        if row is None:
            raise NotFound(f"node_id: no node {node_id!r} in run {run_id}", field="node_id")
        return NodeRow.model_validate(dict(row))

    def nodes(self, run_id: str) -> list[NodeRow]:
        with locked(self.conn) as c:
            rows = c.execute(
                "SELECT * FROM nodes WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [NodeRow.model_validate(dict(r)) for r in rows]

    # ---- events ----
    def event(
        self, run_id: str, message: str, *, node_id: str | None = None, level: str = "info"
    ) -> None:
        with transaction(self.conn) as c:
            self._event(c, run_id, node_id, level, message)

    def _event(
        self, c: sqlite3.Connection, run_id: str, node_id: str | None, level: str, message: str
    ) -> None:
        c.execute(
            "INSERT INTO events (run_id, node_id, level, message, ts) VALUES (?, ?, ?, ?, ?)",
            (run_id, node_id, level, message[:MAX_EVENT_CHARS], now()),
        )

    def events(self, run_id: str, *, limit: int = 50) -> list[EventRow]:
        """The run's latest ``limit`` events, oldest first."""
        with locked(self.conn) as c:
            rows = c.execute(
                "SELECT * FROM events WHERE run_id = ? ORDER BY id DESC LIMIT ?", (run_id, limit)
            ).fetchall()
        return [EventRow.model_validate(dict(r)) for r in reversed(rows)]

    # ---- artifacts ----
    def add_artifact(self, row: ArtifactRow) -> None:
        with transaction(self.conn) as c:
            c.execute(
                "INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.run_id,
                    row.node_id,
                    row.type,
                    row.path,
                    row.bytes,
                    row.sha256,
                    row.model,
                    row.created_at,
                ),
            )

    def artifact(self, run_id: str, node_id: str) -> ArtifactRow:
        with locked(self.conn) as c:
            row = c.execute(
                "SELECT * FROM artifacts WHERE run_id = ? AND node_id = ?", (run_id, node_id)
            ).fetchone()
        if row is None:
            raise NotFound(f"node_id: run {run_id} has no artifact {node_id!r}", field="node_id")
        return ArtifactRow.model_validate(dict(row))

    def artifacts(self, run_id: str) -> list[ArtifactRow]:
        with locked(self.conn) as c:
            rows = c.execute(
                "SELECT * FROM artifacts WHERE run_id = ? ORDER BY created_at, rowid", (run_id,)
            ).fetchall()
        return [ArtifactRow.model_validate(dict(r)) for r in rows]
