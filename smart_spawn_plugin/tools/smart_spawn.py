"""The ``smart_spawn`` tool: route a task to the best model(s) and run it in one of five modes.

Parameters are the original plugin's (task, category, mode, budget, collectiveCount, label,
context, persona, stack, domain, format, guardrails) plus minConfidence, maxEscalation, steps,
categoryWeights and strategy. They map onto a :class:`~smart_spawn_plugin.modes.ModeRequest`
and run through ``MODES[mode]`` in one of two spawn strategies, chosen through
:data:`STRATEGIES` (no if-chain):

- ``execute`` (default when the host offers a spawner): the plugin spawns, waits and returns the
  mode's :class:`~smart_spawn_plugin.modes.ModeResult` (final output, every spawn, routing,
  usage, cost);
- ``recommend`` (``spawnStrategy: recommend``, or no spawner): nothing runs; the answer is the
  original's JSON instructions (``action: spawn|collective|cascade|plan|swarm``) for the agent
  to follow with ``sessions_spawn``.

The tool never raises to the model: bad params become an error result naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError
from pydantic.alias_generators import to_camel

from smart_spawn_plugin.contract import (
    SpawnAccepted,
    Spawner,
    SpawnRequest,
    SubagentEnded,
    ToolCall,
    ToolContext,
    ToolResult,
    ToolSpec,
)
from smart_spawn_plugin.engine.select.budget import concrete_budget
from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.models import BudgetChoice, Category, Mode, Strategy
from smart_spawn_plugin.modes import MODES, ModeRequest, RunContext, recommend_mode, run_mode
from smart_spawn_plugin.modes.base import StepSpec
from smart_spawn_plugin.runtime import Runtime

TOOL_NAME: Final = "smart_spawn"
DESCRIPTION: Final = (
    "Spawn sub-agents on the best model for the task, chosen from real benchmark data, your "
    "budget and your feedback. Use it instead of sessions_spawn unless the user named a model. "
    "Modes: single (one best model), collective (2-5 diverse models, then a merge), cascade "
    "(cheap model first, escalate when the answer is weak), plan (sequential steps), swarm "
    "(parallel DAG of subtasks). Returns the result, or spawn instructions when the gateway is "
    "configured to let you spawn yourself."
)


class SmartSpawnArgs(BaseModel):
    """The tool's parameters (camelCase on the wire). Only ``task`` is required."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    task: str = Field(min_length=1, max_length=100_000, description="What the sub-agent does.")
    category: Category | Literal["auto"] = Field(
        default="auto", description="Task category; auto = classify the task text."
    )
    mode: Mode | None = Field(default=None, description="Spawn mode (default: defaultMode).")
    budget: BudgetChoice | None = Field(
        default=None,
        description="Budget, or auto from the task's complexity (default: defaultBudget).",
    )
    collective_count: int | None = Field(
        default=None, ge=2, le=5, description="Models in collective mode (2-5)."
    )
    label: str | None = Field(default=None, max_length=200, description="Label for the spawns.")
    context: str | list[str] | None = Field(
        default=None, description="Context tags, e.g. 'typescript,nextjs'."
    )
    persona: str | None = Field(default=None, description="Role persona block id.")
    stack: list[str] = Field(default_factory=list, description="Stack block ids.")
    domain: str | None = Field(default=None, description="Domain block id.")
    format: str | None = Field(default=None, description="Output format block id.")
    guardrails: list[str] = Field(default_factory=list, description="Guardrail block ids.")
    min_confidence: float | None = Field(
        default=None, ge=0, le=1, description="Cascade: escalate below this confidence (0-1)."
    )
    max_escalation: int | None = Field(
        default=None, ge=0, le=3, description="Cascade: at most this many escalations."
    )
    steps: list[str | StepSpec] | None = Field(
        default=None, description="Plan/swarm: your own steps instead of automatic splitting."
    )
    category_weights: dict[Category, float] | None = Field(
        default=None, description="Mix categories, e.g. {coding: 2, reasoning: 1}."
    )
    strategy: Strategy | None = Field(default=None, description="Model ranking strategy.")
    max_parallel: int | None = Field(
        default=None, ge=1, le=8, description="Swarm/collective: sub-agents at once (1-8)."
    )


def parameters_schema() -> dict[str, Any]:
    """The JSON Schema the model sees (generated from :class:`SmartSpawnArgs`)."""
    schema = SmartSpawnArgs.model_json_schema(by_alias=True)
    schema.pop("title", None)
    schema.pop("description", None)
    return schema


