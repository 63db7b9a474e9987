"""The dashboard's pages (GET). Registered by ``server.app``; form posts are in ``actions``.

Each page signs the caller in (``auth``), builds its view model (``views_*``) and renders a
template. A bad query value is a 400 page naming the field, never a 500.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.models import CATEGORIES, STRATEGIES, Category
from smart_spawn_plugin.server.dashboard import actions, views_ops, views_routing
from smart_spawn_plugin.server.dashboard.actions import signed_in
from smart_spawn_plugin.server.dashboard.render import page, static

#: Added to the app on first need, and warmed (templates, planner) just after start-up:
#: ``server.startup``.
router = APIRouter(prefix="/dashboard", include_in_schema=False)
router.include_router(actions.router)
LOGIN: Final = "/dashboard/login"


def _bad(request: Request, active: str, exc: ValidationError | SmartSpawnError) -> Response:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "query"
        message = f"{where}: {first['msg']}"
    else:
        message = exc.message
    return page(request, "error.html", status=400, active=active, error=message, signed_in=True)


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    return static(name)


@router.get("/login")
async def login_page(request: Request) -> Response:
    _, user = signed_in(request)
    if user is not None:
        return RedirectResponse("/dashboard", status_code=303)
    return page(request, "login.html", active="login")


@router.get("")
async def try_page(request: Request) -> Response:
    """Try a task: the form, and the routing card (and plan graph) when a task is given."""
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse(LOGIN, status_code=303)
    try:
        form = views_routing.TryForm.model_validate(dict(request.query_params))
        result = views_routing.try_task(be, form, user)
    except (ValidationError, SmartSpawnError) as exc:
        return _bad(request, "try", exc)
    return page(
        request,
        "try.html",
        active="try",
        signed_in=True,
        form=form,
        result=result,
        default_budget=be.settings.default_budget,
        budgets=views_routing.choices("budget"),
        strategies=views_routing.choices("strategy") or STRATEGIES,
        efforts=views_routing.choices("effort"),
        categories=CATEGORIES,
        views=views_routing.VIEWS,
    )


class FrontierQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    category: Category = "coding"
    budget: str | None = None


@router.get("/frontier")
async def frontier_page(request: Request) -> Response:
    """The cost–quality frontier of one category."""
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse(LOGIN, status_code=303)
    try:
        q = FrontierQuery.model_validate(dict(request.query_params))
        budget = q.budget or be.settings.default_budget
        if budget not in views_routing.choices("budget"):
            unknown = InvalidParam(f"budget: unknown budget {budget!r}", field="budget")
            return _bad(request, "frontier", unknown)
        view = views_routing.frontier(be, q.category, budget, user)
    except ValidationError as exc:
        return _bad(request, "frontier", exc)
    return page(
        request,
        "frontier.html",
        active="frontier",
        signed_in=True,
        view=view,
        categories=CATEGORIES,
    )


@router.get("/sources")
async def sources_page(request: Request) -> Response:
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse(LOGIN, status_code=303)
    return page(
        request, "sources.html", active="sources", signed_in=True, view=views_ops.sources(be)
    )


@router.get("/sources/table")
async def sources_table(request: Request) -> Response:
    """The sources table alone (polled by the page while a refresh runs)."""
    be, user = signed_in(request)
    if user is None:
        return Response("sign in first", status_code=401, media_type="text/plain")
    return page(request, "_sources_table.html", view=views_ops.sources(be))


class SpendQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    days: int = Field(30, ge=1, le=365)
    rated: int | None = None


@router.get("/spend")
async def spend_page(request: Request) -> Response:
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse(LOGIN, status_code=303)
    try:
        q = SpendQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        return _bad(request, "spend", exc)
    view = views_ops.spend(be, user, q.days, await views_ops.providers_panel(be))
    return page(request, "spend.html", active="spend", signed_in=True, view=view, rated=q.rated)


@router.get("/ratings")
async def ratings_page(request: Request) -> Response:
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse(LOGIN, status_code=303)
    rated = request.query_params.get("rated")
    view = views_ops.ratings(be, user)
    return page(request, "ratings.html", active="ratings", signed_in=True, view=view, rated=rated)


@router.get("/config")
async def config_page(request: Request) -> Response:
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse(LOGIN, status_code=303)
    return actions.config_response(request, be)


__all__ = ["router"]
