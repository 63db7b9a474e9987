"""POST decompose/swarm and the roles routes: the original's unenveloped shapes."""

from __future__ import annotations

import httpx


async def test_decompose_shape(client: httpx.AsyncClient) -> None:
    task = "1. Design the database schema\n2. Build the REST API\n3. Write the tests"
    r = await client.post(
        "/api/decompose", json={"task": task, "budget": "low", "context": "python"}
    )
    assert r.status_code == 200
    body = r.json()
    assert "data" not in body
    assert body["decomposed"] is True
    assert body["totalSteps"] == len(body["steps"]) == 3
    step = body["steps"][0]
    assert {"step", "task", "category", "budget", "model", "reason"} <= set(step)
    assert step["model"] is None or {"id", "name", "provider", "score", "pricing"} <= set(
        step["model"]
    )
    assert body["originalTask"] == task
    assert body["context"] == "python"


async def test_decompose_not_split(client: httpx.AsyncClient) -> None:
    r = await client.post("/decompose", json={"task": "Say hello"})
    assert r.status_code == 200
    assert r.json()["decomposed"] is False
    assert r.json()["reason"] == "Task does not appear to have multiple steps"


async def test_swarm_shape_and_clamp(client: httpx.AsyncClient) -> None:
    task = "Design the data model; build the api endpoints; write docs for the api"
    r = await client.post("/api/swarm", json={"task": task, "maxParallel": 99})
    assert r.status_code == 200
    body = r.json()
    assert body["decomposed"] is True
    dag = body["dag"]
    for key in (
        "tasks",
        "waves",
        "edges",
        "totalTasks",
        "totalWaves",
        "originalTask",
        "context",
        "estimatedCost",
    ):
        assert key in dag
    assert dag["maxParallel"] == 8  # clamped like the original
    assert {
        "id",
        "description",
        "category",
        "budget",
        "persona",
        "dependsOn",
        "model",
        "reason",
        "wave",
    } <= set(dag["tasks"][0])
    assert {"low", "high"} <= set(dag["estimatedCost"])


async def test_roles(client: httpx.AsyncClient) -> None:
    blocks = (await client.get("/api/roles/blocks")).json()
    assert set(blocks) >= {"personas", "stack", "domains", "formats", "guardrails", "counts"}
    r = await client.post(
        "/roles/compose",
        json={"task": "Build a login page", "persona": "frontend-engineer", "stack": ["react"]},
    )
    assert r.status_code == 200
    role = r.json()
    assert role["hasRole"] is True
    assert role["fullPrompt"].endswith("Build a login page")
    assert {
        "persona",
        "personaTitle",
        "stack",
        "domain",
        "format",
        "guardrails",
        "wordCount",
    } <= set(role)


async def test_compose_refuses_a_string_where_a_list_is_required(client) -> None:
    """Issue 11 #19: as the original, ``"stack": "react"`` is a 400 INVALID_PARAM."""
    for field in ("stack", "guardrails"):
        r = await client.post("/api/roles/compose", json={"task": "build it", field: "react"})
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "INVALID_PARAM"
        assert r.json()["error"]["field"] == field
