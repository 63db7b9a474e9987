"""View models of the routing pages: the try-a-task card, the spawn-plan graph, the frontier.

Every decision comes from the engine's selector (the same path as ``/api/pick``, blended with
the caller's feedback); plans from the engine's ``decompose``/``swarm`` with models attached by
``routes_plan``'s own step picker. Options offered in the forms are read from the engine's
request type, so a new budget (``auto``) or an ``effort`` field appears without a change here.
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Union, get_args, get_origin
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.engine.select.requests import ClassificationOut, Decision, PickRequest
from smart_spawn_plugin.engine.select.strategies import NON_INTERACTIVE_VARIANTS
from smart_spawn_plugin.errors import InvalidParam, NoModel
from smart_spawn_plugin.models import CATEGORIES, Category
from smart_spawn_plugin.server.dashboard.backend import Backend
from smart_spawn_plugin.server.dashboard.charts import (
    Dag,
    Frontier,
    PricePoint,
    dag_chart,
    frontier_chart,
)

MAX_TASK: Final = 2000
View = Literal["pick", "plan", "swarm"]
VIEWS: Final[tuple[View, ...]] = get_args(View)


def choices(field_name: str) -> tuple[str, ...]:
    """The allowed values of a ``PickRequest`` field (its ``Literal``), ``()`` when the field
    does not exist (yet) — e.g. ``effort`` before the engine has it."""
    info = PickRequest.model_fields.get(field_name)
    if info is None:
        return ()
    out: list[str] = []

    def walk(tp: Any) -> None:
        origin = get_origin(tp)
        if origin is Literal:
            out.extend(str(a) for a in get_args(tp))
        elif origin in (Union, types.UnionType):
            for arg in get_args(tp):
                walk(arg)

    walk(info.annotation)
    return tuple(dict.fromkeys(out))


class TryForm(BaseModel):
    """The try-a-task form (query string). Empty strings mean "not given"."""

    model_config = ConfigDict(extra="ignore")

    task: str = Field("", max_length=MAX_TASK)
    budget: str | None = None
    strategy: str = "balanced"
    effort: str | None = None
    category: Category | None = None
    view: View = "pick"
    context: str = Field("", max_length=500)

    @field_validator("budget", "effort", "category", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if value == "" else value

    def tags(self) -> list[str]:
        return [t.strip().lower() for t in self.context.split(",") if t.strip()][:20]

    def request(self, default_budget: str, user_key: str) -> PickRequest:
        """The engine request; a bad budget/strategy/effort raises ``InvalidParam`` naming it."""
        data: dict[str, object] = {
            "task": self.task.strip() or None,
            "category": self.category,
            "budget": self.budget or default_budget,
            "strategy": self.strategy,
            "context": self.tags(),
            "fallbacks": 3,
            "user_key": user_key,
        }
        if self.effort is not None and choices("effort"):
            data["effort"] = self.effort
        try:
            return PickRequest.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "request"
            raise InvalidParam(f"{name}: {first['msg']}", field=name) from None


@dataclass
class PlanView:
    kind: View
    decomposed: bool
    reason: str | None
    dag: Dag
    rows: list[dict[str, object]]
    warnings: list[str]
    cost: str | None = None


@dataclass
class TryResult:
    decision: Decision | None = None
    signals: list[tuple[str, str]] = field(default_factory=list)
    complexity: str | None = None
    error: str | None = None
    next_budget: str | None = None
    next_href: str | None = None
    plan: PlanView | None = None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def signal_chips(cls: ClassificationOut) -> tuple[list[tuple[str, str]], str | None]:
    """The classification's signals worth showing (set ones, as text) and its complexity —
    from ``signals["complexity"]`` or a ``complexity`` field, whichever the engine has."""
    chips: list[tuple[str, str]] = []
    complexity: str | None = None
    for name, value in cls.signals.items():
        if name == "complexity":
            complexity = _text(value)
        elif value not in (False, None, ""):
            chips.append((name, _text(value)))
    extra = getattr(cls, "complexity", None)
    if complexity is None and extra is not None:
        complexity = _text(extra)
    return chips, complexity


def try_task(be: Backend, form: TryForm, user_key: str) -> TryResult:
    """Route ``form``'s task (or category); a plan/swarm view also splits it."""
    if not form.task.strip() and form.category is None:
        return TryResult()
    req = form.request(be.settings.default_budget, user_key)
    selector = be.selector_for(user_key, req.context or None)
    out = TryResult()
    try:
        out.decision = selector.pick(req)
    except NoModel as exc:
        out.error = exc.message
        out.next_budget = exc.next_budget
        if exc.next_budget is not None:
            query = {k: v for k, v in form.model_dump().items() if v not in (None, "")}
            out.next_href = "/dashboard?" + urlencode({**query, "budget": exc.next_budget})
    if out.decision is not None and out.decision.classification is not None:
        out.signals, out.complexity = signal_chips(out.decision.classification)
    if form.view != "pick" and form.task.strip():
        out.plan = plan_view(be, form, req, user_key)
    return out


