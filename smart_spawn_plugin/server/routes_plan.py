"""``POST /decompose`` and ``POST /swarm`` (no ``data`` envelope, like the original).

The engine splits the task; each step/task gets a model here through the same selection as
``/pick`` (category and budget of the step, the caller's context tags and feedback). A step no
model fits gets ``model: null`` and the original's reason. ``task`` must be a string
(``{"task": 123}`` was a 500 in the original), ``budget`` a known budget, ``maxParallel`` an
integer (clamped to 1..8; a non-number was an endless loop in the original).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pydantic import Field, StrictStr, field_validator
from starlette.requests import Request
from starlette.responses import Response

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.errors import MissingParam, NoModel
from smart_spawn_plugin.models import Budget, Category, Pricing
from smart_spawn_plugin.server import params as p
from smart_spawn_plugin.server.deps import (
    json_response,
    parse_body,
    state_of,
    user_key_of_request,
)
from smart_spawn_plugin.server.routes_feedback import Body, _openapi
from smart_spawn_plugin.server.routing import Routes

if TYPE_CHECKING:
    from smart_spawn_plugin.engine.plan.decompose import StepModel

router = Routes()


class DecomposeBody(Body):
    task: StrictStr | None = Field(None, description="The task to split.")
    budget: Budget = "medium"
    context: StrictStr | None = Field(None, max_length=1000, description="Comma list of tags.")

    @field_validator("context")
    @classmethod
    def _context(cls, value: str | None) -> str | None:
        if value is not None:
            p.tag_list(value)
        return value

    def text(self) -> str:
        if self.task is None or not self.task.strip():
            raise MissingParam("task field is required in request body", field="task")
        return self.task


class SwarmBody(DecomposeBody):
    max_parallel: p.MaxParallel = Field(5, alias="maxParallel")


def _attach(
    selector: Selector, category: Category, budget: Budget, tags: list[str], user_key: str
) -> tuple[StepModel | None, str]:
    from smart_spawn_plugin.engine.plan.decompose import StepModel

    req = PickRequest(category=category, budget=budget, context=tags, user_key=user_key)
    try:
        d = selector.pick(req)
    except NoModel:
        return None, f"No model found for {category} at {budget} budget"
    model = StepModel(id=d.id, name=d.name, provider=d.provider, score=d.score, pricing=d.pricing)
    return model, d.reason


@router.post("/decompose", summary="Split a task into steps", openapi_extra=_openapi(DecomposeBody))
async def decompose_route(request: Request) -> Response:
    """``{decomposed, totalSteps, steps:[{step, task, category, budget, model, reason}], …}``."""
    from smart_spawn_plugin.engine.plan.decompose import decompose

    body = await parse_body(DecomposeBody, request)
    text, tags = body.text(), p.tag_list(body.context or "")
    user = user_key_of_request(request)
    selector = state_of(request).service.selector_for(
        user, tags
    )  # feedback reads stay on the loop thread

    def plan_it() -> dict[str, object]:
        plan = decompose(text, budget=body.budget, context=body.context)
        if plan.decomposed:
            for step in plan.steps:
                step.model, step.reason = _attach(selector, step.category, step.budget, tags, user)
        out = plan.wire()
        if out.get("reason") is None:
            out.pop("reason", None)
        return out

    # Splitting up to 10,000 characters and picking per step is CPU work: off the event loop.
    return json_response(await asyncio.to_thread(plan_it), envelope=False)


@router.post("/swarm", summary="Plan a swarm (dependency DAG)", openapi_extra=_openapi(SwarmBody))
async def swarm_route(request: Request) -> Response:
    """``{decomposed, dag:{tasks, waves, edges, totalTasks, totalWaves, estimatedCost, …}}``."""
    from smart_spawn_plugin.engine.plan.decompose import StepModel
    from smart_spawn_plugin.engine.plan.swarm import estimate_cost, swarm

    body = await parse_body(SwarmBody, request)
    text, tags = body.text(), p.tag_list(body.context or "")
    user = user_key_of_request(request)
    selector = state_of(request).service.selector_for(user, tags)

    def price(task: object) -> Pricing | None:
        model = getattr(task, "model", None)
        return model.pricing if isinstance(model, StepModel) else None

    def plan_it() -> dict[str, object]:
        plan = swarm(text, budget=body.budget, max_parallel=body.max_parallel, context=body.context)
        if plan.decomposed:
            for task in plan.dag.tasks:
                task.model, task.reason = _attach(selector, task.category, task.budget, tags, user)
            plan.dag.estimated_cost = estimate_cost(plan.dag.tasks, price)
        return plan.wire()

    return json_response(await asyncio.to_thread(plan_it), envelope=False)
