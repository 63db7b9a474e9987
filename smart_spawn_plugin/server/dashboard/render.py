"""Templates and static files of the dashboard, loaded from package data on first use."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from smart_spawn_plugin import __version__

#: Static files served, by name → media type (nothing else under static/ is reachable).
STATIC: Final = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
#: Only our own files: no inline script, no other origin.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
NAV: Final = (
    ("try", "/dashboard", "Try a task"),
    ("frontier", "/dashboard/frontier", "Frontier"),
    ("sources", "/dashboard/sources", "Sources"),
    ("spend", "/dashboard/spend", "Spend & runs"),
    ("ratings", "/dashboard/ratings", "Ratings"),
    ("config", "/dashboard/config", "Config"),
)


@functools.cache
def environment() -> Any:
    """The Jinja2 environment (autoescaping on), built once."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("smart_spawn_plugin.server.dashboard", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(nav=NAV, version=__version__)
    env.filters["usd"] = usd
    env.filters["pct"] = lambda v: "—" if v is None else f"{float(v) * 100:.0f}%"
    return env


def usd(value: float | None, digits: int = 4) -> str:
    """``$0.0123`` (``—`` for unknown)."""
    return "—" if value is None else f"${value:.{digits}f}"


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with ``context`` (plus ``request`` and the signed-in flag)."""
    context.setdefault("active", "")
    context.setdefault("signed_in", False)
    context.setdefault("error", None)
    html = environment().get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers={"content-security-policy": CSP})


@functools.cache
def _static_bytes(name: str) -> bytes:
    return (resources.files("smart_spawn_plugin.server.dashboard") / "static" / name).read_bytes()


def static(name: str) -> Response:
    """One packaged static file, or 404."""
    media = STATIC.get(name)
    if media is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(_static_bytes(name), media_type=media)


def warm_up() -> None:
    """Compile every template and load the task classifier and planner (all are otherwise
    loaded by the first request that needs them)."""
    env = environment()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    from smart_spawn_plugin.engine.classify.classifier import classify
    from smart_spawn_plugin.engine.plan.swarm import swarm

    classify("warm up the classifier")
    swarm("research the options, then write the report")  # loads the planner's rule tables
