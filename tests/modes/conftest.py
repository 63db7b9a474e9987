"""Test doubles at the modes' boundaries.

- :class:`FakeSpawner` implements the gateway's ``Spawner`` protocol with scripted sub-agents:
  per-model outputs (a list is consumed in order), usage and cost, failures, and runs that
  block on an ``asyncio.Event`` so tests can order events without wall-clock timing. It records
  every request, the order of starts and ends, cancellations and the peak concurrency.
- :class:`SelectorRecommender` is a ``Recommender`` around the real engine ``Selector`` over the
  small synthetic catalog (the real local routing path, minus the store).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from smart_spawn_plugin.client.base import OutcomeReport, Routed, SpawnLogEntry
from smart_spawn_plugin.contract import (
    Outcome,
    SpawnAccepted,
    SpawnRequest,
    SubagentEnded,
    ToolContext,
    Usage,
)
from smart_spawn_plugin.engine.select.queries import recommend
from smart_spawn_plugin.engine.select.requests import PickRequest, RecommendResult
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.errors import BudgetExceeded, SpawnTimeout
from smart_spawn_plugin.models import Catalog
from smart_spawn_plugin.modes.base import ModeRequest
from smart_spawn_plugin.modes.run import RunContext
from tests.engine.builders import small_catalog

JUDGE_MARK = "strict reviewer"


@dataclass
class Script:
    """What one fake sub-agent does."""

    output: str | None = "a fine answer"
    outcome: Outcome = "ok"
    cost: float | None = 0.01
    usage: Usage = field(
        default_factory=lambda: Usage(prompt_tokens=10, completion_tokens=20, total_tokens=30)
    )
    error: str | None = None
    block: asyncio.Event | None = None


def judge(score: float, reason: str = "ok") -> Script:
    return Script(output=f'{{"score": {score}, "reason": "{reason}"}}', cost=0.001)


Responder = Callable[[SpawnRequest], Script | None]


class FakeSpawner:
    """A scripted ``Spawner`` (see the module docstring)."""

    def __init__(
        self,
        scripts: dict[str, Script | list[Script]] | None = None,
        *,
        responder: Responder | None = None,
        judge_score: float = 9.0,
    ) -> None:
        self.scripts = {k: (v if isinstance(v, list) else [v]) for k, v in (scripts or {}).items()}
        self.responder = responder
        self.judge_score = judge_score
        self.requests: list[SpawnRequest] = []
        self.events: list[tuple[str, str]] = []
        self.cancelled: list[str] = []
        self.running = 0
        self.max_running = 0
        self.refuse_budget = False
        self._ids = itertools.count(1)
        self._tasks: dict[str, asyncio.Task[SubagentEnded]] = {}
        self._labels: dict[str, str] = {}

    def script_for(self, request: SpawnRequest) -> Script:
        if self.responder is not None:
            found = self.responder(request)
            if found is not None:
                return found
        if JUDGE_MARK in request.task:
            return judge(self.judge_score)
        queue = self.scripts.get(request.model or "")
        if queue:
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return Script(output=f"answer from {request.model}")

    @property
    def models(self) -> list[str]:
        return [r.model or "" for r in self.requests]

    @property
    def workers(self) -> list[SpawnRequest]:
        return [r for r in self.requests if JUDGE_MARK not in r.task]

    async def spawn(
        self, request: SpawnRequest, *, requester: ToolContext | None = None
    ) -> SpawnAccepted:
        if self.refuse_budget:
            raise BudgetExceeded("gateway cap", field="maxUsdPerRun")
        self.requests.append(request)
        run_id = f"run-{next(self._ids)}"
        label = request.label or run_id
        self._labels[run_id] = label
        script = self.script_for(request)
        self.events.append(("start", label))
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        self._tasks[run_id] = asyncio.create_task(self._run(run_id, request, script))
        return SpawnAccepted(
            status="accepted",
            run_id=run_id,
            child_session_key=run_id,
            model=request.model,
            label=request.label,
        )

    async def _run(self, run_id: str, request: SpawnRequest, script: Script) -> SubagentEnded:
        try:
            if script.block is not None:
                await script.block.wait()
            else:
                await asyncio.sleep(0)
            return SubagentEnded(
                run_id=run_id,
                child_session_key=run_id,
                outcome=script.outcome,
                output=script.output,
                usage=script.usage,
                cost_usd=script.cost,
                duration_ms=5,
                model=request.model,
                label=request.label,
                error=script.error,
            )
        except asyncio.CancelledError:
            self.cancelled.append(self._labels[run_id])
            return SubagentEnded(
                run_id=run_id,
                child_session_key=run_id,
                outcome="cancelled",
                model=request.model,
                error="cancelled",
            )
        finally:
            self.running -= 1
            self.events.append(("end", self._labels[run_id]))

    async def wait(self, run_id: str, timeout: float | None = None) -> SubagentEnded:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(self._tasks[run_id])
        except TimeoutError as exc:
            raise SpawnTimeout("still running", field="timeout") from exc

    async def cancel(self, run_id: str) -> None:
        task = self._tasks[run_id]
        if not task.done():
            task.cancel()
        await asyncio.wait([task])


class SelectorRecommender:
    """A ``Recommender`` over the real engine selector; records logged spawns."""

    name = "test-local"

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.selector = Selector(catalog or small_catalog())
        self.logged: list[SpawnLogEntry] = []
        self.picks: list[PickRequest] = []

    async def pick(self, request: PickRequest) -> Routed:
        self.picks.append(request)
        return Routed(decision=self.selector.pick(request))

    async def recommend(self, request: PickRequest, count: int) -> RecommendResult:
        return recommend(self.selector, request, count)

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None:
        self.logged.append(entry)

    async def record_outcome(self, report: OutcomeReport, *, user_key: str = "local") -> None:
        return None

    async def aclose(self) -> None:
        return None


@pytest.fixture
def spawner() -> FakeSpawner:
    return FakeSpawner()


@pytest.fixture
def recommender() -> SelectorRecommender:
    return SelectorRecommender()


def make_ctx(
    spawner: FakeSpawner, recommender: SelectorRecommender, req: ModeRequest
) -> RunContext:
    return RunContext.for_request(spawner, recommender, req)


async def instructions(
    mode: str, req: ModeRequest, spawner: FakeSpawner, recommender: SelectorRecommender
) -> dict[str, Any]:
    """A mode's recommend-strategy payload as JSON (camelCase keys)."""
    from smart_spawn_plugin.modes import recommend_mode

    result = await recommend_mode(mode, req, make_ctx(spawner, recommender, req))  # type: ignore[arg-type]
    return result.model_dump(mode="json", by_alias=True)
