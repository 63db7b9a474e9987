"""MCP run tools (the original's names): health, run_create, run_status, run_result,
artifact_get, run_list, run_cancel. Runs are asynchronous: ``run_create`` returns at once with
a ``run_id``; poll ``run_status`` and read ``run_result`` (see :mod:`.runner` for the lifecycle).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from smart_spawn_plugin.mcp.results import guard
from smart_spawn_plugin.mcp.schema import TERMINAL_RUN, RunRow, RunState
from smart_spawn_plugin.mcp.schemas import RoleArgs, RunCreateArgs, RunLimits, Task
from smart_spawn_plugin.mcp.state import McpState
from smart_spawn_plugin.models import Budget, Category, Mode
from smart_spawn_plugin.modes import MODES
from smart_spawn_plugin.settings import Settings

#: Raw outputs in ``run_result`` are cut to this many characters each.
MAX_RAW_CHARS: Final = 12_000
RunId = Annotated[str, Field(min_length=1, max_length=64, description="From run_create.")]
READ_ONLY = ToolAnnotations(read_only_hint=True)


def _summary(row: RunRow) -> dict[str, object]:
    return {
        "run_id": row.id,
        "task": row.task[:200],
        "mode": row.mode,
        "status": row.status,
        "outcome": row.outcome,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def status_of(rt: McpState, run_id: str) -> dict[str, object]:
    """``{run_id, status, outcome, progress{…}, nodes[…], spent_usd, last_event, …}``."""
    row = rt.store.run(run_id)
    nodes = rt.store.nodes(run_id)
    counts = {
        s: sum(1 for n in nodes if n.status == s)
        for s in ("running", "completed", "failed", "cancelled", "skipped")
    }
    done = counts["completed"] + counts["skipped"]
    total = len(nodes)
    percent = (
        100.0 if row.status in TERMINAL_RUN else (round(100 * done / total, 2) if total else 0.0)
    )
    events = rt.store.events(run_id, limit=1)
    return {
        "run_id": row.id,
        "mode": row.mode,
        "status": row.status,
        "outcome": row.outcome,
        "error": row.error,
        "progress": {
            "total_nodes": total,
            "done_nodes": done,
            "running_nodes": counts["running"],
            "failed_nodes": counts["failed"],
            "cancelled_nodes": counts["cancelled"],
            "percent": percent,
        },
        "nodes": [
            {
                "node_id": n.id,
                "role": n.role,
                "model": n.model,
                "status": n.status,
                "cost_usd": n.cost_usd,
                "prompt_tokens": n.prompt_tokens,
                "completion_tokens": n.completion_tokens,
                "duration_ms": n.duration_ms,
                "error": n.error,
            }
            for n in nodes
        ],
        "spent_usd": round(sum(n.cost_usd or 0.0 for n in nodes), 8),
        "last_event": events[-1].message if events else None,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "updated_at": row.updated_at,
    }


def result_of(rt: McpState, run_id: str, include_raw: bool) -> dict[str, object]:
    """The run's merged output, artifacts, real cost and (optionally) raw node outputs."""
    row = rt.store.run(run_id)
    nodes = rt.store.nodes(run_id)
    artifacts = rt.store.artifacts(run_id)
    merged = next((a for a in artifacts if a.node_id == "merged"), None)
    out: dict[str, object] = {
        "run_id": row.id,
        "status": row.status,
        "outcome": row.outcome,
        "error": row.error,
        "merged_output": rt.files.read(run_id, "merged")[1] if merged else None,
        "summary": f"{row.mode} run with {len(nodes)} node(s): {row.status}",
        "artifacts": [
            {
                "node_id": a.node_id,
                "type": a.type,
                "path": a.path,
                "model": a.model,
                "bytes": a.bytes,
                "status": next((n.status for n in nodes if n.id == a.node_id), row.status),
            }
            for a in artifacts
        ],
        "cost": {
            "prompt_tokens": row.prompt_tokens,
            "completion_tokens": row.completion_tokens,
            "usd": row.cost_usd,
            "uncosted_nodes": row.uncosted_nodes,
            "source": "provider-reported usage (catalog prices where the provider gave none)",
        },
    }
    if include_raw:
        out["raw_outputs"] = [
            {
                "node_id": a.node_id,
                "model": a.model,
                "output": rt.files.read(run_id, a.node_id)[1][:MAX_RAW_CHARS],
            }
            for a in artifacts
            if a.type == "raw"
        ]
    return out


