"""The dashboard's pages and form posts, in process (``httpx.ASGITransport``): what each page
shows, bad input as a 4xx page naming the field, and that a page agrees with the API."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.models import Catalog
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.store.catalog import CatalogStore
from smart_spawn_plugin.store.spawnlog import SpawnRecord, SpawnUsage
from tests.conftest import SeedHome
from tests.server.conftest import MakeApp
from tests.server.helpers import client_for, state

PAGES = [
    "/dashboard",
    "/dashboard/frontier",
    "/dashboard/sources",
    "/dashboard/sources/table",
    "/dashboard/spend",
    "/dashboard/ratings",
    "/dashboard/config",
]


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_renders_with_a_strict_csp(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert not re.search(r'(src|href|action)="(https?:)?//', r.text)  # nothing from the network


async def test_static_files_are_served_and_others_are_not(client: httpx.AsyncClient) -> None:
    for name, kind in [("dashboard.css", "text/css"), ("dashboard.js", "text/javascript")]:
        r = await client.get(f"/dashboard/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
    assert (await client.get("/dashboard/static/routes.py")).status_code == 404
    assert (await client.get("/dashboard/static/..%2Froutes.py")).status_code == 404


async def test_routing_card_matches_the_api_pick(client: httpx.AsyncClient) -> None:
    params = {"task": "prove that the square root of two is irrational", "budget": "low"}
    full = {**params, "explain": "full"}  # the card shows the evidence: the API's full shape
    pick = (await client.get("/api/pick", params=full)).json()["data"]
    page = (await client.get("/dashboard", params=params)).text
    assert f'<h2 id="pick-name">{pick["name"]}</h2>' in page
    for runner in pick["runnerUps"]:
        assert runner["id"] in page
    for ev in pick["evidence"]:
        assert ev["benchmark"] in page
    assert pick["reason"].split(" — ")[0] in page
    assert f'<span class="chip strong">{pick["category"]}</span>' in page


async def test_category_and_strategy_reach_the_engine(client: httpx.AsyncClient) -> None:
    params = {"category": "vision", "budget": "high", "strategy": "best_cost_efficiency"}
    pick = (await client.get("/api/pick", params=params)).json()["data"]
    page = (await client.get("/dashboard", params=params)).text
    assert pick["id"] in page
    assert "best cost efficiency" in page


async def test_no_model_offers_the_wider_budget(
    make_app: MakeApp, services: Runtime, tmp_path: Path
) -> None:
    # A catalog of only models priced above the low budget's $1/M blended.
    dear = [m for m in services.catalog.current().models if 2 < m.pricing.blended < 5][:5]
    home = tmp_path / "dear"
    with Runtime.open(home=home) as seeded:
        CatalogStore(seeded.db).save(Catalog(models=dear))
    with Runtime.open(home=home) as only_dear:
        async with client_for(make_app(only_dear)) as c:
            r = await c.get("/dashboard", params={"category": "coding", "budget": "low"})
    assert r.status_code == 200
    assert "No model found" in r.text and "budget=medium has one" in r.text
    assert 'href="/dashboard?' in r.text and "budget=medium" in r.text.split("try budget")[0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("budget=lavish&task=x", "budget"),
        ("strategy=fastest&task=x", "strategy"),
        ("category=poetry", "category"),
        ("view=gantt&task=x", "view"),
        ("task=" + "x" * 2001, "task"),
    ],
)
async def test_bad_try_params_are_a_400_page_naming_the_field(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    r = await client.get(f"/dashboard?{query}")
    assert r.status_code == 400
    assert re.search(rf'role="alert">[^<]*{field}', r.text), r.text[-800:]


async def test_swarm_view_attaches_a_model_to_every_task(client: httpx.AsyncClient) -> None:
    task = "Research vector databases, then write a comparison report and build a demo app"
    page = (await client.get("/dashboard", params={"task": task, "view": "swarm"})).text
    plan = (await client.post("/api/swarm", json={"task": task})).json()["dag"]
    assert page.count('<g class="node"') == plan["totalTasks"]
    for t in plan["tasks"]:
        assert t["model"]["id"] in page
    plan_page = (await client.get("/dashboard", params={"task": task, "view": "plan"})).text
    steps = (await client.post("/api/decompose", json={"task": task})).json()["steps"]
    assert plan_page.count('<g class="node"') == len(steps)


@pytest.mark.parametrize(("category", "budget"), [("coding", "medium"), ("creative", "any")])
async def test_frontier_draws_every_model_of_the_category(
    client: httpx.AsyncClient, services: Runtime, category: str, budget: str
) -> None:
    page = (await client.get(f"/dashboard/frontier?category={category}&budget={budget}")).text
    expected = {m.id for m in services.catalog.current().models if category in m.scores}
    drawn = re.findall(r'<circle class="pt[^"]*"[^>]*data-id="([^"]+)"', page)
    assert sorted(drawn) == sorted(expected)
    pick = (await client.get(f"/api/pick?category={category}&budget={budget}")).json()["data"]
    picked = re.findall(r'<circle class="pt[^"]*picked[^"]*"[^>]*data-id="([^"]+)"', page)
    assert picked == [pick["id"]]


async def test_frontier_rejects_unknown_budget_and_category(client: httpx.AsyncClient) -> None:
    assert (await client.get("/dashboard/frontier?budget=lavish")).status_code == 400
    assert (await client.get("/dashboard/frontier?category=poetry")).status_code == 400


def _log_spawns(services: Runtime, user_key: str = "local", n: int = 3) -> list[int]:
    log = state_spawns(services)
    ids = []
    for i in range(n):
        row = log.log(
            SpawnRecord(
                user_key=user_key,
                model="anthropic/claude-sonnet-4.5",
                category="coding",
                prompt_price=3.0,
                completion_price=15.0,
            )
        )
        log.finish(
            row.id,
            SpawnUsage(prompt_tokens=1000 * (i + 1), completion_tokens=500, duration_ms=1200),
            user_key=user_key,
        )
        ids.append(row.id)
    return ids


def state_spawns(services: Runtime):  # type: ignore[no-untyped-def]
    from smart_spawn_plugin.store.spawnlog import SpawnLogStore

    return SpawnLogStore(services.db)


async def test_spend_lists_spawns_with_cost_and_charts(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    _log_spawns(services)
    page = (await client.get("/dashboard/spend")).text
    assert page.count('<tr id="spawn-') == 3
    # (1000·3 + 500·15)/1e6 = $0.0105 for the first spawn
    assert "$0.0105" in page
    assert 'aria-label="Spend per day"' in page and 'aria-label="Spend per provider"' in page
    assert "anthropic: $" in page


async def test_rating_a_spawn_changes_the_ratings_page(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    ids = _log_spawns(services)
    r = await client.post("/dashboard/rate", data={"spawn_id": ids[0], "rating": 5})
    assert r.status_code == 303
    assert r.headers["location"] == f"/dashboard/spend?rated={ids[0]}#spawn-{ids[0]}"
    rows = state_ratings(services)
    assert [(x.model, x.category, x.rating, x.spawn_id) for x in rows] == [
        ("anthropic/claude-sonnet-4.5", "coding", 5, ids[0])
    ]
    page = (await client.get("/dashboard/ratings")).text
    assert "anthropic/claude-sonnet-4.5" in page and "Effect on picks" in page
    assert page.count('<li id="spawn-') == 2  # the two still unrated


def state_ratings(services: Runtime):  # type: ignore[no-untyped-def]
    from smart_spawn_plugin.store.ratings import RatingsStore

    return RatingsStore(services.db).rows()


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"spawn_id": "1", "rating": "6"}, 400, "rating"),
        ({"spawn_id": "x", "rating": "3"}, 400, "spawn_id"),
        ({"rating": "3"}, 400, "spawn_id"),
        ({"spawn_id": "999", "rating": "3"}, 404, "no spawn 999"),
    ],
)
async def test_bad_ratings_are_refused_naming_the_field(
    client: httpx.AsyncClient, data: dict[str, str], status: int, text: str
) -> None:
    r = await client.post("/dashboard/rate", data=data)
    assert r.status_code == status
    assert text in r.text


async def test_cross_origin_posts_are_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/dashboard/rate",
        data={"spawn_id": "1", "rating": "5"},
        headers={"origin": "http://evil.example"},
    )
    assert r.status_code == 403


async def test_config_masks_secrets(tmp_path: Path) -> None:
    from smart_spawn_plugin.server.app import create_app

    with Runtime.open(
        home=tmp_path / "h",
        openrouter_api_key="sk-or-very-secret",
        server={"api_keys": ["team-key-1"], "access_log": False},
    ) as runtime:
        app = create_app(runtime)
        async with client_for(app) as c:
            page = (await c.get("/dashboard/config", headers={"x-api-key": "team-key-1"})).text
    assert "sk-or-very-secret" not in page and "team-key-1" not in page
    assert page.count("•••••• (set)") == 2  # the OpenRouter key and the server's API keys
    for section in ("Settings", "Server", "MCP", "Gateway"):
        assert f">{section}</h2>" in page


def _csv(task: str | None, rows: list[tuple[str, str, float]]) -> bytes:
    head = [f"# task_name: {task}"] if task else []
    body = ["Model,OC OR Key,Score (%)", *[f"{n},{k},{s}" for n, k, s in rows]]
    return ("\n".join([*head, *body]) + "\n").encode()


async def test_csv_import_parses_saves_and_rebuilds(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    ids = [m.id for m in services.catalog.current().models if ":" not in m.id][:2]
    data = _csv("Legal Review", [("first", ids[0], 91.0), ("second", ids[1], 64.5)])
    r = await client.post("/dashboard/config/import", files={"csv": ("legal.csv", data)})
    assert r.status_code == 200, r.text[-500:]
    assert "legal_review" in r.text and "2 scored rows" in r.text
    assert (services.settings.home / "openmark" / "legal_review.csv").is_file()
    models = {m.id: m for m in services.catalog.current().models}
    assert models[ids[0]].benchmarks["openmark:legal_review"] == 91.0
    assert state(client_app(client)).cache is not None


def client_app(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    return client._transport.app  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("files", "text"),
    [
        ({"csv": ("a.csv", _csv(None, [("m", "a/b", 1.0)]))}, "task_name"),
        ({"csv": ("a.csv", b"# task_name: t\nName,Points\nx,1\n")}, "Model, Score"),
        ({"csv": ("a.csv", b"\xff\xfe\x00bad")}, "not UTF-8"),
        ({"other": ("a.csv", b"x")}, "choose an OpenMark CSV"),
    ],
)
async def test_bad_csv_imports_are_a_400_naming_the_problem(
    client: httpx.AsyncClient, services: Runtime, files: dict[str, object], text: str
) -> None:
    r = await client.post("/dashboard/config/import", files=files)
    assert r.status_code == 400
    assert text in r.text
    assert not (services.settings.home / "openmark").exists()


async def test_spend_shows_quota_bars_with_predicted_exhaustion(
    make_app: MakeApp, tmp_path: Path, seed_home: SeedHome
) -> None:
    """Issue 14 with issue 13 landed: the spend page has a quota bar per provider with its
    used share and predicted exhaustion, from the same service as ``quota predict``."""
    from tests.providers.helpers import open_services, seed
    from tests.server.helpers import client_for

    providers = {
        "entries": {
            "anthropic": {
                "baseUrl": "http://127.0.0.1:9/v1",
                "models": ["anthropic/claude-sonnet-4.5"],
                "quota": {"quotaSource": "self-tracked", "quotaType": "tokens", "limit": 100_000},
            }
        }
    }
    with open_services(seed_home(tmp_path / "q"), **providers) as rt:
        seed(rt, "anthropic/claude-sonnet-4.5", prompt=30_000, completion=10_000, hours_ago=2)
        async with client_for(make_app(rt)) as client:
            page = (await client.get("/dashboard/spend")).text
    assert "Provider quotas and local servers" in page
    assert 'aria-label="anthropic quota used"' in page and 'value="0.4"' in page
    assert "40000 of 100000 tokens" in page and "runs out" in page
