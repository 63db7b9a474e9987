"""collective: N (2–5) diverse models answer in parallel; a merge sub-agent writes the consensus.

Diversity: the recommender's ``recommend`` already spreads picks over providers (best of each
provider first); we ask it for the maximum (5) and choose N greedily, preferring at each step a
model that adds a new provider, then a new base model (never two variants of one base when an
alternative exists), then a new *strength* (the category the model scores best in), ties broken
by rank. The merge prompt asks for the consensus and names disagreements; individual outputs
stay in the result. A failed member does not sink the run: the rest are merged (``partial``).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from smart_spawn_plugin.engine.select.queries import MAX_RECOMMEND
from smart_spawn_plugin.engine.select.requests import Recommendation
from smart_spawn_plugin.errors import BudgetExceeded, NoModel
from smart_spawn_plugin.models import Budget, Category, ModelRecord, Wire
from smart_spawn_plugin.modes.base import (
    ModeInstructions,
    ModeRequest,
    ModeResult,
    RoutedModel,
    RunnerUpOut,
    RunStatus,
    SpawnCall,
    SpawnRecord,
)
from smart_spawn_plugin.modes.merge import merge_prompt, merge_template
from smart_spawn_plugin.modes.run import RunContext
from smart_spawn_plugin.modes.support import label, merge_model, pick_request, role_prompt


class CollectiveModel(Wire):
    id: str
    reason: str
    label: str


class CollectiveInstructions(ModeInstructions):
    """The original's collective payload plus the merge model and its instructions."""

    action: Literal["collective"] = "collective"
    models: list[CollectiveModel]
    task: str
    category: Category
    budget: Budget
    count: int
    merge_label: str
    merge_model: str
    merge_instructions: str
    execution_hint: str


def strength(model: ModelRecord) -> str:
    """The category a model scores best in (its strong suit), ``general`` when unscored."""
    return max(model.scores.items(), key=lambda kv: kv[1])[0] if model.scores else "general"


def _novelty(item: Recommendation, chosen: list[Recommendation]) -> tuple[bool, bool, bool]:
    """What ``item`` adds to ``chosen``: (new provider, new base model, new strength)."""
    m = item.model
    return (
        all(c.model.provider != m.provider for c in chosen),
        all((c.model.base_id or c.model.id) != (m.base_id or m.id) for c in chosen),
        all(strength(c.model) != strength(m) for c in chosen),
    )


def choose_diverse(items: list[Recommendation], count: int) -> list[Recommendation]:
    """Pick ``count`` items, greedily maximising new provider, new base model, new strength.

    ``items`` come best-ranked first; ``max`` keeps the first among equals, so rank breaks ties.
    """
    chosen: list[Recommendation] = []
    pool = list(items)
    while pool and len(chosen) < count:
        best = max(pool, key=lambda item: _novelty(item, chosen))
        chosen.append(best)
        pool.remove(best)
    return chosen


class CollectiveMode:
    name: Literal["collective"] = "collective"

    async def _members(
        self, req: ModeRequest, ctx: RunContext
    ) -> tuple[list[RoutedModel], Category, Budget]:
        result = await ctx.recommender.recommend(pick_request(req), MAX_RECOMMEND)
        if not result.data:
            raise NoModel(
                f"No model found for a collective at budget={req.budget}", budget=req.budget
            )
        chosen = choose_diverse(result.data, req.collective_count)
        if len(chosen) < req.collective_count:
            ctx.warnings.append(
                f"only {len(chosen)} model(s) qualify; collective of {req.collective_count} asked"
            )
        spare = [RunnerUpOut(id=r.model.id, score=r.score) for r in result.data if r not in chosen]
        category, budget = result.meta.task, result.meta.budget
        members = [
            ctx.route(
                RoutedModel(
                    role=f"collective_worker_{i}",
                    model=r.model.id,
                    category=category,
                    budget=budget,
                    score=r.score,
                    reason=r.reason,
                    confidence=r.confidence,
                    runner_ups=spare,
                )
            )
            for i, r in enumerate(chosen, start=1)
        ]
        return members, category, budget

    async def execute(self, req: ModeRequest, ctx: RunContext) -> ModeResult:
        members, category, budget = await self._members(req, ctx)
        task, warnings = role_prompt(req, req.task)
        ctx.warnings.extend(warnings)

        async def run(member: RoutedModel, index: int) -> SpawnRecord:
            name = label(req, f"smart-spawn-collective-{index}", category, member.model)
            try:
                return await ctx.spawn(
                    task=task,
                    model=member.model,
                    label=name,
                    role=member.role,
                    mode=self.name,
                    category=category,
                    budget=budget,
                    node_id=f"member-{index}",
                )
            except BudgetExceeded as exc:
                return ctx.skip(
                    role=member.role,
                    label=name,
                    model=member.model,
                    reason=exc.message,
                    node_id=f"member-{index}",
                )

        records = await asyncio.gather(*(run(m, i) for i, m in enumerate(members, start=1)))
        ok = [r for r in records if r.ok and (r.output or "").strip()]
        for r in records:
            if r not in ok:
                ctx.errors.append(f"{r.label}: {r.outcome}: {r.error or 'empty output'}")
        if not ok:
            return ctx.finish(self.name, "failed", None)
        ctx.best_output = ok[0].output
        if len(ok) == 1:
            ctx.warnings.append("only one member answered; nothing to merge")
            return ctx.finish(self.name, "partial", ok[0].output)
        merger = await merge_model(ctx, req)
        merged = await ctx.spawn(
            task=merge_prompt(req.task, ok, "consensus"),
            model=merger.model,
            label=label(req, "smart-spawn-merge", category, merger.model),
            role="collective_merge",
            mode=self.name,
            category=merger.category,
            budget=merger.budget,
            node_id="merge",
        )
        if not merged.ok or not (merged.output or "").strip():
            ctx.errors.append(f"merge failed ({merged.outcome}); returning the top answer")
            return ctx.finish(self.name, "partial", ok[0].output)
        status: RunStatus = "ok" if len(ok) == len(members) else "partial"
        return ctx.finish(self.name, status, merged.output)

    async def recommend(self, req: ModeRequest, ctx: RunContext) -> CollectiveInstructions:
        members, category, budget = await self._members(req, ctx)
        merger = await merge_model(ctx, req)
        task, warnings = role_prompt(req, req.task)
        models = [
            CollectiveModel(
                id=m.model,
                reason=m.reason,
                label=label(req, f"smart-spawn-collective-{i}", category, m.model),
            )
            for i, m in enumerate(members, start=1)
        ]
        merge_label = f"smart-spawn-merge: {category}"
        return CollectiveInstructions(
            mode=self.name,
            models=models,
            task=task,
            category=category,
            budget=budget,
            count=len(models),
            merge_label=merge_label,
            merge_model=merger.model,
            merge_instructions=merge_template("consensus"),
            execution_hint=(
                "Spawn every model with the same task in parallel; when all have answered, "
                f"spawn {merger.model} (label {merge_label!r}) with the merge instructions, the "
                "task and each answer (about 6000 characters each at most)."
            ),
            spawns=[
                SpawnCall(task=task, label=m.label, model=m.id, role=f"collective_worker_{i}")
                for i, m in enumerate(models, start=1)
            ],
            routing_decision=ctx.decision(),
            warnings=[*ctx.warnings, *warnings],
        )
