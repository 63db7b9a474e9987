"""Every bad input of reference §1 and §11 is a 4xx with the original's code, naming the field;
never a 500, never FastAPI's 422 shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.server.helpers import error

TOO_MANY = ",".join(f"p/m{i}" for i in range(51))

GET_CASES: list[tuple[str, dict[str, str], str, str]] = [
    ("/api/pick", {}, "MISSING_PARAM", "task parameter is required"),
    ("/api/pick", {"task": "   "}, "MISSING_PARAM", "task parameter is required"),
    ("/api/pick", {"task": "x" * 201}, "INVALID_PARAM", "task must be at most 200 characters"),
    ("/api/pick", {"task": "a\nb"}, "INVALID_PARAM", "task must not contain control"),
    ("/api/pick", {"task": "code", "budget": "huge"}, "INVALID_PARAM", "budget is invalid"),
    ("/api/pick", {"task": "code", "exclude": "bad id!"}, "INVALID_PARAM", "exclude contains"),
    ("/api/pick", {"task": "code", "exclude": TOO_MANY}, "INVALID_PARAM", "exclude must list"),
    ("/api/pick", {"task": "code", "category": "cooking"}, "INVALID_PARAM", "category is inv"),
    ("/api/pick", {"task": "code", "minContext": "lots"}, "INVALID_PARAM", "minContext must"),
    ("/api/recommend", {}, "MISSING_PARAM", "task parameter is required"),
    ("/api/recommend", {"task": "code", "count": "abc"}, "INVALID_PARAM", "count must be an"),
    (
        "/api/recommend",
        {"task": "code", "require": "telepathy"},
        "INVALID_PARAM",
        "require contains invalid capabilities",
    ),
    ("/api/models", {"category": "nope"}, "INVALID_PARAM", "category is invalid"),
    ("/api/models", {"tier": "gold"}, "INVALID_PARAM", "tier is invalid"),
    ("/api/models", {"sort": "random"}, "INVALID_PARAM", "sort is invalid"),
    ("/api/models", {"limit": "many"}, "INVALID_PARAM", "limit must be an integer"),
    ("/api/compare", {}, "MISSING_PARAM", "models parameter is required"),
    ("/api/compare", {"models": "a/b"}, "INVALID_PARAM", "at least two valid model IDs"),
    ("/api/compare", {"models": "a/1,a/2,a/3,a/4,a/5,a/6"}, "INVALID_PARAM", "at most 5"),
    ("/api/compare", {"models": "a/b,<script>"}, "INVALID_PARAM", "invalid model IDs"),
    ("/api/spawn-log/scores", {"category": "x"}, "INVALID_PARAM", "category is invalid"),
    ("/api/spawn-log/scores", {"minSamples": "x"}, "INVALID_PARAM", "minSamples must be"),
    ("/api/spawn-log/stats", {"days": "week"}, "INVALID_PARAM", "days must be an integer"),
    ("/api/community/scores", {"category": "x"}, "INVALID_PARAM", "category is invalid"),
    ("/api/community/scores", {"minRatings": "1.5"}, "INVALID_PARAM", "minRatings must be"),
]


@pytest.mark.parametrize(("path", "query", "code", "message"), GET_CASES)
async def test_bad_query(
    client: httpx.AsyncClient, path: str, query: dict[str, str], code: str, message: str
) -> None:
    r = await client.get(path, params=query)
    assert r.status_code == 400, r.text
    err = error(r)
    assert err["code"] == code
    assert message in err["message"]
    assert r.headers["cache-control"] == "no-store"


POST_CASES: list[tuple[str, Any, str, str]] = [
    # §11.2: a non-string task was a 500
    ("/api/decompose", {"task": 123}, "INVALID_BODY", "task must be a string"),
    ("/api/swarm", {"task": ["a"]}, "INVALID_BODY", "task must be a string"),
    ("/api/decompose", {}, "MISSING_PARAM", "task field is required in request body"),
    ("/api/decompose", {"task": ""}, "MISSING_PARAM", "task field is required"),
    ("/api/swarm", {"task": None}, "MISSING_PARAM", "task field is required"),
    # §11.25: budget was not validated on decompose/swarm
    ("/api/decompose", {"task": "a; b", "budget": "lavish"}, "INVALID_BODY", "budget is inv"),
    # §11.1: a non-numeric maxParallel looped forever
    ("/api/swarm", {"task": "a; b", "maxParallel": "x"}, "INVALID_BODY", "maxParallel must"),
    ("/api/swarm", {"task": "a; b", "maxParallel": 2.5}, "INVALID_BODY", "maxParallel must"),
    ("/api/swarm", {"task": "a; b", "maxParallel": True}, "INVALID_BODY", "maxParallel must"),
    ("/api/spawn-log", {"model": "a/b"}, "INVALID_BODY", "model and category are required"),
    ("/api/spawn-log", {"model": "a/b", "category": "bogus-cat"}, "INVALID_BODY", "category"),
    (
        "/api/spawn-log/outcome",
        {"model": "a/b", "category": "coding"},
        "INVALID_BODY",
        "model, category, and rating (1-5) are required",
    ),
    (
        "/api/spawn-log/outcome",
        {"model": "a/b", "category": "coding", "rating": "good"},
        "INVALID_BODY",
        "rating must be a number",
    ),
    (
        "/api/spawn-log/outcome",
        {"model": "a/b", "category": "coding", "rating": 9},
        "INVALID_BODY",
        "rating must be a number from 1 to 5",
    ),
    (
        "/api/spawn-log/outcome",
        {"model": "a/b", "category": "bogus-cat", "rating": 3},
        "INVALID_BODY",
        "category is invalid",
    ),
    (
        "/api/community/report",
        {"model": "a/b", "category": "coding", "rating": 3},
        "INVALID_BODY",
        "instanceId are required",
    ),
    (
        "/api/community/report",
        {"model": "a/b", "category": "coding", "rating": True, "instanceId": "i"},
        "INVALID_BODY",
        "rating",
    ),
    ("/api/roles/compose", {}, "MISSING_PARAM", "task required"),
    ("/api/roles/compose", {"task": "x", "stack": 5}, "INVALID_PARAM", "stack"),
    ("/api/spawn-log", [1, 2], "INVALID_BODY", "JSON object"),
]


@pytest.mark.parametrize(("path", "body", "code", "message"), POST_CASES)
async def test_bad_body(
    client: httpx.AsyncClient, path: str, body: Any, code: str, message: str
) -> None:
    r = await client.post(path, json=body)
    assert r.status_code == 400, r.text
    err = error(r)
    assert err["code"] == code
    assert message in err["message"]


@pytest.mark.parametrize("path", ["/api/decompose", "/api/spawn-log", "/api/community/report"])
async def test_invalid_json_is_invalid_body(client: httpx.AsyncClient, path: str) -> None:
    r = await client.post(path, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert error(r)["code"] == "INVALID_BODY"


async def test_non_numeric_rating_is_never_recorded(client: httpx.AsyncClient) -> None:
    body = {"model": "a/b", "category": "coding", "rating": "NaN"}
    assert (await client.post("/api/spawn-log/outcome", json=body)).status_code == 400
    scores = await client.get("/api/spawn-log/scores", params={"minSamples": "1"})
    assert scores.json()["data"] == []


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/nothing-here")
    assert r.status_code == 404
    assert error(r)["code"] == "NOT_FOUND"
    assert r.headers["cache-control"] == "no-store"
    r = await client.delete("/api/pick")
    assert r.status_code == 405
    assert error(r)["code"] == "METHOD_NOT_ALLOWED"
