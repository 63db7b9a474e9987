"""The routing tools through the SDK's in-memory client: results and error results."""

from __future__ import annotations

import json

import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.store.ratings import RatingsStore
from tests.mcp.conftest import ClientFactory, call_error, call_ok

ROUTING = {"pick", "recommend", "compare", "models", "decompose", "roles_compose", "feedback"}
RUNS = {
    "smartspawn_health", "smartspawn_run_create", "smartspawn_run_status",
    "smartspawn_run_result", "smartspawn_artifact_get", "smartspawn_run_list",
    "smartspawn_run_cancel",
}  # fmt: skip
ROUTER = {"router_status", "router_predict", "router_analyze", "router_optimize", "router_shift"}


async def test_lists_every_tool_with_a_schema(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == ROUTING | RUNS | ROUTER
    create = next(t for t in tools if t.name == "smartspawn_run_create")
    assert set(create.input_schema["required"]) == {"task", "mode"}
    assert all(t.description for t in tools)


async def test_pick_returns_a_decision_with_text_and_structured_content(
    mcp_client: ClientFactory,
) -> None:
    async with mcp_client() as client:
        result = await client.call_tool("pick", {"task": "write a python csv parser"})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["id"]
    assert result.structured_content["category"] == "coding"
    assert result.structured_content["source"] == "local"
    text = result.content[0]
    assert text.type == "text"
    assert json.loads(text.text) == result.structured_content


async def test_pick_by_category_and_budget(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        low = await call_ok(client, "pick", {"category": "fast-cheap", "budget": "low"})
    assert low["budget"] == "low"
    assert low["category"] == "fast-cheap"


async def test_pick_without_task_or_category_names_task(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        text = await call_error(client, "pick", {})
    error = json.loads(text)["error"]
    assert error["code"] == "MISSING_PARAM"
    assert error["field"] == "task"


async def test_wrong_types_and_unknown_enums_name_the_field(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        assert "task" in await call_error(client, "pick", {"task": 5})
        assert "budget" in await call_error(client, "pick", {"task": "x", "budget": "huge"})
        assert "count" in await call_error(client, "recommend", {"task": "x", "count": 9})
        assert "rating" in await call_error(
            client, "feedback", {"model": "openai/gpt-4o", "category": "coding", "rating": 9}
        )


async def test_recommend_gives_diverse_models(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        out = await call_ok(client, "recommend", {"task": "prove a theorem", "count": 3})
    assert len(out["data"]) == 3
    assert out["meta"]["task"] == "reasoning"


async def test_compare_and_its_errors(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        models = await call_ok(client, "models", {"limit": 3})
        ids = [m["id"] for m in models["data"]]
        out = await call_ok(client, "compare", {"models": [*ids[:2], "nobody/nothing"]})
        one = json.loads(await call_error(client, "compare", {"models": ids[:1]}))
        unknown = json.loads(
            await call_error(client, "compare", {"models": ["no/such", "nor/this"]})
        )
    assert [m["id"] for m in out["models"]] == ids[:2]
    assert out["missing"] == ["nobody/nothing"]
    assert one["error"]["field"] == "models"
    assert unknown["error"]["code"] == "NOT_FOUND"


async def test_models_filters_and_rejects_a_bad_sort(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        out = await call_ok(client, "models", {"category": "coding", "sort": "cost", "limit": 5})
        bad = json.loads(await call_error(client, "models", {"sort": "vibes"}))
    assert out["meta"]["returned"] == 5
    prices = [m["pricing"]["prompt"] * 3 + m["pricing"]["completion"] for m in out["data"]]
    assert prices == sorted(prices)
    assert bad["error"]["field"] == "sort"


async def test_decompose_plan_and_swarm_attach_models(mcp_client: ClientFactory) -> None:
    task = "1. research the market\n2. write the python backend\n3. write the launch post"
    async with mcp_client() as client:
        plan = await call_ok(client, "decompose", {"task": task})
        dag = await call_ok(client, "decompose", {"task": task, "shape": "swarm"})
    assert plan["decomposed"] is True
    assert plan["totalSteps"] == 3
    assert all(step["model"]["id"] for step in plan["steps"])
    assert dag["dag"]["totalTasks"] == 3
    assert all(t["model"]["id"] for t in dag["dag"]["tasks"])
    assert dag["dag"]["estimatedCost"]["high"] > 0


async def test_roles_compose(mcp_client: ClientFactory) -> None:
    async with mcp_client() as client:
        role = await call_ok(
            client,
            "roles_compose",
            {"task": "review this API", "persona": "software-engineer", "stack": ["python"]},
        )
    assert role["hasRole"] is True
    assert "review this API" in role["fullPrompt"]


async def test_feedback_is_recorded_for_the_next_pick(
    mcp_client: ClientFactory, services: Runtime
) -> None:
    async with mcp_client() as client:
        out = await call_ok(
            client, "feedback", {"model": "openai/gpt-4o", "category": "coding", "rating": 5}
        )
    assert out == {
        "recorded": True,
        "model": "openai/gpt-4o",
        "category": "coding",
        "rating": 5,
        "message": "openai/gpt-4o will be favoured for coding tasks.",
    }
    rows = RatingsStore(services.db).rows("local")
    assert [(r.model, r.rating) for r in rows] == [("openai/gpt-4o", 5)]


@pytest.mark.parametrize(
    ("tool", "args", "field"),
    [
        ("recommend", {"task": "x", "count": 6}, "count"),
        ("pick", {"task": "x", "budget": "huge"}, "budget"),
        ("smartspawn_run_create", {"task": "say hi"}, "mode"),
    ],
)
async def test_schema_errors_are_error_objects_naming_the_field(
    mcp_client: ClientFactory, tool: str, args: dict[str, object], field: str
) -> None:
    """Issue 11 #20: the SDK's own argument validation answers in the package's error shape,
    not raw pydantic text with a URL."""
    import json

    async with mcp_client() as client:
        text = await call_error(client, tool, args)
    payload = json.loads(text)
    assert payload["error"]["code"] == "INVALID_PARAM"
    assert payload["error"]["field"] == field
    assert "pydantic" not in text and "http" not in text
