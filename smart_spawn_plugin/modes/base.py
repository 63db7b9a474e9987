"""The modes' vocabulary: the typed request, result and instructions.

Every mode (single, collective, cascade, plan, swarm) is one module holding one class that
satisfies :class:`~smart_spawn_plugin.modes.run.SpawnMode` (beside the ``RunContext`` it runs
in); ``modes/__init__`` registers them in ``MODES``, a table keyed by
mode name (no if-chain on a mode string anywhere).

A mode runs in one of two strategies:

- ``execute``: the plugin spawns through the host's ``Spawner`` (held by the ``RunContext``),
  waits, and returns a :class:`ModeResult` with every spawn's output, usage, cost and duration;
- ``recommend``: nothing is spawned; the mode returns :class:`ModeInstructions` (JSON in the
  original plugin's shape) telling the agent which ``sessions_spawn`` calls to make.

Wire shapes are camelCase (``Wire``); Python names are snake_case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Final, Literal

from pydantic import BeforeValidator, Field, StrictInt, ValidationError, field_validator

from smart_spawn_plugin.contract import Usage
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.models import Budget, Category, Mode, Pricing, Strategy, Wire

#: Default bound on text carried from one spawn into another's prompt (per input).
MAX_CARRY_CHARS: Final = 6_000

ModeStrategy = Literal["execute", "recommend"]
RunStatus = Literal["ok", "partial", "failed", "cancelled", "budget_exceeded", "timeout"]
#: A spawn's outcome; ``skipped`` = never started (a dependency failed or the run stopped),
#: ``refused`` = the spawner or the USD cap refused to start it.
SpawnOutcome = Literal["ok", "error", "timeout", "cancelled", "skipped", "refused"]


def _split_tags(value: object) -> object:
    """The original sends ``context`` as a comma string; accept that and a list."""
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    return value


class StepSpec(Wire):
    """A user-given step or DAG node: ``{id, task, dependsOn}``."""

    id: str = Field(min_length=1, max_length=200)
    task: str = Field(min_length=1)
    depends_on: list[str] = Field(default_factory=list)


class ModeRequest(Wire):
    """What a caller asks of a mode. Build it with :meth:`parse` to get ``InvalidParam`` errors.

    ``budget`` is a ceiling for every spawn of the run (cascade never escalates past it).
    ``max_usd`` caps the run's real spend (None = no cap); ``run_timeout_s`` bounds the whole
    run and ``spawn_timeout_s`` each spawn.
    """

    task: str = Field(min_length=1, max_length=100_000)
    category: Category | None = None
    budget: Budget = "medium"
    collective_count: StrictInt = Field(default=3, ge=2, le=5)
    label: str | None = Field(default=None, max_length=200)
    context: Annotated[list[str], BeforeValidator(_split_tags)] = Field(default_factory=list)
    persona: str | None = None
    stack: list[str] = Field(default_factory=list)
    domain: str | None = None
    format: str | None = None
    guardrails: list[str] = Field(default_factory=list)
    min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    max_escalation: StrictInt = Field(default=2, ge=0, le=3)
    steps: list[str | StepSpec] | None = Field(default=None, max_length=50)
    category_weights: dict[Category, float] | None = None
    strategy: Strategy = "balanced"
    max_parallel: StrictInt = Field(default=4, ge=1, le=8)
    judge_model: str | None = None
    merge_model: str | None = None
    spawn_timeout_s: float = Field(default=300.0, gt=0, le=86_400)
    run_timeout_s: float = Field(default=900.0, gt=0, le=86_400)
    max_usd: float | None = Field(default=None, ge=0)
    user_key: str = "local"

    @field_validator("steps")
    @classmethod
    def _steps_not_empty(cls, value: list[str | StepSpec] | None) -> list[str | StepSpec] | None:
        if value is not None and not value:
            raise ValueError("steps must not be empty when given")
        return value

    @property
    def has_role(self) -> bool:
        """Whether any role field was given (then prompts go through the role composer)."""
        return bool(self.persona or self.stack or self.domain or self.format or self.guardrails)

    @classmethod
    def parse(cls, data: Mapping[str, object]) -> ModeRequest:
        """Validate ``data`` (camelCase or snake_case keys); ``InvalidParam`` names the field."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise _invalid(exc) from None


def _invalid(exc: ValidationError) -> InvalidParam:
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"]]
    name = loc[0] if loc else "request"
    field = ModeRequest.model_fields[name].alias if name in ModeRequest.model_fields else name
    field = field or name
    where = ".".join([field, *loc[1:]])
    return InvalidParam(f"{where}: {first['msg']}", field=field)


class RunnerUpOut(Wire):
    id: str
    score: float


class RoutedModel(Wire):
    """One routing choice: which model, for which role, why, and who came close."""

    role: str
    model: str
    category: Category
    budget: Budget
    score: float | None = None
    reason: str
    confidence: float | None = None
    source: str = "local"
    pricing: Pricing | None = None
    runner_ups: list[RunnerUpOut] = Field(default_factory=list)


class RoutingDecision(Wire):
    """Every model a run chose (in order), and the run's overall confidence (lowest choice)."""

    models: list[RoutedModel] = Field(default_factory=list)
    confidence: float | None = None
    notes: list[str] = Field(default_factory=list)


class SpawnRecord(Wire):
    """One spawn as it really happened (or was skipped/refused)."""

    role: str
    label: str
    model: str
    node_id: str | None = None
    run_id: str | None = None
    outcome: SpawnOutcome
    output: str | None = None
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    duration_ms: int = 0
    finish_reason: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class Escalation(Wire):
    """One cascade attempt: the model that really ran, its gate result and what happened next."""

    attempt: int
    model: str
    budget: Budget
    check: str
    score: float | None
    passed: bool
    reason: str
    judge_model: str | None = None


class ModeResult(Wire):
    """The outcome of ``execute``: final text, every spawn, routing, totals and status."""

    mode: Mode
    status: RunStatus
    output: str | None = None
    outputs: list[SpawnRecord] = Field(default_factory=list)
    routing_decision: RoutingDecision = Field(default_factory=RoutingDecision)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    uncosted_spawns: int = 0
    duration_ms: int = 0
    escalations: list[Escalation] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class SpawnCall(Wire):
    """One ``sessions_spawn`` call the agent should make (recommend strategy)."""

    task: str
    label: str
    model: str
    role: str


class ModeInstructions(Wire):
    """Base of every recommend-strategy payload: ``action``, the calls, the routing decision.

    Each mode subclasses it with the original plugin's keys for that mode.
    """

    action: str
    mode: Mode
    spawns: list[SpawnCall] = Field(default_factory=list)
    routing_decision: RoutingDecision = Field(default_factory=RoutingDecision)
    warnings: list[str] = Field(default_factory=list)
