"""Local sub-agent runs: the reference gateway's ``Spawner``.

Each accepted spawn runs as an asyncio task: one chat completion (system prompt + task) through
the executor, bounded by a per-spawn timeout and a concurrency semaphore, costed against the
run's USD budget. The spawn hooks fire here: ``before_spawn`` (gate), ``resolve_spawn_model``
(routing, fail-open), ``subagent_spawned`` and, exactly once per accepted spawn,
``subagent_ended``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping

from pluggy import HookImpl, HookRelay

from smart_spawn_plugin.contract import (
    JsonObject,
    ModelChoice,
    Outcome,
    SpawnAccepted,
    SpawnContext,
    SpawnRequest,
    SubagentEnded,
    ToolContext,
    Usage,
)
from smart_spawn_plugin.errors import BudgetExceeded, NotFound, SmartSpawnError, SpawnTimeout
from smart_spawn_plugin.gateway.calling import call_hook, gate_spawn, resolve_model
from smart_spawn_plugin.gateway.executor import Executor
from smart_spawn_plugin.gateway.messages import ChatMessage, Completion
from smart_spawn_plugin.gateway.types import HostAPI
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.settings import GatewaySettings, Settings

logger = get_logger(__name__)

ACCEPTED_NOTE = (
    "The sub-agent runs in the background; its result is announced when it ends. "
    "Do not poll for it."
)


class RunBudget:
    """The USD cap of one run: what has been spent, and whether another spawn may start.

    The check is made before a spawn starts and the actual cost is recorded when it ends, so
    spawns already running when the cap is reached may overshoot it by their own cost; no new
    one starts after. Spawns whose cost is unknown are counted in ``uncosted``.
    """

    def __init__(self, cap_usd: float) -> None:
        self.cap_usd = cap_usd
        self.spent_usd = 0.0
        self.uncosted = 0

    @property
    def remaining_usd(self) -> float:
        return max(self.cap_usd - self.spent_usd, 0.0)

    def check(self) -> None:
        """Raise ``BudgetExceeded`` once the cap is spent."""
        if self.spent_usd >= self.cap_usd:
            raise BudgetExceeded(
                f"run budget of ${self.cap_usd:.2f} is spent (${self.spent_usd:.4f}); "
                "no new sub-agents in this run",
                field="maxUsdPerRun",
            )

    def record(self, cost_usd: float | None) -> None:
        if cost_usd is None:
            self.uncosted += 1
        else:
            self.spent_usd += cost_usd


class LocalSpawner:
    """Runs sub-agents in-process. ``config_for(impl)`` gives the config of an impl's plugin."""

    def __init__(
        self,
        *,
        hooks: HookRelay,
        host: HostAPI,
        executor: Executor,
        settings: Settings,
        config: GatewaySettings,
        budget: RunBudget,
        config_for: Callable[[HookImpl], JsonObject],
    ) -> None:
        self._hooks = hooks
        self._host = host
        self._executor = executor
        self._settings = settings
        self._config = config
        self.budget = budget
        self._config_for = config_for
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        self._runs: dict[str, asyncio.Task[SubagentEnded]] = {}
        self._closed = False
        #: finished runs not yet announced to the requester (drained by the chat loop)
        self.announcements: list[SubagentEnded] = []

    def _per_impl(self, ctx: SpawnContext) -> Callable[[HookImpl], Mapping[str, object]]:
        return lambda impl: {
            "ctx": ctx.model_copy(update={"plugin_config": self._config_for(impl)})
        }

    async def spawn(
        self, request: SpawnRequest, *, requester: ToolContext | None = None
    ) -> SpawnAccepted:
        """Start a sub-agent (see ``Spawner.spawn``); never waits for it to finish."""
        if self._closed:
            return SpawnAccepted(status="error", error="the gateway is stopped")
        requester = requester or ToolContext()
        ctx = SpawnContext(
            requester_session_key=requester.session_key,
            run_id=requester.run_id,
            depth=requester.depth + 1,
        )
        if ctx.depth > self._config.max_spawn_depth:
            return SpawnAccepted(
                status="forbidden",
                error=f"spawn depth {ctx.depth} exceeds maxSpawnDepth "
                f"{self._config.max_spawn_depth}",
            )
        self.budget.check()
        timeout = self._config.hook_timeout_seconds
        request, block = await gate_spawn(
            self._hooks.before_spawn,
            request,
            budget_s=timeout,
            per_impl=self._per_impl(ctx),
            host=self._host,
        )
        if block is not None:
            logger.info("spawn_blocked", reason=block, label=request.label)
            return SpawnAccepted(status="forbidden", error=block, label=request.label)
        choice = await resolve_model(
            self._hooks.resolve_spawn_model,
            request,
            default_model=self._config.default_model,
            budget_s=timeout,
            per_impl=self._per_impl(ctx),
            host=self._host,
        )
        return await self._start(request, choice, ctx)

    async def _start(
        self, request: SpawnRequest, choice: ModelChoice, ctx: SpawnContext
    ) -> SpawnAccepted:
        run_id = uuid.uuid4().hex
        key = f"agent:{request.agent_id or 'main'}:subagent:{run_id}"
        ctx = ctx.model_copy(update={"run_id": run_id})
        self._runs[run_id] = asyncio.create_task(
            self._run(run_id, key, request, choice, ctx), name=f"subagent-{run_id}"
        )
        accepted = SpawnAccepted(
            status="accepted",
            run_id=run_id,
            child_session_key=key,
            model=choice.model,
            model_applied=True,
            choice=choice,
            mode=request.mode,
            label=request.label,
            note=ACCEPTED_NOTE,
        )
        logger.info("subagent_spawned", run_id=run_id, model=choice.model, source=choice.source)
        await call_hook(
            self._hooks.subagent_spawned,
            budget_s=self._config.hook_timeout_seconds,
            per_impl=self._per_impl(ctx),
            accepted=accepted,
            request=request,
            host=self._host,
        )
        return accepted

    def _messages(self, request: SpawnRequest) -> list[ChatMessage]:
        task = request.task
        for attachment in request.attachments:
            if attachment.encoding == "utf8":
                task += f"\n\n--- attachment {attachment.name} ---\n{attachment.content}"
        return [ChatMessage.system(self._config.system_prompt), ChatMessage.user(task)]

    async def _run(
        self,
        run_id: str,
        key: str,
        request: SpawnRequest,
        choice: ModelChoice,
        ctx: SpawnContext,
    ) -> SubagentEnded:
        limit = request.run_timeout_seconds or self._settings.spawn_timeout
        completion: Completion | None = None
        error: str | None = None
        outcome: Outcome
        started = time.monotonic()
        try:
            async with self._semaphore:
                started = time.monotonic()  # the timeout and duration cover running, not queueing
                async with asyncio.timeout(limit):
                    completion = await self._executor.complete(
                        choice.model, self._messages(request)
                    )
            outcome = "ok"
        except TimeoutError:
            outcome, error = "timeout", f"no result within {limit:g}s"
        except asyncio.CancelledError:
            # cancellation is an outcome to report, not an error to propagate: mark it handled
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            outcome, error = "cancelled", "cancelled"
        except SmartSpawnError as exc:
            outcome, error = "error", exc.message
        except Exception as exc:  # a child must always end with an event, whatever broke
            logger.exception("subagent_crashed", run_id=run_id)
            outcome, error = "error", f"{type(exc).__name__}: {exc}"
        cost = completion.cost_usd if completion else None
        if completion is not None:
            self.budget.record(cost)
        ended = SubagentEnded(
            run_id=run_id,
            child_session_key=key,
            outcome=outcome,
            output=completion.content if completion else None,
            usage=completion.usage if completion else Usage(),
            cost_usd=cost,
            duration_ms=int((time.monotonic() - started) * 1000),
            model=completion.model if completion else choice.model,
            label=request.label,
            error=error,
            finish_reason=completion.finish_reason if completion else None,
        )
        logger.info(
            "subagent_ended", run_id=run_id, outcome=outcome, cost_usd=cost, model=ended.model
        )
        self.announcements.append(ended)
        await call_hook(
            self._hooks.subagent_ended,
            budget_s=self._config.hook_timeout_seconds,
            per_impl=self._per_impl(ctx),
            ended=ended,
            host=self._host,
        )
        return ended

    def _task(self, run_id: str) -> asyncio.Task[SubagentEnded]:
        task = self._runs.get(run_id)
        if task is None:
            raise NotFound(f"no sub-agent run {run_id!r}", field="runId")
        return task

    async def wait(self, run_id: str, timeout: float | None = None) -> SubagentEnded:  # noqa: ASYNC109  # the Spawner contract
        """Wait for a run to end; ``SpawnTimeout`` after ``timeout`` s (the run goes on)."""
        task = self._task(run_id)
        try:
            async with asyncio.timeout(timeout):
                # shield: a waiter giving up must not cancel the sub-agent itself
                return await asyncio.shield(task)
        except TimeoutError as error:
            raise SpawnTimeout(
                f"sub-agent {run_id} still running after {timeout:g}s", field="timeout"
            ) from error

    async def cancel(self, run_id: str) -> None:
        """Cancel a run and wait until it has ended (and ``subagent_ended`` has fired)."""
        task = self._task(run_id)
        if not task.done():
            task.cancel()
        await asyncio.wait([task])

    def drain_announcements(self) -> list[SubagentEnded]:
        """The runs that ended since the last call (for the requester's next turn)."""
        ended, self.announcements = self.announcements, []
        return ended

    @property
    def running(self) -> list[str]:
        return [run_id for run_id, task in self._runs.items() if not task.done()]

    async def shutdown(self) -> None:
        """Refuse new spawns, cancel the running ones and wait for them to end."""
        self._closed = True
        tasks = [task for task in self._runs.values() if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
