"""swarm: a DAG of sub-tasks, each started as soon as its own dependencies finish; a final merge.

Contract (fixing the original's §11.33 batch scheduling and §11.34 stalls):

- The graph is the caller's (``steps`` with ``dependsOn``, validated: a cycle or an unknown
  dependency is ``InvalidParam`` naming it) or ``engine.decompose.swarm``'s inferred DAG.
- Every node is routed before any spawn (best model for the node's category within its budget,
  capped at the user's); the node's persona guess shapes its role prompt (the caller's persona
  is the fallback), with the caller's stack/domain/format/guardrails.
- **Scheduling**: an ``asyncio.wait(FIRST_COMPLETED)`` loop starts every ready node (all
  dependencies succeeded) while fewer than ``maxParallel`` run — never in waves.
- A failed node's dependants (transitively) are recorded ``skipped`` with the reason; they are
  never left waiting. Once the USD cap is reached no node starts; running ones finish, the rest
  are skipped, and the status is ``budget_exceeded``.
- Each node's prompt carries its dependencies' outputs, :data:`CARRY_CHARS` in total.
- **Final answer**: a merge sub-agent synthesises every successful node's output (topological
  order); with a single node, its output is the answer.
"""

from __future__ import annotations

import asyncio
from typing import Final, Literal

from smart_spawn_plugin.engine.plan.dag import TaskGraph, Wave
from smart_spawn_plugin.errors import BudgetExceeded, NoModel
from smart_spawn_plugin.models import Budget, Category, Wire
from smart_spawn_plugin.modes.base import (
    MAX_CARRY_CHARS,
    ModeInstructions,
    ModeRequest,
    ModeResult,
    RoutedModel,
    RunStatus,
    SpawnCall,
    SpawnRecord,
)
from smart_spawn_plugin.modes.estimate import PlannedSpawn, RunCostEstimate, estimate_run
from smart_spawn_plugin.modes.merge import merge_prompt, merge_template
from smart_spawn_plugin.modes.run import RunContext
from smart_spawn_plugin.modes.steps import WorkItem, swarm_items
from smart_spawn_plugin.modes.support import (
    bounded,
    label,
    merge_model,
    pick,
    pick_request,
    role_parts,
    role_prompt,
)

CARRY_CHARS: Final = MAX_CARRY_CHARS
TASK_CHARS: Final = 4_000

Node = tuple[WorkItem, RoutedModel]


class SwarmTaskOut(Wire):
    """One planned node: its own ``task`` text, the model routed for its category, the
    ``persona`` chosen for *this* node, its ``systemPrompt`` (the composed role part, empty
    without a role) and ``prompt`` (what would be spawned, before the dependencies' outputs)."""

    id: str
    task: str
    category: Category
    model: str
    budget: Budget
    persona: str | None
    depends_on: list[str]
    wave: int
    reason: str
    label: str
    system_prompt: str = ""
    prompt: str = ""


class SwarmDagOut(Wire):
    tasks: list[SwarmTaskOut]
    waves: list[Wave]
    edges: list[dict[str, str]]
    total_tasks: int
    total_waves: int


class SwarmInstructions(ModeInstructions):
    """The original's swarm payload (``dag``, ``originalTask``, hint) plus the merge step."""

    action: Literal["swarm"] = "swarm"
    dag: SwarmDagOut
    original_task: str
    max_parallel: int
    merge_model: str
    merge_label: str
    merge_instructions: str
    execution_hint: str
    estimated_cost: RunCostEstimate | None = None


