"""The MCP run lifecycle: queue, execute through the spawn modes, cancel, recover.

- :meth:`RunManager.create` validates the arguments (limits may only tighten the server's
  caps), stores a ``queued`` run and wakes the worker.
- The worker (one asyncio task, event-driven, no polling) starts queued runs oldest first while
  fewer than ``MAX_PARALLEL_RUNS`` run.
- A run executes one mode from :data:`smart_spawn_plugin.modes.MODES` through a
  :class:`~smart_spawn_plugin.modes.RunContext` (USD cap from real usage, run timeout,
  node parallelism, cancellation) over a fresh spawner from the runtime's
  :class:`~smart_spawn_plugin.contract.SpawnerFactory` (the executor is shared and retries only
  retryable errors, with exponential backoff) wrapped in a :class:`RecordingSpawner` (one node
  per spawn).
- At the end the merged output and the full result are written as artifacts and the run gets
  its terminal status: ``completed`` (mode status ok/partial), ``cancelled``, or ``failed``
  (failed, timeout, budget_exceeded, bad input, no model).
- :meth:`cancel` stops a queued run at once and a running one through the context, which
  cancels in-flight spawns (their HTTP calls are aborted).
- :meth:`start` first recovers from a crash (``RunStore.recover``: runs left ``running`` by an
  owner that is gone → ``failed``, outcome ``interrupted``; a live server's runs on the same home
  are left alone; ``queued`` runs then run). :meth:`stop` cancels running runs and marks them
  ``failed``, outcome ``interrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Final

from pydantic import ValidationError

from smart_spawn_plugin.client.base import Recommender
from smart_spawn_plugin.contract import RunSpawner, SpawnerFactory
from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.mcp.artifacts import ArtifactFiles
from smart_spawn_plugin.mcp.recording import RecordingSpawner
from smart_spawn_plugin.mcp.schema import TERMINAL_RUN, RunRow, RunState
from smart_spawn_plugin.mcp.schemas import RunCreateArgs
from smart_spawn_plugin.mcp.store import RunStore
from smart_spawn_plugin.modes import MODES, ModeRequest, ModeResult, RunContext, run_mode
from smart_spawn_plugin.settings import Settings

logger = get_logger(__name__)

#: ModeRequest's own bound on a mode's internal fan-out.
MODE_MAX_PARALLEL: Final = 8
#: How long ``cancel`` waits for a running run to wind down before answering.
CANCEL_GRACE_S: Final = 30.0
_RUN_STATE: Final[dict[str, RunState]] = {
    "ok": "completed",
    "partial": "completed",
    "cancelled": "cancelled",
    "failed": "failed",
    "timeout": "failed",
    "budget_exceeded": "failed",
}


@dataclass(frozen=True)
class Limits:
    """The effective limits of one run (the request's, within the server's caps)."""

    max_usd: float
    node_timeout_s: float
    run_timeout_s: float
    max_parallel_nodes: int


def effective_limits(args: RunCreateArgs, caps: Settings) -> Limits:
    """``args.limits`` within the server's caps (``caps``: the run limits in ``Settings``);
    ``InvalidParam`` naming ``limits.<field>`` if above."""
    asked = args.limits

    def within(name: str, value: float | None, cap: float, env: str) -> float:
        if value is None:
            return cap
        if value > cap:
            raise InvalidParam(
                f"limits.{name}: {value:g} exceeds the server cap {env}={cap:g}",
                field=f"limits.{name}",
            )
        return value

    return Limits(
        max_usd=within("max_usd", asked.max_usd, caps.max_usd_per_run, "MAX_USD_PER_RUN"),
        node_timeout_s=within(
            "node_timeout_seconds",
            asked.node_timeout_seconds,
            caps.spawn_timeout,
            "NODE_TIMEOUT_SECONDS",
        ),
        run_timeout_s=within(
            "run_timeout_seconds",
            asked.run_timeout_seconds,
            caps.mcp.run_timeout_seconds,
            "RUN_TIMEOUT_SECONDS",
        ),
        max_parallel_nodes=int(
            within(
                "max_parallel_nodes",
                asked.max_parallel_nodes,
                caps.max_concurrency,
                "MAX_PARALLEL_NODES_PER_RUN",
            )
        ),
    )


def check_mode(args: RunCreateArgs) -> None:
    """``InvalidParam`` (field ``mode``) when the mode is not in the ``MODES`` registry."""
    if args.mode not in MODES:
        available = ", ".join(MODES)
        raise InvalidParam(
            f"mode: {args.mode!r} is not available in this version (available: {available})",
            field="mode",
        )


def mode_request(args: RunCreateArgs, limits: Limits) -> ModeRequest:
    """The :class:`ModeRequest` of a run."""
    role = args.role
    return ModeRequest.parse(
        {
            "task": args.task,
            "category": args.category,
            "budget": args.budget,
            "collective_count": args.collective_count,
            "label": args.label,
            "context": args.context,
            "persona": role.persona if role else None,
            "stack": role.stack if role else [],
            "domain": role.domain if role else None,
            "format": role.format if role else None,
            "guardrails": role.guardrails if role else [],
            "merge_model": args.merge_model,
            "max_parallel": min(limits.max_parallel_nodes, MODE_MAX_PARALLEL),
            "spawn_timeout_s": limits.node_timeout_s,
            "run_timeout_s": limits.run_timeout_s,
            "max_usd": limits.max_usd,
        }
    )


@dataclass
class RunManager:
    """Owns the worker and the running runs of one MCP server (see the module docstring)."""

    settings: Settings
    store: RunStore
    files: ArtifactFiles
    recommender: Recommender
    spawners: SpawnerFactory
    _active: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _contexts: dict[str, RunContext] = field(default_factory=dict)
    _cancel_asked: set[str] = field(default_factory=set)
    _wake: asyncio.Event | None = None
    _worker: asyncio.Task[None] | None = None

    # ---- lifecycle ----
    async def start(self) -> list[str]:
        """Recover from a crash, then start the worker. Returns the ids of recovered runs."""
        recovered = self.store.recover()
        if recovered:
            logger.warning("runs_recovered", failed=recovered)
        self._wake = asyncio.Event()
        self._worker = asyncio.create_task(self._loop(), name="smart-spawn-mcp-worker")
        return recovered

    @property
    def alive(self) -> bool:
        return self._worker is not None and not self._worker.done()

    async def stop(self) -> None:
        """Stop the worker; running runs are cancelled and end ``failed`` (server stopped)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        tasks = list(self._active.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # ---- commands ----
    def create(self, args: RunCreateArgs) -> RunRow:
        """Validate and queue a run (``InvalidParam`` names the field)."""
        check_mode(args)
        mode_request(args, effective_limits(args, self.settings))  # reject bad input now
        row = self.store.create_run(
            task=args.task,
            mode=args.mode,
            budget=args.budget,
            params_json=args.model_dump_json(),
        )
        self._poke()
        return row

    async def cancel(self, run_id: str) -> RunRow:
        """Cancel a run (see the module docstring); a finished run is returned unchanged."""
        row = self.store.run(run_id)
        if row.status in TERMINAL_RUN:
            return row
        task = self._active.get(run_id)
        if task is None:  # queued, or left running by another process
            self.store.finish_run(
                run_id, "cancelled", outcome="cancelled", error=None, message="run cancelled"
            )
            return self.store.run(run_id)
        self.store.event(run_id, "cancel requested")
        self._cancel_asked.add(run_id)
        ctx = self._contexts.get(run_id)
        if ctx is not None:
            ctx.cancel()
        await asyncio.wait([task], timeout=CANCEL_GRACE_S)
        return self.store.run(run_id)

    # ---- the worker ----
    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            free = self.settings.mcp.max_parallel_runs - len(self._active)
            if free > 0:
                for row in self.store.queued(free):
                    if self.store.claim(row.id):
                        self._launch(row)
            await self._wake.wait()

    def _launch(self, row: RunRow) -> None:
        task = asyncio.create_task(self._execute(row), name=f"smart-spawn-run-{row.id}")
        self._active[row.id] = task

        def done(_: asyncio.Task[None], run_id: str = row.id) -> None:
            self._active.pop(run_id, None)
            self._contexts.pop(run_id, None)
            self._cancel_asked.discard(run_id)
            self._poke()

        task.add_done_callback(done)

    # ---- one run ----
    async def _execute(self, row: RunRow) -> None:
        run_id = row.id
        try:
            args = RunCreateArgs.model_validate_json(row.params_json)
            check_mode(args)
            limits = effective_limits(args, self.settings)
            req = mode_request(args, limits)
        except (ValidationError, SmartSpawnError) as exc:
            message = exc.message if isinstance(exc, SmartSpawnError) else str(exc)
            self.store.finish_run(
                run_id, "failed", outcome="invalid", error=message, message=f"run failed: {message}"
            )
            return
        gateway = self.spawners.open(
            max_usd=limits.max_usd,
            spawn_timeout=limits.node_timeout_s,
            max_concurrency=limits.max_parallel_nodes,
        )
        spawner = RecordingSpawner(gateway, self.store, self.files, run_id)
        ctx = RunContext(
            spawner,
            self.recommender,
            max_usd=limits.max_usd,
            run_timeout_s=limits.run_timeout_s,
            spawn_timeout_s=limits.node_timeout_s,
            max_parallel=limits.max_parallel_nodes,
            user_key=req.user_key,
            context_tags=tuple(req.context),
        )
        self._contexts[run_id] = ctx
        if run_id in self._cancel_asked:
            ctx.cancel()
        try:
            result = await run_mode(args.mode, req, ctx)
        except asyncio.CancelledError:  # the server is stopping
            await self._wrap_up(gateway, spawner)
            self._finish(
                run_id,
                ctx.snapshot(args.mode, "failed"),
                spawner,
                error="the MCP server stopped while this run was running",
                outcome="interrupted",
            )
            raise
        except SmartSpawnError as exc:  # bad input or no model: nothing could run
            result = ctx.snapshot(args.mode, "failed")
            result.errors.append(exc.message)
        except Exception as exc:  # a run must end, whatever broke
            logger.exception("run_crashed", run_id=run_id)
            result = ctx.snapshot(args.mode, "failed")
            result.errors.append(f"internal error: {type(exc).__name__}: {exc}")
        await self._wrap_up(gateway, spawner)
        self._finish(run_id, result, spawner)

    async def _wrap_up(self, gateway: RunSpawner, spawner: RecordingSpawner) -> None:
        await gateway.stop("run finished")  # cancels any spawn still running
        await spawner.settle()

    def _finish(
        self,
        run_id: str,
        result: ModeResult,
        spawner: RecordingSpawner,
        *,
        error: str | None = None,
        outcome: str | None = None,
    ) -> None:
        """Record skipped nodes, write the artifacts and set the terminal status; ``outcome``
        overrides the mode's status as the run's outcome (``interrupted`` when stopped)."""
        for record in result.outputs:  # spawns that never started get a node too
            unrecorded = record.run_id is None or record.run_id not in spawner.nodes
            if unrecorded and record.outcome in ("skipped", "refused"):
                reason = record.error or record.outcome
                self.store.skipped_node(
                    run_id, role=record.role, label=record.label, model=record.model, reason=reason
                )
        if result.output is not None:
            last = next((r.model for r in reversed(result.outputs) if r.ok), None)
            self.files.write(run_id, "merged", "merged", result.output, model=last)
        self.files.write(
            run_id, "result", "result", result.model_dump_json(by_alias=True, indent=2)
        )
        status: RunState = "failed" if error else _RUN_STATE[result.status]
        errors = "; ".join([*result.errors, *([error] if error else [])]) or None
        self.store.finish_run(
            run_id,
            status,
            outcome=outcome or result.status,
            error=errors,
            cost_usd=result.cost_usd,
            prompt_tokens=result.usage.prompt_tokens,
            completion_tokens=result.usage.completion_tokens,
            uncosted_nodes=result.uncosted_spawns,
            message=f"run {status} ({result.status}); spent ${result.cost_usd:.6f}"
            + (f"; {errors}" if errors else ""),
        )
        logger.info("run_finished", run_id=run_id, status=status, cost_usd=result.cost_usd)
