"""Sign-in on a shared server: the API's keys by header, or the sign-in form's session cookie;
never the key in a URL or a cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from smart_spawn_plugin.server.dashboard.auth import COOKIE
from tests.server.conftest import MakeApp
from tests.server.helpers import client_for

KEY = "team-key-0123456789"


@pytest.fixture
async def shared(make_app: MakeApp) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(make_app(api_keys=[KEY, "other-key"])) as c:
        yield c


async def test_unsigned_pages_redirect_to_the_sign_in_form(shared: httpx.AsyncClient) -> None:
    for path in ("/dashboard", "/dashboard/frontier", "/dashboard/spend", "/dashboard/config"):
        r = await shared.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/dashboard/login"
    assert (await shared.get("/dashboard/sources/table")).status_code == 401
    login = await shared.get("/dashboard/login")
    assert login.status_code == 200
    assert 'method="post"' in login.text and 'type="password"' in login.text
    # static files carry no data and stay reachable for the sign-in page itself
    assert (await shared.get("/dashboard/static/dashboard.css")).status_code == 200
    # the API itself still needs the key
    assert (await shared.get("/api/models")).status_code == 401


async def test_posts_need_a_session_too(shared: httpx.AsyncClient) -> None:
    r = await shared.post("/dashboard/rate", data={"spawn_id": "1", "rating": "5"})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/login"


async def test_a_wrong_key_is_refused(shared: httpx.AsyncClient) -> None:
    r = await shared.post("/dashboard/login", data={"api_key": "nope"})
    assert r.status_code == 401
    assert "not valid" in r.text
    assert COOKIE not in r.headers.get("set-cookie", "")


async def test_sign_in_sets_a_signed_session_cookie_without_the_key(
    shared: httpx.AsyncClient,
) -> None:
    r = await shared.post("/dashboard/login", data={"api_key": KEY})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    cookie = r.headers["set-cookie"]
    assert KEY not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    page = await shared.get("/dashboard/spend")
    assert page.status_code == 200 and "Sign out" in page.text
    out = await shared.post("/dashboard/logout")
    assert out.status_code == 303
    shared.cookies.clear()
    assert (await shared.get("/dashboard")).status_code == 303


async def test_a_forged_or_tampered_cookie_is_ignored(shared: httpx.AsyncClient) -> None:
    await shared.post("/dashboard/login", data={"api_key": KEY})
    value = shared.cookies[COOKIE]
    user, expires, sig = value.split(".")
    for forged in (f"k_other.{expires}.{sig}", f"{user}.9999999999.{sig}", "local.1.x", "junk"):
        shared.cookies.clear()
        shared.cookies.set(COOKIE, forged, path="/dashboard")
        assert (await shared.get("/dashboard")).status_code == 303


async def test_an_api_key_header_works_without_signing_in(shared: httpx.AsyncClient) -> None:
    for headers in ({"x-api-key": KEY}, {"authorization": f"Bearer {KEY}"}):
        assert (await shared.get("/dashboard/ratings", headers=headers)).status_code == 200


async def test_each_key_sees_only_its_own_spawns(shared: httpx.AsyncClient) -> None:
    logged = await shared.post(
        "/api/spawn-log",
        json={"model": "openai/gpt-5-mini", "category": "research"},
        headers={"x-api-key": KEY},
    )
    assert logged.status_code == 200
    mine = await shared.get("/dashboard/spend", headers={"x-api-key": KEY})
    theirs = await shared.get("/dashboard/spend", headers={"x-api-key": "other-key"})
    assert "openai/gpt-5-mini" in mine.text
    assert "openai/gpt-5-mini" not in theirs.text


async def test_cross_site_sign_in_is_refused(shared: httpx.AsyncClient) -> None:
    r = await shared.post(
        "/dashboard/login", data={"api_key": KEY}, headers={"referer": "http://evil.example/x"}
    )
    assert r.status_code == 403
    same = await shared.post(
        "/dashboard/login", data={"api_key": KEY}, headers={"origin": "http://testserver"}
    )
    assert same.status_code == 303


async def test_only_dashboard_paths_skip_the_api_key_check(shared: httpx.AsyncClient) -> None:
    assert (await shared.get("/dashboardx")).status_code == 401
    assert (await shared.get("/api/dashboard")).status_code == 401