def run_limits(settings: Settings) -> dict[str, object]:
    """The server's caps on every run, under the original MCP server's names (lower case)."""
    return {
        "max_parallel_runs": settings.mcp.max_parallel_runs,
        "max_parallel_nodes_per_run": settings.max_concurrency,
        "max_usd_per_run": settings.max_usd_per_run,
        "node_timeout_seconds": settings.spawn_timeout,
        "run_timeout_seconds": settings.mcp.run_timeout_seconds,
        "node_max_retries": settings.mcp.node_max_retries,
        "retry_backoff_seconds": settings.mcp.retry_backoff_seconds,
    }


def register(server: MCPServer[Any], rt: McpState) -> None:  # noqa: C901  # mccabe counts every tool closure here
    """Add the run tools to ``server``."""

    @server.tool(name="smartspawn_health", annotations=READ_ONLY)
    async def smartspawn_health() -> CallToolResult:
        """Whether runs can work: executor configured, store and artifacts writable, worker."""

        async def body() -> object:
            catalog = rt.runtime.catalog.current()
            return {
                "executor_configured": rt.executor_configured,
                "base_url": rt.runtime.settings.base_url,
                "routing": rt.runtime.recommender.name,
                "db_writable": rt.store.writable(),
                "artifact_storage_writable": rt.files.writable(),
                "worker_alive": rt.runs.alive,
                "catalog_models": len(catalog.models),
                "modes": list(MODES),
                "limits": run_limits(rt.runtime.settings),
                "home": str(rt.home),
            }

        return await guard(body)

    @server.tool(name="smartspawn_run_create", annotations=ToolAnnotations(read_only_hint=False))
    async def smartspawn_run_create(
        task: Task,
        mode: Mode,
        budget: Budget = "medium",
        category: Category | None = None,
        context: Annotated[list[str], Field(max_length=20)] = [],  # noqa: B006  # schema default
        collective_count: Annotated[int, Field(ge=2, le=5)] = 3,
        role: RoleArgs | None = None,
        merge_model: str | None = None,
        label: str | None = None,
        limits: RunLimits | None = None,
    ) -> CallToolResult:
        """Start an asynchronous run (single, collective, cascade, plan, swarm); returns run_id."""

        async def body() -> object:
            args = RunCreateArgs(
                task=task,
                mode=mode,
                budget=budget,
                category=category,
                context=context,
                collective_count=collective_count,
                role=role,
                merge_model=merge_model,
                label=label,
                limits=limits or RunLimits(),
            )
            row = rt.runs.create(args)
            return {"run_id": row.id, "status": row.status, "created_at": row.created_at}

        return await guard(body)

    @server.tool(name="smartspawn_run_status", annotations=READ_ONLY)
    async def smartspawn_run_status(run_id: RunId) -> CallToolResult:
        """Status and progress of a run, node by node."""

        async def body() -> object:
            return status_of(rt, run_id)

        return await guard(body)

    @server.tool(name="smartspawn_run_result", annotations=READ_ONLY)
    async def smartspawn_run_result(run_id: RunId, include_raw: bool = False) -> CallToolResult:
        """Merged output, artifacts and real cost of a run (raw node outputs on request)."""

        async def body() -> object:
            return result_of(rt, run_id, include_raw)

        return await guard(body)

    @server.tool(name="smartspawn_artifact_get", annotations=READ_ONLY)
    async def smartspawn_artifact_get(
        run_id: RunId,
        node_id: Annotated[str, Field(description="node-N, 'merged' or 'result'")],
    ) -> CallToolResult:
        """One artifact of a run: a node's raw output, the merged output or the full result."""

        async def body() -> object:
            row, content = rt.files.read(run_id, node_id)
            return {
                "artifact_type": row.type,
                "content": content,
                "metadata": {
                    "bytes": row.bytes,
                    "sha256": row.sha256,
                    "model": row.model,
                    "created_at": row.created_at,
                    "path": row.path,
                },
            }

        return await guard(body)

    @server.tool(name="smartspawn_run_list", annotations=READ_ONLY)
    async def smartspawn_run_list(
        status: RunState | None = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
    ) -> CallToolResult:
        """Runs, newest first."""

        async def body() -> object:
            return {"runs": [_summary(r) for r in rt.store.runs(status=status, limit=limit)]}

        return await guard(body)

    @server.tool(name="smartspawn_run_cancel", annotations=ToolAnnotations(read_only_hint=False))
    async def smartspawn_run_cancel(run_id: RunId) -> CallToolResult:
        """Cancel a queued or running run; in-flight sub-agents are stopped."""

        async def body() -> object:
            row = await rt.runs.cancel(run_id)
            return {"run_id": row.id, "status": row.status}

        return await guard(body)
