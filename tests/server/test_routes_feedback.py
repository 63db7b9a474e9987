"""Feedback routes: spawn log, outcomes, scores, stats, community; per-key scoping."""

from __future__ import annotations

import httpx

from tests.server.conftest import MakeApp
from tests.server.helpers import client_for, error, state


async def test_spawn_log_and_stats(client: httpx.AsyncClient) -> None:
    model = (await client.get("/api/models?limit=1")).json()["data"][0]["id"]
    r = await client.post(
        "/api/spawn-log",
        json={"model": f"openrouter/{model}", "category": "coding", "mode": "collective"},
    )
    assert r.status_code == 200
    assert r.json()["data"]["logged"] is True
    stats = (await client.get("/api/spawn-log/stats", params={"days": "999"})).json()["data"]
    for key in (
        "totalSpawns",
        "byModel",
        "byCategory",
        "byMode",
        "totalEstimatedCost",
        "opusCostEstimate",
        "savings",
        "since",
        "daily",
        "cascade",
        "categoryAvgCost",
        "topModels",
    ):
        assert key in stats
    assert stats["totalSpawns"] == 1
    assert stats["byModel"] == {model: 1}  # openrouter/ prefix stripped
    assert stats["byMode"] == {"collective": 1}


GLM = "z-ai/glm-5.2"


async def test_outcome_and_scores(client: httpx.AsyncClient) -> None:
    for rating in (5, 4.6, 4):
        r = await client.post(
            "/spawn-log/outcome",
            json={"model": GLM, "category": "coding", "rating": rating, "context": "python"},
        )
        assert r.status_code == 200
    assert r.json()["data"] == {"recorded": True, "model": GLM, "category": "coding", "rating": 4}
    rows = (await client.get("/api/spawn-log/scores", params={"category": "coding"})).json()
    assert rows["data"][0]["model"] == GLM
    assert rows["data"][0]["total"] == 3
    assert 0 < rows["data"][0]["successRate"] <= 1
    none = (await client.get("/api/spawn-log/scores", params={"minSamples": "4"})).json()
    assert none["data"] == []


async def test_community_report_scores_and_instance_limit(app) -> None:
    """Three contributors are three client addresses (an unshared server); the body's
    instanceId decides nothing."""
    state(app).service.community._limit = 2
    for i in range(3):
        async with client_for(app, (f"203.0.113.{i + 1}", 1)) as c:
            for _ in range(2):
                r = await c.post(
                    "/api/community/report",
                    json={
                        "model": "a/b",
                        "category": "coding",
                        "rating": 4,
                        "instanceId": "inst-0",
                    },
                )
                assert r.status_code == 200
                assert r.json() == {"data": {"recorded": True}}
    async with client_for(app, ("203.0.113.1", 1)) as client:
        over = await client.post(
            "/api/community/report",
            json={"model": "a/b", "category": "coding", "rating": 4, "instanceId": "inst-9"},
        )
        assert over.status_code == 429
        assert error(over)["code"] == "RATE_LIMITED"
        assert int(over.headers["retry-after"]) >= 1
        scores = await client.get("/api/community/scores", params={"minRatings": "1"})
    rows = scores.json()["data"]
    assert rows == [
        {
            "model": "a/b",
            "category": "coding",
            "totalRatings": 6,
            "avgRating": 4.0,
            "contributors": 3,
        }
    ]
    assert "inst-0" not in str(rows)


async def test_shared_server_scopes_feedback_per_key(make_app: MakeApp) -> None:
    app = make_app(api_keys=["alice-key", "bob-key"])
    alice = {"authorization": "Bearer alice-key"}
    bob = {"x-api-key": "bob-key"}
    async with client_for(app) as c:
        denied = await c.get("/api/pick", params={"task": "coding"})
        assert denied.status_code == 401
        assert error(denied)["code"] == "UNAUTHORIZED"
        wrong = await c.get("/api/pick", params={"task": "coding"}, headers={"x-api-key": "x"})
        assert wrong.status_code == 401
        assert (await c.get("/api/health")).status_code == 200
        assert (await c.get("/api")).status_code == 200
        pick = await c.get("/api/pick", params={"task": "coding"}, headers=bob)
        assert pick.headers["cache-control"] == "private, max-age=300"
        winner = pick.json()["data"]["id"]
        for _ in range(6):
            r = await c.post(
                "/api/spawn-log/outcome",
                headers=alice,
                json={"model": winner, "category": "coding", "rating": 1},
            )
            assert r.status_code == 200
        await c.post("/api/spawn-log", headers=alice, json={"model": winner, "category": "coding"})
        bob_pick = await c.get("/api/pick", params={"task": "coding"}, headers=bob)
        assert bob_pick.json()["data"]["id"] == winner  # Alice's ratings do not steer Bob
        assert bob_pick.json()["data"]["personalScore"] is None
        alice_pick = await c.get("/api/pick", params={"task": "coding"}, headers=alice)
        data = alice_pick.json()["data"]
        assert data["id"] != winner or data["personalScore"] is not None
        bob_scores = await c.get("/api/spawn-log/scores?minSamples=1", headers=bob)
        assert bob_scores.json()["data"] == []
        bob_stats = await c.get("/api/spawn-log/stats", headers=bob)
        assert bob_stats.json()["data"]["totalSpawns"] == 0
        alice_stats = await c.get("/api/spawn-log/stats", headers=alice)
        assert alice_stats.json()["data"]["totalSpawns"] == 1


async def test_outcome_normalises_and_refuses_unknown_models(client: httpx.AsyncClient) -> None:
    """Issue 11 #17 over HTTP: one validation for every surface."""
    r = await client.post(
        "/api/spawn-log/outcome",
        json={"model": "Z-AI/GLM-5.2", "category": "coding", "rating": 4.5},
    )
    assert r.status_code == 200
    assert r.json()["data"]["model"] == GLM and r.json()["data"]["rating"] == 5
    r = await client.post(
        "/api/spawn-log/outcome", json={"model": "no/such-model", "category": "coding", "rating": 3}
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "INVALID_PARAM"
