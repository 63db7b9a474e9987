"""Work items of plan and swarm: user-given steps/nodes or the engine's decomposition.

A user-given list is validated through :class:`~smart_spawn_plugin.engine.plan.dag.TaskGraph`, so
duplicate ids, unknown dependencies and cycles are :class:`InvalidParam` errors naming the
problem (the cycle is spelled out). Plain strings become ``step-1``… (plan) or ``swarm-1``…
(swarm) with no dependencies. Every item's budget is capped at the user's budget, because the
decomposer may nudge a step's budget up ("upgrade" keywords) and the user's budget is the
ceiling of every spawn in a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smart_spawn_plugin.engine.plan.dag import TaskGraph, TaskNode
from smart_spawn_plugin.engine.plan.decompose import decompose
from smart_spawn_plugin.engine.plan.swarm import swarm
from smart_spawn_plugin.models import Budget, Category
from smart_spawn_plugin.modes.base import ModeRequest, StepSpec
from smart_spawn_plugin.modes.support import capped


@dataclass(frozen=True)
class WorkItem:
    """One step or node: what to do, for which category (None = classify), and its deps."""

    id: str
    task: str
    budget: Budget
    category: Category | None = None
    persona: str | None = None
    depends_on: list[str] = field(default_factory=list)
    reason: str = "given by the caller"


def given_items(req: ModeRequest, prefix: str) -> tuple[list[WorkItem], TaskGraph]:
    """The caller's steps as work items and their validated graph."""
    specs = [
        s if isinstance(s, StepSpec) else StepSpec(id=f"{prefix}-{i}", task=s)
        for i, s in enumerate(req.steps or [], start=1)
    ]
    graph = TaskGraph(
        nodes=[TaskNode(id=s.id, task=s.task, depends_on=list(s.depends_on)) for s in specs]
    )
    graph.validate_graph()
    items = [
        WorkItem(id=s.id, task=s.task, budget=req.budget, depends_on=list(s.depends_on))
        for s in specs
    ]
    return items, graph


def plan_items(req: ModeRequest) -> tuple[list[WorkItem], list[str]]:
    """Plan steps in execution order, and warnings.

    Given steps run in the given order unless they carry ``dependsOn``, then in topological
    order; otherwise the task is decomposed (an undecomposable task is one step).
    """
    if req.steps:
        items, graph = given_items(req, "step")
        if any(item.depends_on for item in items):
            by_id = {item.id: item for item in items}
            items = [by_id[i] for i in graph.topological_order()]
        return items, []
    plan = decompose(req.task, budget=req.budget, context=",".join(req.context) or None)
    items = [
        WorkItem(
            id=s.id,
            task=s.task,
            category=s.category,
            budget=capped(s.budget, req.budget),
            reason=s.reason,
        )
        for s in plan.steps
    ]
    warnings = list(plan.warnings)
    if not plan.decomposed:
        warnings.append(f"task not decomposable ({plan.reason}); running it as one step")
    return items, warnings


def swarm_items(req: ModeRequest) -> tuple[list[WorkItem], TaskGraph, list[str]]:
    """Swarm nodes and their validated graph: the caller's, or the engine's inferred DAG."""
    if req.steps:
        items, graph = given_items(req, "swarm")
        return items, graph, []
    plan = swarm(
        req.task,
        budget=req.budget,
        max_parallel=req.max_parallel,
        context=",".join(req.context) or None,
    )
    dag = plan.dag
    items = [
        WorkItem(
            id=t.id,
            task=t.description,
            category=t.category,
            budget=capped(t.budget, req.budget),
            persona=t.persona,
            depends_on=list(t.depends_on),
            reason=t.reason,
        )
        for t in dag.tasks
    ]
    warnings = list(dag.warnings)
    if not plan.decomposed:
        warnings.append(f"task not decomposable ({plan.reason}); running it as one node")
    return items, dag.graph(), warnings
