"""``RunContext``: one run of a mode — the spawner, the recommender, and the run's limits.

What it owns, and the contracts:

- **Spawning** (:meth:`RunContext.spawn`): start one sub-agent through the host's ``Spawner``,
  wait for it, and return a :class:`SpawnRecord` of what really happened. Spawn failures are
  records (``error``/``timeout``/``refused``), never exceptions; only the USD cap
  (:class:`BudgetExceeded`) and cancellation propagate, so a mode can stop cleanly.
- **USD cap**: no spawn starts once real spend (``SubagentEnded.cost_usd``) reached ``max_usd``.
  Spawns already running finish and are counted (the gateway makes the same promise), so the
  cap can be overshot by at most the spawns in flight; spawns of unknown cost are counted in
  ``uncosted``.
- **Spawn log**: ``recommender.log_spawn`` is called *after* a spawn ended, with its real
  usage, cost and duration, and only for spawns that ran — never for skipped or refused ones
  (the original logged a cascade escalation before it happened, §11.27).
- **Parallelism**: at most ``max_parallel`` spawns of this run are in flight.
- **Deadline and cancellation** (:meth:`RunContext.run`): the mode runs in a child task under
  ``asyncio.timeout(run_timeout_s)``. On timeout or :meth:`cancel`, running spawns are
  cancelled through ``spawner.cancel`` and the partial result (every record so far, status
  ``timeout``/``cancelled``) is returned. A cancellation of the *caller* still cancels the
  spawns and then propagates, as asyncio code must; :meth:`snapshot` gives what was done.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Final, Protocol

from smart_spawn_plugin.client.base import Recommender, SpawnLogEntry
from smart_spawn_plugin.contract import Spawner, SpawnRequest, SubagentEnded, ToolContext, Usage
from smart_spawn_plugin.errors import BudgetExceeded, SmartSpawnError, SpawnTimeout
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import Budget, Category, Mode
from smart_spawn_plugin.modes.base import (
    Escalation,
    ModeInstructions,
    ModeRequest,
    ModeResult,
    RoutedModel,
    RoutingDecision,
    RunStatus,
    SpawnRecord,
)

logger = get_logger(__name__)

#: Extra seconds ``wait`` allows beyond the spawn's own timeout, so the host's timeout (which
#: ends the run with outcome ``timeout`` and its usage) normally wins over ours.
WAIT_GRACE_S: Final = 5.0


class RunContext:
    """State and limits of one mode run. Create one per run (see :meth:`for_request`)."""

    def __init__(
        self,
        spawner: Spawner,
        recommender: Recommender,
        *,
        max_usd: float | None = None,
        run_timeout_s: float | None = None,
        spawn_timeout_s: float = 300.0,
        max_parallel: int = 4,
        requester: ToolContext | None = None,
        user_key: str = "local",
        context_tags: tuple[str, ...] = (),
    ) -> None:
        self.spawner = spawner
        self.recommender = recommender
        self.max_usd = max_usd
        self.run_timeout_s = run_timeout_s
        self.spawn_timeout_s = spawn_timeout_s
        self.max_parallel = max_parallel
        self.requester = requester
        self.user_key = user_key
        self.context_tags = context_tags
        self.records: list[SpawnRecord] = []
        self.routing: list[RoutedModel] = []
        self.escalations: list[Escalation] = []
        self.errors: list[str] = []
        self.warnings: list[str] = []
        #: the best final text so far; modes update it so a partial result has an answer
        self.best_output: str | None = None
        self.spent_usd = 0.0
        self.uncosted = 0
        self._slots = asyncio.Semaphore(max_parallel)
        self._running: set[str] = set()
        self._inner: asyncio.Task[ModeResult] | None = None
        self._cancel_requested = False
        self._started = time.monotonic()

    @classmethod
    def for_request(
        cls,
        spawner: Spawner,
        recommender: Recommender,
        req: ModeRequest,
        *,
        requester: ToolContext | None = None,
    ) -> RunContext:
        """A context with the request's limits (USD cap, timeouts, parallelism, user)."""
        return cls(
            spawner,
            recommender,
            max_usd=req.max_usd,
            run_timeout_s=req.run_timeout_s,
            spawn_timeout_s=req.spawn_timeout_s,
            max_parallel=req.max_parallel,
            requester=requester,
            user_key=req.user_key,
            context_tags=tuple(req.context),
        )

    # ------------------------------------------------------------------------------ budget
    @property
    def cap_reached(self) -> bool:
        return self.max_usd is not None and self.spent_usd >= self.max_usd

    def check_budget(self) -> None:
        """Raise :class:`BudgetExceeded` (field ``maxUsd``) once the cap is reached."""
        if self.cap_reached:
            raise BudgetExceeded(
                f"run USD cap of ${self.max_usd:g} reached (spent ${self.spent_usd:.4f}); "
                "no new spawns",
                field="maxUsd",
            )

    # ------------------------------------------------------------------------------ spawning
    async def spawn(
        self,
        *,
        task: str,
        model: str,
        label: str,
        role: str,
        mode: Mode,
        category: Category,
        budget: Budget,
        node_id: str | None = None,
    ) -> SpawnRecord:
        """Run one sub-agent to its end and record it (see the module docstring)."""
        self.check_budget()
        async with self._slots:
            # re-check: spawns that held the slots may have spent the cap meanwhile
            self.check_budget()
            request = SpawnRequest(
                task=task,
                label=label,
                model=model,
                run_timeout_seconds=self.spawn_timeout_s,
                metadata={"smartSpawn": {"mode": mode, "role": role}},
            )
            base = SpawnRecord(
                role=role, label=label, model=model, node_id=node_id, outcome="refused"
            )
            try:
                accepted = await self.spawner.spawn(request, requester=self.requester)
            except BudgetExceeded:
                raise
            except SmartSpawnError as exc:
                return self._add(base.model_copy(update={"error": exc.message}))
            if accepted.status != "accepted" or accepted.run_id is None:
                error = accepted.error or f"spawn {accepted.status}"
                return self._add(base.model_copy(update={"error": error}))
            run_id = accepted.run_id
            base = base.model_copy(update={"run_id": run_id, "model": accepted.model or model})
            record = await self._wait(base, run_id)
        self._add(record)
        if record.outcome != "refused":
            await self._log(record, mode=mode, category=category, budget=budget)
        return record

    async def _wait(self, base: SpawnRecord, run_id: str) -> SpawnRecord:
        self._running.add(run_id)
        try:
            ended = await self.spawner.wait(run_id, timeout=self.spawn_timeout_s + WAIT_GRACE_S)
        except SpawnTimeout:
            await self._cancel_quietly(run_id)
            return base.model_copy(update={"outcome": "timeout", "error": "spawn timed out"})
        except asyncio.CancelledError:
            # the run is being cancelled or timed out: stop the child too, then propagate
            await asyncio.shield(self._cancel_quietly(run_id))
            self._add(base.model_copy(update={"outcome": "cancelled", "error": "run cancelled"}))
            raise
        finally:
            self._running.discard(run_id)
        return _from_ended(base, ended)

    async def _cancel_quietly(self, run_id: str) -> None:
        try:
            await self.spawner.cancel(run_id)
        except Exception:  # cancelling is best effort; the run must still end cleanly
            logger.warning("spawn_cancel_failed", run_id=run_id)

    def _add(self, record: SpawnRecord) -> SpawnRecord:
        self.records.append(record)
        if record.outcome not in ("skipped", "refused"):
            if record.cost_usd is None:
                self.uncosted += 1
            else:
                self.spent_usd += record.cost_usd
        return record

    def skip(
        self, *, role: str, label: str, model: str, reason: str, node_id: str | None = None
    ) -> SpawnRecord:
        """Record a spawn that never started (a failed dependency, a stopped run)."""
        return self._add(
            SpawnRecord(
                role=role,
                label=label,
                model=model,
                node_id=node_id,
                outcome="skipped",
                error=reason,
            )
        )

    async def _log(
        self, record: SpawnRecord, *, mode: Mode, category: Category, budget: Budget
    ) -> None:
        status = record.outcome if record.outcome in ("ok", "error", "timeout") else "cancelled"
        entry = SpawnLogEntry(
            model=record.model,
            category=category,
            budget=budget,
            mode=mode,
            role=record.role,
            context=",".join(self.context_tags) or None,
            prompt_tokens=record.usage.prompt_tokens,
            completion_tokens=record.usage.completion_tokens,
            cost_usd=record.cost_usd,
            duration_ms=record.duration_ms,
            status=status,
            run_id=record.run_id,
        )
        try:
            await self.recommender.log_spawn(entry, user_key=self.user_key)
        except Exception:  # the spawn log must never break a run
            logger.warning("spawn_log_failed", model=record.model, role=record.role)

    # ------------------------------------------------------------------------------ routing
    def route(self, choice: RoutedModel) -> RoutedModel:
        """Note a routing choice for the result's ``routingDecision``."""
        self.routing.append(choice)
        return choice

    def decision(self) -> RoutingDecision:
        confidences = [m.confidence for m in self.routing if m.confidence is not None]
        return RoutingDecision(
            models=list(self.routing), confidence=min(confidences) if confidences else None
        )

    # ------------------------------------------------------------------------------ results
    def finish(self, mode: Mode, status: RunStatus, output: str | None) -> ModeResult:
        """The result of the run from everything recorded so far."""
        usage = Usage()
        for record in self.records:
            usage = usage + record.usage
        return ModeResult(
            mode=mode,
            status=status,
            output=output,
            outputs=list(self.records),
            routing_decision=self.decision(),
            usage=usage,
            cost_usd=round(self.spent_usd, 8),
            uncosted_spawns=self.uncosted,
            duration_ms=int((time.monotonic() - self._started) * 1000),
            escalations=list(self.escalations),
            errors=list(self.errors),
            warnings=list(self.warnings),
        )

    def snapshot(self, mode: Mode, status: RunStatus = "partial") -> ModeResult:
        """The partial result: the best output so far, or the last successful spawn's."""
        output = self.best_output
        if output is None:
            output = next((r.output for r in reversed(self.records) if r.ok and r.output), None)
        return self.finish(mode, status, output)

    # ------------------------------------------------------------------------------ running
    def cancel(self) -> None:
        """Cancel the run: running spawns are cancelled, :meth:`run` returns ``cancelled``."""
        self._cancel_requested = True
        if self._inner is not None and not self._inner.done():
            self._inner.cancel()

    async def run(self, mode: SpawnMode, req: ModeRequest) -> ModeResult:
        """Execute ``mode`` under the run's deadline, cap and cancellation (module docstring)."""
        self._started = time.monotonic()
        inner = asyncio.create_task(mode.execute(req, self), name=f"smart-spawn-{mode.name}")
        self._inner = inner
        if self._cancel_requested:
            inner.cancel()
        try:
            async with asyncio.timeout(self.run_timeout_s):
                return await inner
        except TimeoutError:
            self.errors.append(f"run timed out after {self.run_timeout_s:g}s")
            return self.snapshot(mode.name, "timeout")
        except BudgetExceeded as exc:
            self.errors.append(exc.message)
            return self.snapshot(mode.name, "budget_exceeded")
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._cancel_requested and (task is None or task.cancelling() == 0):
                self.errors.append("run cancelled")
                return self.snapshot(mode.name, "cancelled")
            if not inner.done():
                inner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await inner
            raise


def _from_ended(base: SpawnRecord, ended: SubagentEnded) -> SpawnRecord:
    return base.model_copy(
        update={
            "outcome": ended.outcome,
            "output": ended.output,
            "usage": ended.usage,
            "cost_usd": ended.cost_usd,
            "duration_ms": ended.duration_ms,
            "model": ended.model or base.model,
            "finish_reason": ended.finish_reason,
            "error": ended.error,
        }
    )


class SpawnMode(Protocol):
    """A way of running sub-agents. Implementations are stateless; state lives in the context.

    ``execute`` raises only for bad input (``InvalidInput``) or when nothing can be routed
    (``NoModel``); spawn failures, the USD cap, the run timeout and cancellation are reported in
    the result's ``status`` when run through :func:`smart_spawn_plugin.modes.run_mode`.
    ``recommend`` never spawns and never logs spawns (nothing ran).
    """

    @property
    def name(self) -> Mode:
        """The mode's key in ``MODES``."""
        ...

    async def execute(self, req: ModeRequest, ctx: RunContext) -> ModeResult: ...

    async def recommend(self, req: ModeRequest, ctx: RunContext) -> ModeInstructions: ...
