"""The MCP runs store: reads and writes the tables of :mod:`smart_spawn_plugin.mcp.schema`.

Every method is one short locked call or transaction on the runs database (see
``store/db.py``): SQLite, or PostgreSQL when several MCP servers share one queue, where writes
from every server are serialised, so a queued run is claimed by exactly one of them and a node
number is never handed out twice. Safe to call from async code. Rows are read by explicit
column lists (no engine-specific row objects). Statuses are described in the schema module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final, TypeVar

from pydantic import BaseModel

from smart_spawn_plugin.errors import NotFound, StoreError
from smart_spawn_plugin.mcp.ownership import Ownership
from smart_spawn_plugin.mcp.schema import (
    MAX_EVENT_CHARS,
    ArtifactRow,
    EventRow,
    NodeRow,
    NodeState,
    RunRow,
    RunState,
    now,
)
from smart_spawn_plugin.store.db import Database, locked, transaction

_R = TypeVar("_R", bound=BaseModel)
RUN_COLUMNS: Final = ", ".join(RunRow.model_fields)
NODE_COLUMNS: Final = ", ".join(NodeRow.model_fields)
EVENT_COLUMNS: Final = ", ".join(EventRow.model_fields)
ARTIFACT_COLUMNS: Final = ", ".join(ArtifactRow.model_fields)


def _row(model: type[_R], row: Sequence[Any]) -> _R:
    """``row`` (selected by the model's column list, in field order) as a ``model``."""
    return model.model_validate(dict(zip(model.model_fields, row, strict=True)))


class RunStore:
    """CRUD over the runs tables. Raises ``NotFound`` (field ``run_id``) for unknown runs."""

    def __init__(self, conn: Database, ownership: Ownership | None = None) -> None:
        """``ownership`` marks the runs this store claims with this process's owner id; without
        it runs are claimed by nobody and any store's :meth:`recover` may take them."""
        self.conn = conn
        self.ownership = ownership

    def close(self) -> None:
        """Close the connection and release ownership (this process's runs become recoverable)."""
        if self.ownership is not None:
            self.ownership.close()
        self.conn.close()

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
            row = c.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?",  # noqa: S608 - constant columns
                (run_id,),
            ).fetchone()
        if row is None:
            raise NotFound(f"run_id: no run {run_id!r}", field="run_id")
        return _row(RunRow, row)

    def runs(self, *, status: RunState | None = None, limit: int = 20) -> list[RunRow]:
        """Newest first."""
        sql = f"SELECT {RUN_COLUMNS} FROM runs"  # noqa: S608 - constant columns
        args: tuple[object, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            args = (status,)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        with locked(self.conn) as c:
            rows = c.execute(sql, (*args, limit)).fetchall()
        return [_row(RunRow, r) for r in rows]

    def queued(self, limit: int) -> list[RunRow]:
        """Oldest queued runs first (FIFO)."""
        with locked(self.conn) as c:
            rows = c.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE status = 'queued' "  # noqa: S608
                "ORDER BY created_at, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [_row(RunRow, r) for r in rows]

    def claim(self, run_id: str) -> bool:
        """Move a queued run to ``running``; False if it is no longer queued (e.g. cancelled)."""
        ts = now()
        with transaction(self.conn) as c:
            cur = c.execute(
                "UPDATE runs SET status = 'running', started_at = ?, updated_at = ?, owner = ? "
                "WHERE id = ? AND status = 'queued'",
                (ts, ts, self.ownership.owner if self.ownership else None, run_id),
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
        """After a crash: runs left ``running`` by an owner that is gone become ``failed``
        (outcome ``interrupted``) and their ``running`` nodes ``failed``, each with an event.
        Runs of a live owner (another MCP server on this home) are left alone. Queued runs stay
        queued (they will run). Returns the ids of the failed runs."""
        ts = now()
        with transaction(self.conn) as c:
            running = c.execute("SELECT id, owner FROM runs WHERE status = 'running'").fetchall()
            alive = self.ownership.alive if self.ownership else (lambda owner: False)
            ids = [str(r[0]) for r in running if not alive(r[1])]
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
                f"SELECT {NODE_COLUMNS} FROM nodes WHERE run_id = ? AND id = ?",  # noqa: S608
                (run_id, node_id),
            ).fetchone()
        if row is None:
            raise NotFound(f"node_id: no node {node_id!r} in run {run_id}", field="node_id")
        return _row(NodeRow, row)

    def nodes(self, run_id: str) -> list[NodeRow]:
        with locked(self.conn) as c:
            rows = c.execute(
                f"SELECT {NODE_COLUMNS} FROM nodes WHERE run_id = ? ORDER BY seq",  # noqa: S608
                (run_id,),
            ).fetchall()
        return [_row(NodeRow, r) for r in rows]

    # ---- events ----
    def event(
        self, run_id: str, message: str, *, node_id: str | None = None, level: str = "info"
    ) -> None:
        with transaction(self.conn) as c:
            self._event(c, run_id, node_id, level, message)

    def _event(
        self, c: Database, run_id: str, node_id: str | None, level: str, message: str
    ) -> None:
        c.execute(
            "INSERT INTO events (run_id, node_id, level, message, ts) VALUES (?, ?, ?, ?, ?)",
            (run_id, node_id, level, message[:MAX_EVENT_CHARS], now()),
        )

    def events(self, run_id: str, *, limit: int = 50) -> list[EventRow]:
        """The run's latest ``limit`` events, oldest first."""
        with locked(self.conn) as c:
            rows = c.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE run_id = ? "  # noqa: S608
                "ORDER BY id DESC LIMIT ?",
                (run_id, limit),
            ).fetchall()
        return [_row(EventRow, r) for r in reversed(rows)]

    # ---- artifacts ----
    def add_artifact(self, row: ArtifactRow) -> None:
        with transaction(self.conn) as c:
            c.execute(
                f"INSERT INTO artifacts ({ARTIFACT_COLUMNS}) "  # noqa: S608 - constant columns
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, node_id) DO UPDATE SET "
                "type = excluded.type, path = excluded.path, bytes = excluded.bytes, "
                "sha256 = excluded.sha256, model = excluded.model, "
                "created_at = excluded.created_at",
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
                f"SELECT {ARTIFACT_COLUMNS} FROM artifacts "  # noqa: S608 - constant columns
                "WHERE run_id = ? AND node_id = ?",
                (run_id, node_id),
            ).fetchone()
        if row is None:
            raise NotFound(f"node_id: run {run_id} has no artifact {node_id!r}", field="node_id")
        return _row(ArtifactRow, row)

    def artifacts(self, run_id: str) -> list[ArtifactRow]:
        with locked(self.conn) as c:
            rows = c.execute(
                f"SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE run_id = ? "  # noqa: S608
                "ORDER BY created_at, node_id",
                (run_id,),
            ).fetchall()
        return [_row(ArtifactRow, r) for r in rows]
