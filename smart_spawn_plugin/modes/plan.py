"""plan: sequential steps, the best model per step's category, earlier results carried forward.

Contract:

- Steps are the caller's (validated; see :mod:`.steps`) or derived by
  ``engine.decompose.decompose``. Every step is routed *before* any spawn, so a step that no
  model can serve fails the run up front (``NoModel`` naming the step) instead of being
  dropped and stalling the rest (the original's §11.34).
- Each step's prompt holds the overall task, the step, and the earlier steps' results, bounded
  to the most recent :data:`CARRY_CHARS` characters in total (recent results matter most).
- **Final answer = the last step's output.** The steps run in sequence and the last one has
  seen the earlier results, so it is the plan's answer; no extra synthesis spawn is made.
- A failed step stops the plan: the remaining steps are recorded as ``skipped`` and the result
  is ``partial`` with the last good output (``failed`` when no step succeeded).
"""

from __future__ import annotations

from typing import Final, Literal

from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.models import Budget, Category, Wire
from smart_spawn_plugin.modes.base import (
    MAX_CARRY_CHARS,
    ModeInstructions,
    ModeRequest,
    ModeResult,
    RoutedModel,
    SpawnCall,
)
from smart_spawn_plugin.modes.run import RunContext
from smart_spawn_plugin.modes.steps import WorkItem, plan_items
from smart_spawn_plugin.modes.support import (
    bounded,
    bounded_tail,
    label,
    pick,
    pick_request,
    role_prompt,
)

#: Total chars of earlier results carried into a step's prompt.
CARRY_CHARS: Final = MAX_CARRY_CHARS
TASK_CHARS: Final = 4_000


class PlanSubtask(Wire):
    step: int
    id: str
    task: str
    category: Category
    model: str
    budget: Budget
    reason: str
    label: str


class PlanInstructions(ModeInstructions):
    """The original's plan payload: ``subtasks``, ``originalTask``, ``totalSteps``, a hint."""

    action: Literal["plan"] = "plan"
    subtasks: list[PlanSubtask]
    original_task: str
    total_steps: int
    execution_hint: str


def step_prompt(overall: str, step: str, earlier: list[tuple[str, str]]) -> str:
    """The step's task with the overall goal and earlier results (bounded, newest kept)."""
    parts = [
        "You are doing one step of a larger task.",
        f"\nOVERALL TASK:\n{bounded(overall, TASK_CHARS)}",
        f"\nTHIS STEP:\n{step}",
    ]
    if earlier:
        carried = "\n\n".join(f"### {sid}\n{out.strip()}" for sid, out in earlier)
        parts.append(f"\nRESULTS OF EARLIER STEPS:\n{bounded_tail(carried, CARRY_CHARS)}")
    return "\n".join(parts)


class PlanMode:
    name: Literal["plan"] = "plan"

    async def _route(self, req: ModeRequest, ctx: RunContext) -> list[tuple[WorkItem, RoutedModel]]:
        items, warnings = plan_items(req)
        ctx.warnings.extend(warnings)
        routed = []
        for n, item in enumerate(items, start=1):
            request = pick_request(req, task=item.task, category=item.category, budget=item.budget)
            try:
                choice = await pick(ctx, request, role=f"plan_step_{n}")
            except NoModel as exc:
                raise NoModel(f"step {item.id!r}: {exc.message}", budget=item.budget) from exc
            routed.append((item, choice))
        return routed

    async def execute(self, req: ModeRequest, ctx: RunContext) -> ModeResult:
        routed = await self._route(req, ctx)
        earlier: list[tuple[str, str]] = []
        for n, (item, choice) in enumerate(routed, start=1):
            step_task, warnings = role_prompt(req, item.task)
            ctx.warnings.extend(warnings)
            record = await ctx.spawn(
                task=step_prompt(req.task, step_task, earlier),
                model=choice.model,
                label=label(req, f"smart-spawn-plan-{n}", choice.category, choice.model),
                role=choice.role,
                mode=self.name,
                category=choice.category,
                budget=choice.budget,
                node_id=item.id,
            )
            if not record.ok or not (record.output or "").strip():
                ctx.errors.append(f"step {item.id} {record.outcome}: {record.error or 'empty'}")
                for later, later_choice in routed[n:]:
                    ctx.skip(
                        role=later_choice.role,
                        label=later.id,
                        model=later_choice.model,
                        reason=f"step {item.id} failed",
                        node_id=later.id,
                    )
                return ctx.finish(
                    self.name,
                    "partial" if earlier else "failed",
                    earlier[-1][1] if earlier else None,
                )
            earlier.append((item.id, record.output or ""))
            ctx.best_output = record.output
        return ctx.finish(self.name, "ok", earlier[-1][1] if earlier else None)

    async def recommend(self, req: ModeRequest, ctx: RunContext) -> PlanInstructions:
        routed = await self._route(req, ctx)
        subtasks: list[PlanSubtask] = []
        warnings = list(ctx.warnings)
        for n, (item, choice) in enumerate(routed, start=1):
            step_task, role_warnings = role_prompt(req, item.task)
            warnings.extend(role_warnings)
            subtasks.append(
                PlanSubtask(
                    step=n,
                    id=item.id,
                    task=step_task,
                    category=choice.category,
                    model=choice.model,
                    budget=choice.budget,
                    reason=choice.reason,
                    label=label(req, f"smart-spawn-plan-{n}", choice.category, choice.model),
                )
            )
        return PlanInstructions(
            mode=self.name,
            subtasks=subtasks,
            original_task=req.task,
            total_steps=len(subtasks),
            execution_hint=(
                "Run the steps in order, one at a time. Give each step the overall task and "
                f"the results of the earlier steps (the most recent ~{CARRY_CHARS} characters). "
                "The last step's output is the final answer."
            ),
            spawns=[
                SpawnCall(task=s.task, label=s.label, model=s.model, role=f"plan_step_{s.step}")
                for s in subtasks
            ],
            routing_decision=ctx.decision(),
            warnings=warnings,
        )
