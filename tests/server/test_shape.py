"""Lean answers by default, the full evidence with ``explain=full`` (issue 12)."""

from __future__ import annotations

import httpx
import pytest

from smart_spawn_plugin.engine.select.requests import Decision
from smart_spawn_plugin.models import ModelRecord
from smart_spawn_plugin.server.shape import LEAN_RUNNER_UPS, ORIGINAL_BENCHMARKS
from tests.server.helpers import error

#: the original's /pick data keys (reference §1.4), without the context-only pair
ORIGINAL_PICK = {
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
}
ORIGINAL_MODEL = {
    "id",
    "name",
    "provider",
    "contextLength",
    "pricing",
    "capabilities",
    "categories",
    "scores",
    "costEfficiency",
    "tier",
    "benchmarks",
    "speed",
    "tags",
    "lastUpdated",
    "sourcesCovered",
}


async def test_pick_lean_and_full(client: httpx.AsyncClient) -> None:
    params = {"task": "Refactor the auth module to use JWT"}
    lean = (await client.get("/api/pick", params=params)).json()["data"]
    full = (await client.get("/api/pick", params={**params, "explain": "full"})).json()["data"]
    assert set(lean) >= ORIGINAL_PICK
    assert not {"evidence", "classification", "baseline", "contextBoost", "contextTags"} & set(lean)
    assert len(lean["runnerUps"]) <= LEAN_RUNNER_UPS
    assert {"evidence", "classification", "baseline"} <= set(full)
    assert full["classification"]["category"] == full["category"]
    assert full["evidence"] and len(full["runnerUps"]) >= len(lean["runnerUps"])
    assert lean["id"] == full["id"] and lean["score"] == full["score"]
    Decision.model_validate(lean)  # clients parse both shapes
    Decision.model_validate(full)


async def test_pick_with_context_keeps_the_context_keys(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/pick", params={"task": "coding", "context": "react,typescript"})
    data = r.json()["data"]
    assert data["contextTags"] == ["react", "typescript"] and "contextBoost" in data


async def test_models_lean_and_full(client: httpx.AsyncClient) -> None:
    params = {"category": "coding"}
    lean_r = await client.get("/api/models", params=params)
    full_r = await client.get("/api/models", params={**params, "explain": "full"})
    lean, full = lean_r.json(), full_r.json()
    assert len(lean_r.content) < len(full_r.content) / 2
    assert lean["meta"] == full["meta"]
    assert [m["id"] for m in lean["data"]] == [m["id"] for m in full["data"]]
    for lm, fm in zip(lean["data"], full["data"], strict=True):
        assert set(lm) == ORIGINAL_MODEL
        assert set(lm["benchmarks"]) <= ORIGINAL_BENCHMARKS
        assert lm["scores"] == {c: round(v) for c, v in fm["scores"].items()}
        assert all(type(v) is int for v in lm["scores"].values())
        assert None not in lm["speed"].values() and None not in lm["benchmarks"].values()
        assert "longContext" not in lm["pricing"]
        assert lm["pricing"]["prompt"] == fm["pricing"]["prompt"]  # prices stay exact
        ModelRecord.model_validate(lm)
    assert any("provenance" in m and m["provenance"] for m in full["data"])
    assert any(set(m["benchmarks"]) - ORIGINAL_BENCHMARKS for m in full["data"])
    assert any(None in m["speed"].values() for m in full["data"])
    assert any(m["pricing"].get("longContext") for m in full["data"])


async def test_recommend_lean_and_full(client: httpx.AsyncClient) -> None:
    params = {"task": "Prove that the square root of 2 is irrational", "count": "3"}
    lean = (await client.get("/api/recommend", params=params)).json()
    full = (await client.get("/api/recommend", params={**params, "explain": "full"})).json()
    assert lean["meta"] == full["meta"]
    for li, fi in zip(lean["data"], full["data"], strict=True):
        assert set(li) == {"model", "reason", "confidence", "score"}
        assert "provenance" not in li["model"] and "provenance" in fi["model"]
        assert li["model"]["id"] == fi["model"]["id"]


async def test_compose_lean_and_full(client: httpx.AsyncClient) -> None:
    body = {"task": "build a react app", "persona": "frontend-engineer", "stack": ["react"]}
    lean = (await client.post("/api/roles/compose", json=body)).json()
    full = (await client.post("/api/roles/compose?explain=full", json=body)).json()
    assert not {"rolePrompt", "autoGuardrails"} & set(lean)
    assert {"rolePrompt", "autoGuardrails"} <= set(full)
    assert lean["fullPrompt"] == full["fullPrompt"] and full["rolePrompt"] in full["fullPrompt"]
    assert {"hasRole", "persona", "personaTitle", "stack", "guardrails", "wordCount"} <= set(lean)


async def test_compose_lean_fits_the_originals_size(client: httpx.AsyncClient) -> None:
    """bench/api.py's compose request: the original answered it in ~1.5 KB; the lean shape
    (1,518 B when written) must not be larger, and the full one carries more."""
    body = {"task": "Build a React dashboard", "persona": "frontend-engineer", "stack": ["react"]}
    lean = await client.post("/api/roles/compose", json=body)
    full = await client.post("/api/roles/compose?explain=full", json=body)
    assert lean.status_code == full.status_code == 200
    assert len(lean.content) <= 1536 < len(full.content)


async def test_lean_and_full_are_cached_apart(client: httpx.AsyncClient) -> None:
    await client.get("/api/pick", params={"task": "coding"})
    full = await client.get("/api/pick", params={"task": "coding", "explain": "full"})
    assert full.headers["x-cache"] == "MISS" and "evidence" in full.json()["data"]


@pytest.mark.parametrize("path", ["/api/pick?task=coding", "/api/models", "/api/recommend?task=x"])
async def test_unknown_explain_value_is_a_400(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path + ("&" if "?" in path else "?") + "explain=everything")
    assert r.status_code == 400
    assert error(r)["field"] == "explain"
