"""The dashboard's form posts: sign in/out, rate a spawn, import an OpenMark CSV.

Every post answers with a redirect (post/redirect/get) or a page showing what was wrong; a
post from another origin is refused (403) and a shared server's caller must be signed in.
Ratings go to the same store and invalidate the same caches as ``POST /spawn-log/outcome``;
an import goes through the catalog service's own ``import_openmark`` and ``refresh``.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile

from smart_spawn_plugin.client.base import OutcomeReport
from smart_spawn_plugin.errors import SmartSpawnError, SourceError
from smart_spawn_plugin.server.dashboard import views_ops
from smart_spawn_plugin.server.dashboard.auth import (
    COOKIE,
    PATH,
    SESSION_S,
    check_key,
    same_origin,
    session_token,
    user_key,
)
from smart_spawn_plugin.server.dashboard.backend import Backend, backend
from smart_spawn_plugin.server.dashboard.render import page

router = APIRouter()
RETURN_PAGES: Final = frozenset({"/dashboard/spend", "/dashboard/ratings"})


def signed_in(request: Request) -> tuple[Backend, str | None]:
    """The backend and the caller's user key (None: a shared server's caller must sign in)."""
    be = backend(request)
    return be, user_key(request, be)


def _refused(request: Request) -> Response | None:
    if not same_origin(request):
        return page(
            request,
            "error.html",
            status=403,
            error="form posts must come from this dashboard (cross-origin post refused)",
        )
    return None


@contextlib.asynccontextmanager
async def _form(request: Request) -> AsyncIterator[Mapping[str, object]]:
    """The posted form, its uploaded files closed afterwards (a malformed multipart body is
    Starlette's 400)."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


@router.post("/login")
async def login(request: Request) -> Response:
    """Check an API key posted by the sign-in form; set the session cookie."""
    refused = _refused(request)
    if refused is not None:
        return refused
    be = backend(request)
    if not be.server_config.shared:
        return RedirectResponse("/dashboard", status_code=303)
    async with _form(request) as form:
        key = str(form.get("api_key", "")).strip()
    user = check_key(be, key) if key else None
    if user is None:
        return page(
            request,
            "login.html",
            status=401,
            active="login",
            error="That API key is not valid on this server.",
        )
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(
        COOKIE,
        session_token(request, user),
        max_age=SESSION_S,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(COOKIE, path=PATH)
    return response


class RateForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    spawn_id: int = Field(ge=1)
    rating: int = Field(ge=1, le=5)
    back: str = "/dashboard/spend"


@router.post("/rate")
async def rate(request: Request) -> Response:
    """Rate one of the caller's spawns 1–5 (its model and category come from the log)."""
    refused = _refused(request)
    if refused is not None:
        return refused
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse("/dashboard/login", status_code=303)
    try:
        async with _form(request) as posted:
            form = RateForm.model_validate(dict(posted))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return page(
            request, "error.html", status=400, signed_in=True, error=f"{where}: {first['msg']}"
        )
    row = be.spawns.get(form.spawn_id, user_key=user)
    if row is None:
        return page(
            request,
            "error.html",
            status=404,
            signed_in=True,
            error=f"spawn_id: no spawn {form.spawn_id} in your log",
        )
    # the one rating path (validation, normalisation, memo and cache invalidation)
    be.service.record_rating(
        OutcomeReport(
            model=row.model, category=row.category, rating=form.rating, context=row.context
        ),
        user_key=user,
        spawn_id=row.id,
    )
    back = form.back if form.back in RETURN_PAGES else "/dashboard/spend"
    return RedirectResponse(f"{back}?rated={row.id}#spawn-{row.id}", status_code=303)


def config_response(
    request: Request,
    be: Backend,
    *,
    result: views_ops.ImportResult | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The config page, optionally with an import's result or error."""
    return page(
        request,
        "config.html",
        status=status,
        active="config",
        signed_in=True,
        sections=views_ops.settings_sections(be.settings, be.server_config),
        shared=be.server_config.shared,
        result=result,
        error=error,
    )


@router.post("/config/import")
async def import_csv(request: Request) -> Response:
    """Upload an OpenMark CSV: parse it (errors shown, nothing saved), save it into the home,
    rebuild the catalog (from the snapshot; a live server starts its background refresh) and
    show which catalog models now carry its scores."""
    refused = _refused(request)
    if refused is not None:
        return refused
    be, user = signed_in(request)
    if user is None:
        return RedirectResponse("/dashboard/login", status_code=303)
    async with _form(request) as form:
        upload = form.get("csv")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return config_response(
                request, be, error="csv: choose an OpenMark CSV file to upload", status=400
            )
        name = Path(upload.filename).name
        raw = await upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return config_response(request, be, error=f"csv: {name} is not UTF-8 text", status=400)
    try:
        result = await _import(be, name, text)
    except SourceError as exc:
        return config_response(request, be, error=f"csv: {name}: {exc.message}", status=400)
    except SmartSpawnError as exc:
        return config_response(request, be, error=exc.message, status=exc.status)
    return config_response(request, be, result=result)


async def _import(be: Backend, name: str, text: str) -> views_ops.ImportResult:
    from smart_spawn_plugin.engine.catalog.benchmarks import OPENMARK_PREFIX
    from smart_spawn_plugin.engine.catalog.sources.openmark import parse_openmark_csv

    task, display, description, rows = parse_openmark_csv(text)  # SourceError names the gap
    catalog = be.catalog
    home = be.settings.home
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", dir=home, delete=False) as tmp:
        tmp.write(text)
    path = Path(tmp.name)
    try:
        catalog.import_openmark(path)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    rebuilt = not be.settings.live_sources
    if rebuilt:
        await catalog.refresh(live=False)
        be.rankings_changed()
    else:
        be.refresher.start()
    key = f"{OPENMARK_PREFIX}{task}"
    current = catalog.current()
    matched = sorted(m.id for m in current.models if key in m.benchmarks)
    scored = [(r.name, r.values.get(key, 0.0)) for r in rows]
    return views_ops.ImportResult(
        name, task, display, description, scored, matched, rebuilt, current.sources.get("openmark")
    )