def mode_request(args: SmartSpawnArgs, runtime: Runtime, *, user_key: str = "local") -> ModeRequest:
    """The mode request: the args, with the settings' defaults for what they leave out."""
    s = runtime.settings
    data: dict[str, object] = {
        "task": args.task,
        "category": None if args.category == "auto" else args.category,
        "budget": concrete_budget(
            args.budget or s.default_budget,
            args.task,
            None if args.category == "auto" else args.category,
        ),
        "collective_count": args.collective_count or s.collective_count,
        "label": args.label,
        "context": args.context or [],
        "persona": args.persona,
        "stack": args.stack,
        "domain": args.domain,
        "format": args.format,
        "guardrails": args.guardrails,
        "steps": args.steps,
        "category_weights": args.category_weights,
        "spawn_timeout_s": s.spawn_timeout,
        "max_usd": s.max_usd_per_run,
        "user_key": user_key,
    }
    optional = {
        "min_confidence": args.min_confidence,
        "max_escalation": args.max_escalation,
        "strategy": args.strategy,
        "max_parallel": args.max_parallel,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    return ModeRequest.parse(data)


class NoSpawner:
    """A ``Spawner`` for the recommend strategy outside a gateway: spawning is refused."""

    async def spawn(
        self, request: SpawnRequest, *, requester: ToolContext | None = None
    ) -> SpawnAccepted:
        return SpawnAccepted(status="forbidden", error="no spawner: recommend strategy only")

    async def wait(self, run_id: str, timeout: float | None = None) -> SubagentEnded:  # noqa: ASYNC109
        raise InvalidParam("no spawner: nothing is running", field="runId")

    async def cancel(self, run_id: str) -> None:
        return None


Run = Callable[[Runtime, Spawner, Mode, ModeRequest, ToolContext | None], Awaitable[JsonValue]]


async def _execute(
    runtime: Runtime, spawner: Spawner, mode: Mode, req: ModeRequest, ctx: ToolContext | None
) -> JsonValue:
    run = RunContext.for_request(spawner, runtime.recommender, req, requester=ctx)
    return _json(await run_mode(mode, req, run))


async def _recommend(
    runtime: Runtime, spawner: Spawner, mode: Mode, req: ModeRequest, ctx: ToolContext | None
) -> JsonValue:
    run = RunContext.for_request(spawner, runtime.recommender, req, requester=ctx)
    return _json(await recommend_mode(mode, req, run))


#: Spawn strategies by name (``spawnStrategy`` config).
STRATEGIES: Final[Mapping[str, Run]] = {"execute": _execute, "recommend": _recommend}


def _json(model: BaseModel) -> JsonValue:
    data: JsonValue = json.loads(model.model_dump_json(by_alias=True))
    return data


async def smart_spawn(
    params: Mapping[str, object],
    runtime: Runtime,
    spawner: Spawner | None,
    *,
    ctx: ToolContext | None = None,
    strategy: str | None = None,
) -> ToolResult:
    """Run the tool. ``strategy`` (or the runtime's ``spawnStrategy``) picks from
    :data:`STRATEGIES`; by default ``execute`` when a spawner exists, else ``recommend``.
    Never raises: every failure is an error ``ToolResult`` naming the field."""
    try:
        args = SmartSpawnArgs.model_validate(dict(params))
        req = mode_request(args, runtime)
        default = "execute" if spawner else "recommend"
        name = strategy or runtime.settings.spawn_strategy or default
        run = STRATEGIES.get(name)
        if run is None:
            raise InvalidParam(
                f"spawnStrategy must be one of {', '.join(STRATEGIES)}", field="spawnStrategy"
            )
        mode = args.mode or runtime.settings.default_mode
        if mode not in MODES:
            raise InvalidParam(
                f"mode {mode!r} is not available (available: {', '.join(MODES)})", field="mode"
            )
        payload = await run(runtime, spawner or NoSpawner(), mode, req, ctx)
    except (SmartSpawnError, ValidationError) as exc:
        return ToolResult.of_error(exc)
    is_error = isinstance(payload, dict) and payload.get("status") == "failed"
    return ToolResult.of_json(payload, is_error=is_error)


def smart_spawn_tool(
    runtime: Callable[[], Runtime], spawner: Callable[[], Spawner | None]
) -> ToolSpec:
    """The ``ToolSpec``; ``runtime()``/``spawner()`` are resolved at call time (lazy open)."""

    async def handler(call: ToolCall, ctx: ToolContext) -> ToolResult:
        return await smart_spawn(call.params, runtime(), spawner(), ctx=ctx)

    return ToolSpec(
        name=TOOL_NAME, description=DESCRIPTION, parameters=parameters_schema(), handler=handler
    )