def plan_view(be: Backend, form: TryForm, req: PickRequest, user_key: str) -> PlanView:
    """The task split as the spawn modes would split it, with a model on every node."""
    from smart_spawn_plugin.engine.plan.decompose import StepModel, decompose
    from smart_spawn_plugin.engine.plan.swarm import estimate_cost, swarm
    from smart_spawn_plugin.server.routes_plan import _attach

    tags = list(req.context)
    selector = be.selector_for(user_key, tags or None)
    context = ",".join(tags) or None
    budget = req.budget if req.budget in BUDGET_RANGES else be.settings.default_budget
    if form.view == "plan":
        plan = decompose(form.task, budget=budget, context=context)
        for step in plan.steps:
            step.model, step.reason = _attach(selector, step.category, step.budget, tags, user_key)
        nodes = [
            (
                s.id,
                s.step,
                f"{s.id} · {s.category}",
                s.model.name if s.model else "no model",
                s.task,
            )
            for s in plan.steps
        ]
        edges = [(a.id, b.id, "sequence") for a, b in zip(plan.steps, plan.steps[1:], strict=False)]
        rows: list[dict[str, object]] = [
            {
                "id": s.id,
                "task": s.task,
                "category": s.category,
                "budget": s.budget,
                "model": s.model.id if s.model else None,
                "after": "",
                "reason": s.reason,
            }
            for s in plan.steps
        ]
        return PlanView(
            "plan", plan.decomposed, plan.reason, dag_chart(nodes, edges), rows, plan.warnings
        )
    sw = swarm(form.task, budget=budget, context=context)
    dag = sw.dag
    for task in dag.tasks:
        task.model, task.reason = _attach(selector, task.category, task.budget, tags, user_key)
    dag.estimated_cost = estimate_cost(
        dag.tasks, lambda t: t.model.pricing if isinstance(t.model, StepModel) else None
    )
    nodes = [
        (
            t.id,
            t.wave,
            f"{t.id} · {t.category}",
            t.model.name if t.model else "no model",
            t.description,
        )
        for t in dag.tasks
    ]
    edges = [(e.from_, e.to, e.type) for e in dag.edges]
    rows = [
        {
            "id": t.id,
            "task": t.description,
            "category": t.category,
            "budget": t.budget,
            "model": t.model.id if t.model else None,
            "after": ", ".join(t.depends_on),
            "reason": t.reason,
        }
        for t in dag.tasks
    ]
    cost = dag.estimated_cost
    text = f"${cost.low:.4f} – ${cost.high:.4f}" if cost is not None else None
    return PlanView(
        "swarm", sw.decomposed, sw.reason, dag_chart(nodes, edges), rows, dag.warnings, text
    )


@dataclass
class FrontierView:
    category: Category
    budget: str
    chart: Frontier
    pick: Decision | None
    frontier: list[PricePoint]
    count: int
    budgets: tuple[str, ...]


def frontier(be: Backend, category: Category, budget: str, user_key: str) -> FrontierView:
    """Every catalog model scored in ``category`` as a point; the pick at ``budget``."""
    from smart_spawn_plugin.server.dashboard.charts import pareto

    catalog = be.catalog.current()
    points = [
        PricePoint(
            m.id,
            m.name,
            m.provider,
            m.pricing.blended,
            m.scores[category],
            m.tier,
            bool((prov := m.provenance.get(category)) and prov.baseline),
            m.variant not in NON_INTERACTIVE_VARIANTS,
        )
        for m in catalog.models
        if category in m.scores
    ]
    pick: Decision | None = None
    try:
        req = PickRequest.model_validate(
            {"category": category, "budget": budget, "user_key": user_key}
        )
        pick = be.selector_for(user_key, None).pick(req)
    except (NoModel, ValidationError):
        pick = None
    bands = [(name, rng.min, rng.max) for name, rng in BUDGET_RANGES.items()]
    chart = frontier_chart(points, bands, budget, pick.id if pick else None)
    front = pareto([p for p in points if p.price >= 0 and math.isfinite(p.price)])
    return FrontierView(category, budget, chart, pick, front, len(chart.dots), choices("budget"))


CATEGORY_CHOICES: Final = CATEGORIES
