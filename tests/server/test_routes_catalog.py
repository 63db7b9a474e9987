"""GET pick, recommend, models, compare, status: the original's shapes under /api and at /."""

from __future__ import annotations

import httpx
import pytest

from tests.server.helpers import error


@pytest.mark.parametrize("prefix", ["/api", ""])
async def test_pick_shape(client: httpx.AsyncClient, prefix: str) -> None:
    r = await client.get(f"{prefix}/pick", params={"task": "write a python web scraper"})
    assert r.status_code == 200
    data = r.json()["data"]
    for key in (
        "id",
        "name",
        "provider",
        "score",
        "benchmarkScore",
        "personalScore",
        "pricing",
        "budget",
        "tier",
        "candidateCount",
        "reason",
    ):
        assert key in data
    assert set(data["pricing"]) >= {"prompt", "completion"}
    assert set(data["tier"]) == {"min", "max"}
    assert data["budget"] == "medium"


async def test_pick_task_naming_a_category_uses_it(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/pick", params={"task": "vision", "budget": "any"})
    assert r.status_code == 200
    assert r.json()["data"]["category"] == "vision"


async def test_pick_with_context_and_exclude(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/pick", params={"task": "coding"})).json()["data"]["id"]
    r = await client.get(
        "/api/pick", params={"task": "coding", "exclude": first, "context": "python,fastapi"}
    )
    assert r.status_code == 200
    assert r.json()["data"]["id"] != first


async def test_pick_no_model(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/pick",
        params={"task": "coding", "budget": "low", "minContext": "1000000", "require": "vision"},
    )
    # Either a model qualifies or NO_MODEL (404) — never anything else.
    assert r.status_code in (200, 404)
    if r.status_code == 404:
        assert error(r)["code"] == "NO_MODEL"
        assert r.headers["cache-control"] == "no-store"


async def test_recommend_shape_and_count_clamp(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/recommend", params={"task": "coding", "count": "9"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"data", "meta"}
    assert 1 <= len(body["data"]) <= 5
    item = body["data"][0]
    assert {"model", "reason", "confidence"} <= set(item)
    assert "contextLength" in item["model"]
    assert set(body["meta"]) >= {"task", "taskRaw", "budget", "candidatesConsidered"}
    zero = (await client.get("/recommend", params={"category": "coding", "count": "0"})).json()
    assert len(zero["data"]) == 1


async def test_models_shape_filters_and_limit(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/models", params={"category": "coding", "sort": "cost", "limit": "3"})
    assert r.status_code == 200
    body = r.json()
    assert set(body["meta"]) == {"total", "filtered", "returned", "lastRefresh", "version"}
    assert len(body["data"]) == body["meta"]["returned"] <= 3
    prices = [m["pricing"]["prompt"] * 3 + m["pricing"]["completion"] for m in body["data"]]
    assert prices == sorted(prices)
    big = (await client.get("/models", params={"limit": "100000"})).json()
    assert big["meta"]["returned"] <= 500
    tier = (await client.get("/api/models", params={"tier": "budget"})).json()["data"]
    assert all(m["tier"] == "budget" for m in tier)


async def test_compare_shape_and_missing(client: httpx.AsyncClient) -> None:
    ids = [m["id"] for m in (await client.get("/api/models?limit=2")).json()["data"]]
    r = await client.get("/api/compare", params={"models": ",".join([*ids, "nope/none"])})
    assert r.status_code == 200
    data = r.json()["data"]
    assert [m["id"] for m in data["models"]] == ids
    assert data["missing"] == ["nope/none"]
    for key in (
        "tier",
        "contextLength",
        "pricing",
        "capabilities",
        "scores",
        "costEfficiency",
        "benchmarks",
        "speed",
        "categories",
        "sourcesCovered",
        "lastUpdated",
    ):
        assert key in data["models"][0]
    gone = await client.get("/api/compare", params={"models": "a/b,c/d"})
    assert gone.status_code == 404
    assert error(gone)["code"] == "NOT_FOUND"


async def test_status_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/status")
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["status"] == "ok"
    for key in (
        "lastRefresh",
        "modelCount",
        "modelsWithScores",
        "modelsWithBenchmarks",
        "aliases",
        "sources",
        "version",
    ):
        assert key in data
    assert data["modelCount"] > 0


async def test_index_health_openapi(client: httpx.AsyncClient) -> None:
    index = (await client.get("/api")).json()["data"]
    assert index["name"] == "Model Intelligence API"
    assert "GET /api/pick" in index["endpoints"]
    assert (await client.get("/")).status_code == 200
    assert (await client.get("/api/health")).json()["status"] == "ok"
    doc = (await client.get("/api/openapi.json")).json()
    assert "/api/pick" in doc["paths"] and "/api/swarm" in doc["paths"]
    assert "/pick" not in doc["paths"]
