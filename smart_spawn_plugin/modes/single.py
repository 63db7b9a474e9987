"""single: the best model for the task, one sub-agent."""

from __future__ import annotations

from typing import Literal

from smart_spawn_plugin.models import Budget, Category
from smart_spawn_plugin.modes.base import (
    ModeInstructions,
    ModeRequest,
    ModeResult,
    RunStatus,
    SpawnCall,
)
from smart_spawn_plugin.modes.run import RunContext
from smart_spawn_plugin.modes.support import label, pick, pick_request, role_prompt


class SingleInstructions(ModeInstructions):
    """The original's ``{action:"spawn", model, task, category, budget, reason, source, label}``."""

    action: Literal["spawn"] = "spawn"
    model: str
    task: str
    category: Category
    budget: Budget
    reason: str
    source: str
    label: str


class SingleMode:
    """Pick once (classifying the task when no category is given), spawn once, return it."""

    name: Literal["single"] = "single"

    async def execute(self, req: ModeRequest, ctx: RunContext) -> ModeResult:
        choice = await pick(ctx, pick_request(req), role="primary")
        task, warnings = role_prompt(req, req.task)
        ctx.warnings.extend(warnings)
        record = await ctx.spawn(
            task=task,
            model=choice.model,
            label=label(req, "smart-spawn", choice.category, choice.model),
            role="primary",
            mode=self.name,
            category=choice.category,
            budget=choice.budget,
        )
        status: RunStatus = "ok" if record.ok else "failed"
        if not record.ok:
            ctx.errors.append(f"{record.model}: {record.outcome}: {record.error or ''}".strip())
        return ctx.finish(self.name, status, record.output if record.ok else None)

    async def recommend(self, req: ModeRequest, ctx: RunContext) -> SingleInstructions:
        choice = await pick(ctx, pick_request(req), role="primary")
        task, warnings = role_prompt(req, req.task)
        name = label(req, "smart-spawn", choice.category, choice.model)
        return SingleInstructions(
            mode=self.name,
            model=choice.model,
            task=task,
            category=choice.category,
            budget=choice.budget,
            reason=choice.reason,
            source=choice.source,
            label=name,
            spawns=[SpawnCall(task=task, label=name, model=choice.model, role="primary")],
            routing_decision=ctx.decision(),
            warnings=warnings,
        )
