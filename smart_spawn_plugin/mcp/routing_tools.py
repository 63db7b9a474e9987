"""MCP routing tools: pick, recommend, compare, models, decompose, roles_compose, feedback.

Each is a thin adapter over the core: the ``Recommender`` (local engine or remote API, with the
user's feedback blended in), ``engine.queries``, ``engine.decompose``/``engine.swarm``, the role
composer and ``record_outcome``. Arguments are typed (the SDK publishes them as JSON Schema and
rejects bad ones naming the field); semantic errors come back as error results (``guard``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from smart_spawn_plugin.client.base import OutcomeReport, stars, verdict
from smart_spawn_plugin.engine.plan.decompose import StepModel
from smart_spawn_plugin.engine.plan.decompose import decompose as split_plan
from smart_spawn_plugin.engine.plan.swarm import SwarmTask, estimate_cost
from smart_spawn_plugin.engine.plan.swarm import swarm as split_swarm
from smart_spawn_plugin.engine.select.budget import concrete_budget
from smart_spawn_plugin.engine.select.queries import list_models
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import MissingParam, NoModel
from smart_spawn_plugin.mcp.results import guard
from smart_spawn_plugin.mcp.state import McpState
from smart_spawn_plugin.models import (
    Budget,
    BudgetChoice,
    Capability,
    Category,
    Pricing,
    Strategy,
    Tier,
)
from smart_spawn_plugin.roles import compose as compose_role
from smart_spawn_plugin.roles import parse_compose_request

TaskArg = Annotated[str | None, Field(description="The task text (or give category).")]
CategoryArg = Annotated[Category | None, Field(description="Skip classification.")]
BudgetArg = Annotated[
    BudgetChoice | None,
    Field(description="low, medium, high, any, or auto (from the task's complexity)."),
]
TagsArg = Annotated[
    list[str], Field(max_length=20, description="Context tags, e.g. ['python', 'fastapi'].")
]
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def register(server: MCPServer[Any], rt: McpState) -> None:  # noqa: C901  # mccabe counts every tool closure here
    """Add the routing tools to ``server``."""
    default_budget = rt.runtime.settings.default_budget

    def request(
        task: str | None,
        category: Category | None,
        budget: BudgetChoice | None,
        **more: Any,
    ) -> PickRequest:
        if not (task and task.strip()) and category is None:
            raise MissingParam("task: give a task (or a category)", field="task")
        return PickRequest(task=task, category=category, budget=budget or default_budget, **more)

    @server.tool(name="pick", annotations=READ_ONLY)
    async def pick(
        task: TaskArg = None,
        category: CategoryArg = None,
        budget: BudgetArg = None,
        exclude: Annotated[list[str], Field(max_length=100)] = [],  # noqa: B006  # schema default
        require: list[Capability] = [],  # noqa: B006
        min_context: Annotated[int, Field(ge=0, le=10_000_000)] = 0,
        context: TagsArg = [],  # noqa: B006
        strategy: Strategy = "balanced",
    ) -> CallToolResult:
        """The best model for a task: id, score, reason, confidence, runner-ups, fallbacks."""

        async def body() -> object:
            req = request(
                task,
                category,
                budget,
                exclude=exclude,
                require=require,
                min_context=min_context,
                context=context,
                strategy=strategy,
            )
            routed = await rt.runtime.pick(req)
            return {**routed.decision.wire(), "source": routed.source}

        return await guard(body)

    @server.tool(name="recommend", annotations=READ_ONLY)
    async def recommend(
        task: TaskArg = None,
        category: CategoryArg = None,
        budget: BudgetArg = None,
        count: Annotated[int, Field(ge=1, le=5)] = 3,
        exclude: Annotated[list[str], Field(max_length=100)] = [],  # noqa: B006
        context: TagsArg = [],  # noqa: B006
    ) -> CallToolResult:
        """Up to 5 diverse models (different providers first) for a task."""

        async def body() -> object:
            req = request(task, category, budget, exclude=exclude, context=context)
            return await rt.runtime.recommend(req, count)

        return await guard(body)

    @server.tool(name="compare", annotations=READ_ONLY)
    async def compare(
        models: Annotated[list[str], Field(description="2 to 5 model ids.")],
    ) -> CallToolResult:
        """Side by side: pricing, capabilities, category scores, benchmarks, speed."""

        async def body() -> object:
            return rt.runtime.compare(models)

        return await guard(body)

    @server.tool(name="models", annotations=READ_ONLY)
    async def models(
        category: Category | None = None,
        tier: Tier | None = None,
        sort: Annotated[str, Field(description="score, cost, efficiency or a category")] = "score",
        limit: Annotated[int, Field(ge=1, le=500)] = 20,
    ) -> CallToolResult:
        """The catalog's models, filtered by category and tier, sorted."""

        async def body() -> object:
            return list_models(
                rt.runtime.catalog.current(), category=category, tier=tier, sort=sort, limit=limit
            )

        return await guard(body)

    @server.tool(name="decompose", annotations=READ_ONLY)
    async def decompose(
        task: Annotated[str, Field(min_length=1, max_length=100_000)],
        budget: BudgetArg = None,
        context: TagsArg = [],  # noqa: B006
        shape: Annotated[
            Literal["plan", "swarm"],
            Field(description="plan: sequential steps; swarm: a dependency DAG in waves."),
        ] = "plan",
        max_parallel: Annotated[int, Field(ge=1, le=8)] = 5,
    ) -> CallToolResult:
        """Split a task into steps (plan) or a DAG (swarm), with a model for each."""

        async def body() -> object:
            tags = ",".join(context) or None
            chosen = concrete_budget(budget or default_budget, task, None)
            if shape == "plan":
                plan = split_plan(task, budget=chosen, context=tags)
                for step in plan.steps:
                    step.model, step.reason = await _attach(rt, step.category, step.budget, context)
                return plan.wire()
            dag = split_swarm(task, budget=chosen, max_parallel=max_parallel, context=tags)
            for node in dag.dag.tasks:
                node.model, node.reason = await _attach(rt, node.category, node.budget, context)
            dag.dag.estimated_cost = estimate_cost(dag.dag.tasks, _price)
            return dag.wire()

        return await guard(body)

    @server.tool(name="roles_compose", annotations=READ_ONLY)
    async def roles_compose(
        task: Annotated[str, Field(min_length=1, max_length=100_000)],
        persona: str | None = None,
        stack: list[str] = [],  # noqa: B006
        domain: str | None = None,
        format: str | None = None,
        guardrails: list[str] = [],  # noqa: B006
    ) -> CallToolResult:
        """A role prompt for a sub-agent from persona, stack, domain, format and guardrails."""

        async def body() -> object:
            data: dict[str, object] = {"task": task, "stack": stack, "guardrails": guardrails}
            data.update(
                {
                    k: v
                    for k, v in (("persona", persona), ("domain", domain), ("format", format))
                    if v is not None
                }
            )
            return compose_role(parse_compose_request(data)).wire()

        return await guard(body)

    @server.tool(name="feedback", annotations=ToolAnnotations(read_only_hint=False))
    async def feedback(
        model: Annotated[str, Field(min_length=1, max_length=300)],
        category: Category,
        rating: Annotated[
            float, Field(ge=1, le=5, description="1 (bad) to 5 (excellent); rounded half up")
        ],
        context: TagsArg = [],  # noqa: B006
        task: Annotated[
            str | None,
            Field(
                max_length=20_000,
                description="The task it did: a very similar task later follows this rating.",
            ),
        ] = None,
    ) -> CallToolResult:
        """Rate how a model did on a category; your next picks take it into account."""

        async def body() -> object:
            report = OutcomeReport(
                model=model,
                category=category,
                rating=stars(rating),
                context=",".join(context) or None,
                task=task,
            )
            report = rt.runtime.local.checked(report)
            await rt.runtime.rate(report)
            return {
                "recorded": True,
                "model": report.model,
                "category": category,
                "rating": report.rating,
                "message": f"{report.model} will be {verdict(report.rating)} for {category} tasks.",
            }

        return await guard(body)


async def _attach(
    rt: McpState, category: Category, budget: Budget, tags: list[str]
) -> tuple[StepModel | None, str]:
    """The model for one step/task, picked like ``pick`` (None and a reason when none fits)."""
    try:
        routed = await rt.runtime.pick(PickRequest(category=category, budget=budget, context=tags))
    except NoModel:
        return None, f"No model found for {category} at {budget} budget"
    d = routed.decision
    return StepModel(
        id=d.id, name=d.name, provider=d.provider, score=d.score, pricing=d.pricing
    ), d.reason


def _price(task: SwarmTask) -> Pricing | None:
    return task.model.pricing if task.model is not None else None