def node_prompt(overall: str, task: str, deps: list[SpawnRecord]) -> str:
    """The node's task with the overall goal and its dependencies' outputs (bounded)."""
    parts = [
        "You are doing one part of a larger task.",
        f"\nOVERALL TASK:\n{bounded(overall, TASK_CHARS)}",
        f"\nYOUR PART:\n{task}",
    ]
    if deps:
        each = max(CARRY_CHARS // len(deps), 500)
        carried = "\n\n".join(
            f"### {d.node_id}\n{bounded((d.output or '').strip(), each)}" for d in deps
        )
        parts.append(f"\nRESULTS YOUR PART DEPENDS ON:\n{carried}")
    return "\n".join(parts)


class SwarmMode:
    name: Literal["swarm"] = "swarm"

    async def _route(self, req: ModeRequest, ctx: RunContext) -> tuple[list[Node], TaskGraph]:
        items, graph, warnings = swarm_items(req)
        ctx.warnings.extend(warnings)
        nodes: list[Node] = []
        for item in items:
            request = pick_request(req, task=item.task, category=item.category, budget=item.budget)
            try:
                choice = await pick(ctx, request, role=f"swarm_{item.id}")
            except NoModel as exc:
                raise NoModel(f"task {item.id!r}: {exc.message}", budget=item.budget) from exc
            nodes.append((item, choice))
        return nodes, graph

    async def _spawn(
        self, req: ModeRequest, ctx: RunContext, node: Node, results: dict[str, SpawnRecord]
    ) -> SpawnRecord:
        item, choice = node
        task, warnings = role_prompt(req, item.task, persona=item.persona)
        ctx.warnings.extend(w for w in warnings if w not in ctx.warnings)
        return await ctx.spawn(
            task=node_prompt(req.task, task, [results[d] for d in item.depends_on]),
            model=choice.model,
            label=label(req, f"smart-spawn-{item.id}", choice.category, choice.model),
            role=choice.role,
            mode=self.name,
            category=choice.category,
            budget=choice.budget,
            node_id=item.id,
        )

    async def _schedule(
        self, req: ModeRequest, ctx: RunContext, nodes: list[Node], graph: TaskGraph
    ) -> tuple[dict[str, SpawnRecord], str | None]:
        """Run the DAG; return each succeeded node's record and why the run stopped, if so."""
        by_id = {item.id: (item, choice) for item, choice in nodes}
        results: dict[str, SpawnRecord] = {}
        settled: set[str] = set()
        running: dict[asyncio.Task[SpawnRecord], str] = {}
        stopped: str | None = None
        try:
            while True:
                self._skip_blocked(ctx, by_id, results, settled, set(running.values()))
                if stopped is None:
                    active = set(running.values())
                    for node_id in graph.ready(set(results)):
                        if len(running) >= req.max_parallel:
                            break
                        if node_id in settled or node_id in active:
                            continue
                        coro = self._spawn(req, ctx, by_id[node_id], results)
                        running[asyncio.create_task(coro)] = node_id
                if not running:
                    break
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    node_id = running.pop(task)
                    settled.add(node_id)
                    stopped = self._settle(ctx, by_id[node_id], task, results) or stopped
        except BaseException:  # cancelled, timed out or broken: never leave children running
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise
        for item, choice in nodes:
            if item.id not in settled:
                ctx.skip(
                    role=choice.role,
                    label=item.id,
                    model=choice.model,
                    reason=stopped or "not reached",
                    node_id=item.id,
                )
        return results, stopped

    @staticmethod
    def _settle(
        ctx: RunContext,
        node: Node,
        task: asyncio.Task[SpawnRecord],
        results: dict[str, SpawnRecord],
    ) -> str | None:
        """Book a finished node; return the stop reason when the USD cap refused it."""
        item, choice = node
        error = task.exception()
        if isinstance(error, BudgetExceeded):
            ctx.skip(
                role=choice.role,
                label=item.id,
                model=choice.model,
                reason=error.message,
                node_id=item.id,
            )
            return error.message
        if error is not None:
            raise error
        record = task.result()
        if record.ok and (record.output or "").strip():
            results[item.id] = record
        else:
            ctx.errors.append(f"task {item.id} {record.outcome}: {record.error or 'empty'}")
        return None

    @staticmethod
    def _skip_blocked(
        ctx: RunContext,
        by_id: dict[str, Node],
        results: dict[str, SpawnRecord],
        settled: set[str],
        running: set[str],
    ) -> None:
        """Mark skipped every unsettled node with a settled, unsuccessful dependency."""
        changed = True
        while changed:
            changed = False
            for node_id, (item, choice) in by_id.items():
                if node_id in settled or node_id in running:
                    continue
                bad = [d for d in item.depends_on if d in settled and d not in results]
                if bad:
                    ctx.skip(
                        role=choice.role,
                        label=node_id,
                        model=choice.model,
                        reason=f"dependency {bad[0]} did not succeed",
                        node_id=node_id,
                    )
                    settled.add(node_id)
                    changed = True

    async def execute(self, req: ModeRequest, ctx: RunContext) -> ModeResult:
        nodes, graph = await self._route(req, ctx)
        results, stopped = await self._schedule(req, ctx, nodes, graph)
        ordered = [results[n] for n in graph.topological_order() if n in results]
        if ordered:
            ctx.best_output = ordered[-1].output
        if stopped is not None:
            ctx.errors.append(stopped)
            return ctx.snapshot(self.name, "budget_exceeded")
        if not ordered:
            return ctx.finish(self.name, "failed", None)
        status: RunStatus = "ok" if len(ordered) == len(nodes) else "partial"
        if len(nodes) == 1:
            return ctx.finish(self.name, status, ordered[0].output)
        merger = await merge_model(ctx, req, role="swarm_merge")
        merged = await ctx.spawn(
            task=merge_prompt(req.task, ordered, "synthesis"),
            model=merger.model,
            label=label(req, "smart-spawn-merge", merger.category, merger.model),
            role="swarm_merge",
            mode=self.name,
            category=merger.category,
            budget=merger.budget,
            node_id="merge",
        )
        if not merged.ok or not (merged.output or "").strip():
            ctx.errors.append(f"merge failed ({merged.outcome}); returning the last task output")
            return ctx.finish(self.name, "partial", ordered[-1].output)
        return ctx.finish(self.name, status, merged.output)

    async def recommend(self, req: ModeRequest, ctx: RunContext) -> SwarmInstructions:
        nodes, graph = await self._route(req, ctx)
        merger = await merge_model(ctx, req, role="swarm_merge")
        waves = graph.waves(req.max_parallel)
        wave_of = {node_id: w.wave for w in waves for node_id in w.task_ids}
        tasks: list[SwarmTaskOut] = []
        planned: list[PlannedSpawn] = []
        for item, choice in nodes:
            system, full, warnings = role_parts(req, item.task, persona=item.persona)
            ctx.warnings.extend(w for w in warnings if w not in ctx.warnings)
            tasks.append(
                SwarmTaskOut(
                    id=item.id,
                    task=item.task,
                    category=choice.category,
                    model=choice.model,
                    budget=choice.budget,
                    persona=item.persona or req.persona,
                    depends_on=item.depends_on,
                    wave=wave_of[item.id],
                    reason=choice.reason,
                    label=label(req, f"smart-spawn-{item.id}", choice.category, choice.model),
                    system_prompt=system,
                    prompt=full,
                )
            )
            planned.append(
                PlannedSpawn(
                    id=item.id,
                    model=choice.model,
                    category=choice.category,
                    prompt=node_prompt(req.task, full, []),
                    depends_on=item.depends_on,
                    pricing=choice.pricing,
                )
            )
        merge_plan = PlannedSpawn(
            id="merge",
            model=merger.model,
            category=merger.category,
            prompt=merge_template("synthesis") + req.task,
            depends_on=[t.id for t in tasks],
            pricing=merger.pricing,
        )
        merge_label = f"smart-spawn-merge: {req.category or 'swarm'}"
        return SwarmInstructions(
            mode=self.name,
            dag=SwarmDagOut(
                tasks=tasks,
                waves=waves,
                edges=[{"from": a, "to": b} for a, b in graph.edges()],
                total_tasks=len(tasks),
                total_waves=len(waves),
            ),
            original_task=req.task,
            max_parallel=req.max_parallel,
            merge_model=merger.model,
            merge_label=merge_label,
            merge_instructions=merge_template("synthesis"),
            execution_hint=(
                f"Start every task whose dependencies have finished, up to {req.max_parallel} "
                "at once, as soon as they are ready (waves are only a picture). Give each task "
                "its dependencies' outputs. If a task fails, skip its dependants. Finally spawn "
                f"{merger.model} with the merge instructions and every task's output."
            ),
            estimated_cost=estimate_run(planned, merge_plan),
            spawns=[
                SpawnCall(task=t.prompt, label=t.label, model=t.model, role=f"swarm_{t.id}")
                for t in tasks
            ],
            routing_decision=ctx.decision(),
            warnings=list(ctx.warnings),
        )
