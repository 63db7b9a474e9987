"""``GET /api/pick`` routes through the providers like every other surface: a provider over
its quota (or shifted off) serves nothing and the decision says so — and a cached pick is never
served once the providers' state changed in a way that could alter it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings, Settings
from tests.conftest import SeedHome
from tests.providers.helpers import seed
from tests.server.helpers import client_for, error

TASK = "write a python function that parses ISO 8601 dates"


def _runtime(home: Path, **providers: Any) -> Runtime:
    return Runtime.open(Settings(home=home, providers=providers), recommender="local")


def _quota(model: str) -> dict[str, Any]:
    return {
        "entries": {
            "anthropic": {
                "baseUrl": "http://127.0.0.1:9/v1",
                "models": [model],
                "quota": {"quotaSource": "self-tracked", "quotaType": "tokens", "limit": 10_000},
            }
        }
    }


async def _pick(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await client.get("/api/pick", params={"task": TASK, **params})


async def test_http_pick_skips_a_provider_over_quota_and_says_so(
    tmp_path: Path, seed_home: SeedHome
) -> None:
    with _runtime(seed_home(tmp_path / "plain")) as plain:
        app = create_app(plain, ServerSettings(access_log=False, background_refresh=False))
        async with client_for(app) as client:
            best = (await _pick(client)).json()["data"]["id"]

    with _runtime(seed_home(tmp_path / "h"), **_quota(best)) as services:
        app = create_app(services, ServerSettings(access_log=False, background_refresh=False))
        async with client_for(app) as client:
            first = await _pick(client)
            again = await _pick(client)
            assert first.json()["data"]["id"] == best
            assert again.headers["x-cache"] == "HIT" and again.content == first.content
            seed(services, best, prompt=10, completion=5)  # usage grew, routing did not change
            assert (await _pick(client)).headers["x-cache"] == "HIT"

            # exhausted, recorded the way the CLI does it (another handle on the same store)
            ProvidersService(services).set_usage("anthropic", "100%")
            skipped = await _pick(client)
            assert skipped.status_code == 200
            assert skipped.headers["x-cache"] == "MISS"  # never the cached pick of before
            data = skipped.json()["data"]
            assert data["id"] != best
            assert "skipped anthropic: 100 % of monthly tokens used" in data["reason"]
            full = (await _pick(client, explain="full")).json()["data"]
            assert full["id"] == data["id"] and "skipped anthropic" in full["reason"]
            assert (await _pick(client)).headers["x-cache"] == "HIT"  # cached again, per state

            # the quota resets: the provider's model is picked again
            ProvidersService(services).reset("anthropic")
            back = await _pick(client)
            assert back.json()["data"]["id"] == best
            assert "skipped" not in back.json()["data"]["reason"]


async def test_http_pick_with_every_provider_shifted_off_is_no_model(
    tmp_path: Path, seed_home: SeedHome
) -> None:
    with _runtime(seed_home(tmp_path), **_quota("anthropic/claude-test")) as services:
        app = create_app(services, ServerSettings(access_log=False, background_refresh=False))
        async with client_for(app) as client:
            assert (await _pick(client)).status_code == 200
            ProvidersService(services).shift("openrouter")
            r = await _pick(client)
    assert r.status_code == 404
    assert error(r)["code"] == "NO_MODEL"
    assert "skipped openrouter: shifted off by the user" in r.text


async def test_the_server_warms_the_presorted_lists_after_its_first_pick(
    tmp_path: Path, seed_home: SeedHome
) -> None:
    import asyncio

    with _runtime(seed_home(tmp_path)) as services:
        app = create_app(services, ServerSettings(access_log=False, background_refresh=False))
        assert not services.catalog.selector().warmed  # nothing at start-up
        async with client_for(app) as client:
            assert (await _pick(client)).status_code == 200
            await asyncio.sleep(0)  # the warm-up runs right after the answer
            assert services.catalog.selector().warmed
            assert (await _pick(client, budget="low")).status_code == 200


async def test_http_recommend_leaves_out_a_provider_over_quota(
    tmp_path: Path, seed_home: SeedHome
) -> None:
    params = {"task": TASK, "count": "5"}
    with _runtime(seed_home(tmp_path / "plain")) as plain:
        app = create_app(plain, ServerSettings(access_log=False, background_refresh=False))
        async with client_for(app) as client:
            listed = (await client.get("/api/recommend", params=params)).json()["data"]
    first = listed[0]["model"]["id"]

    with _runtime(seed_home(tmp_path / "h"), **_quota(first)) as services:
        app = create_app(services, ServerSettings(access_log=False, background_refresh=False))
        async with client_for(app) as client:
            before = await client.get("/api/recommend", params=params)
            assert before.json()["data"][0]["model"]["id"] == first
            ProvidersService(services).set_usage("anthropic", "100%")
            after = await client.get("/api/recommend", params=params)
            assert after.status_code == 200
            assert after.headers["x-cache"] == "MISS"  # never the cached list of before
            ids = [entry["model"]["id"] for entry in after.json()["data"]]
            assert ids and first not in ids
