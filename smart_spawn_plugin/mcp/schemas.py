"""Typed arguments of the MCP run tools (stored as a run's ``params_json``).

The tool functions declare these types, so the SDK publishes them as the tools' JSON Schema and
rejects a bad call with an error result naming the field; the runner re-validates the stored
JSON before a (possibly recovered) run starts.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from smart_spawn_plugin.models import Budget, Category, Mode

Task = Annotated[str, Field(min_length=1, max_length=100_000, description="The task to run.")]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RoleArgs(_Args):
    """Role blocks for the sub-agents' prompts (see the ``roles_compose`` tool for block ids)."""

    persona: str | None = Field(default=None, max_length=100)
    stack: list[str] = Field(default_factory=list, max_length=20)
    domain: str | None = Field(default=None, max_length=100)
    format: str | None = Field(default=None, max_length=100)
    guardrails: list[str] = Field(default_factory=list, max_length=20)


class RunLimits(_Args):
    """Per-run limits; each may only tighten the server's cap of the same name."""

    max_usd: float | None = Field(
        default=None, gt=0, description="USD cap of this run (≤ MAX_USD_PER_RUN)."
    )
    node_timeout_seconds: float | None = Field(
        default=None, gt=0, description="Per-node timeout (≤ NODE_TIMEOUT_SECONDS)."
    )
    run_timeout_seconds: float | None = Field(
        default=None, gt=0, description="Whole-run timeout (≤ RUN_TIMEOUT_SECONDS)."
    )
    max_parallel_nodes: StrictInt | None = Field(
        default=None, ge=1, description="Nodes at once (≤ MAX_PARALLEL_NODES_PER_RUN)."
    )


class RunCreateArgs(_Args):
    """What ``smartspawn_run_create`` takes."""

    task: Task
    mode: Mode
    budget: Budget = "medium"
    category: Category | None = None
    context: list[str] = Field(default_factory=list, max_length=20)
    collective_count: StrictInt = Field(default=3, ge=2, le=5)
    role: RoleArgs | None = None
    merge_model: str | None = Field(default=None, max_length=200)
    label: str | None = Field(default=None, max_length=200)
    limits: RunLimits = Field(default_factory=RunLimits)
