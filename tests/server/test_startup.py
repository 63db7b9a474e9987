"""Start-up: the API answers through the fast path before FastAPI or the dashboard is loaded;
the background warm-up then builds both, and every route is still reachable through FastAPI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from tests.server.helpers import client_for

FIRST_REQUESTS = """
import asyncio, sys
import httpx
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings

async def main() -> None:
    with Runtime.open(home=sys.argv[1], recommender="local") as rt:
        app = create_app(rt, ServerSettings(background_refresh=False))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            pick = await c.get("/api/pick", params={"task": "refactor the parser"})
            compose = await c.post("/roles/compose", json={"task": "x", "persona": "writer"})
            bad = await c.get("/api/pick", params={"task": "x", "budget": "lots"})
        loaded = sorted({m.split(".")[0] for m in sys.modules} & {"fastapi", "jinja2"})
        print(pick.status_code, compose.status_code, bad.status_code, loaded)

asyncio.run(main())
"""


def test_api_routes_answer_without_loading_fastapi(warm_home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", FIRST_REQUESTS, str(warm_home)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["200", "200", "400", "[]"]


async def test_warm_up_builds_fastapi_and_the_dashboard_after_the_first_response(
    warm_home: Path,
) -> None:
    with Runtime.open(home=warm_home) as rt:
        config = ServerSettings(access_log=False, background_refresh=False)
        app = create_app(rt, config)
        async with app.lifespan(), client_for(app) as client:
            assert (await client.get("/api/health")).status_code == 200
            await app.state.warmup.done.wait()
            assert (await client.get("/dashboard")).status_code == 200
            unknown = await client.get("/api/nowhere")  # FastAPI's 404, in our envelope
            assert unknown.status_code == 404
            assert unknown.json()["error"]["code"] == "NOT_FOUND"
            wrong_method = await client.delete("/api/pick")
            assert wrong_method.status_code == 405
            doc = (await client.get("/api/openapi.json")).json()
            names = {p["name"] for p in doc["paths"]["/api/pick"]["get"]["parameters"]}
            assert {"task", "budget", "exclude", "context"} <= names


async def test_a_dashboard_request_before_the_warm_up_loads_it_itself(warm_home: Path) -> None:
    with Runtime.open(home=warm_home) as rt:
        app = create_app(rt, ServerSettings(access_log=False, background_refresh=False))
        async with client_for(app) as client:  # no lifespan: nothing warmed
            page = await client.get("/dashboard")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
