"""smart_spawn: parameters, defaults from settings, strategies, errors naming the field."""

from __future__ import annotations

import json

import pytest

from smart_spawn_plugin.tools.smart_spawn import (
    STRATEGIES,
    SmartSpawnArgs,
    mode_request,
    parameters_schema,
    smart_spawn,
)
from tests.tools.conftest import MakeRuntime

ORIGINAL_PARAMS = {
    "task", "category", "mode", "budget", "collectiveCount", "label", "context", "persona",
    "stack", "domain", "format", "guardrails",
}  # fmt: skip
OUR_PARAMS = {
    "minConfidence",
    "maxEscalation",
    "steps",
    "categoryWeights",
    "strategy",
    "maxParallel",
}


def test_schema_has_the_original_parameters_and_ours() -> None:
    schema = parameters_schema()
    assert set(schema["properties"]) == ORIGINAL_PARAMS | OUR_PARAMS
    assert schema["required"] == ["task"]
    assert schema["additionalProperties"] is False


def test_defaults_come_from_settings(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(defaultBudget="low", collectiveCount=4)
    req = mode_request(SmartSpawnArgs(task="x", context="rust, cli"), runtime)
    assert (req.budget, req.collective_count, req.category) == ("low", 4, None)
    assert req.context == ["rust", "cli"]
    req = mode_request(SmartSpawnArgs(task="x", budget="high", category="coding"), runtime)
    assert (req.budget, req.category) == ("high", "coding")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"task": "x", "collectiveCount": 9}, "collectiveCount"),
        ({"task": "x", "mode": "parallel"}, "mode"),
        ({"task": "x", "budget": "cheap"}, "budget"),
        ({"task": ""}, "task"),
        ({"task": "x", "category": "cooking"}, "category"),
        ({"task": "x", "minConfidence": 2}, "minConfidence"),
        ({"task": "x", "temperature": 1}, "temperature"),
        ({}, "task"),
    ],
)
async def test_bad_params_are_error_results_naming_the_field(
    make_runtime: MakeRuntime, params: dict[str, object], field: str
) -> None:
    result = await smart_spawn(params, make_runtime(), None)
    assert result.is_error
    assert isinstance(result.details, dict) and result.details["field"] == field


async def test_recommend_strategy_returns_the_original_instructions(
    make_runtime: MakeRuntime,
) -> None:
    assert set(STRATEGIES) == {"execute", "recommend"}
    result = await smart_spawn(
        {"task": "write a python function to parse ISO dates", "label": "dates"},
        make_runtime(),
        None,  # no spawner: recommend
    )
    assert not result.is_error
    body = json.loads(result.text_content)
    assert body["action"] == "spawn"
    assert body["category"] == "coding"
    assert body["model"] and body["reason"]
    assert body["spawns"][0]["model"] == body["model"]


async def test_collective_recommendation_lists_the_models(make_runtime: MakeRuntime) -> None:
    result = await smart_spawn(
        {"task": "compare sorting algorithms", "mode": "collective", "collectiveCount": 3},
        make_runtime(),
        None,
    )
    body = json.loads(result.text_content)
    assert body["action"] == "collective"
    assert len({s["model"] for s in body["spawns"] if s["role"] != "merge"}) >= 3


async def test_unknown_spawn_strategy_is_named(make_runtime: MakeRuntime) -> None:
    result = await smart_spawn({"task": "x"}, make_runtime(), None, strategy="later")
    assert result.is_error
    assert isinstance(result.details, dict) and result.details["field"] == "spawnStrategy"
