"""plan and swarm: carried results, DAG scheduling, skipped dependants, cycles, payloads."""

from __future__ import annotations

import asyncio

import pytest

from smart_spawn_plugin.contract import SpawnRequest
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.modes import recommend_mode, run_mode
from smart_spawn_plugin.modes.base import ModeRequest
from tests.modes.conftest import FakeSpawner, Script, SelectorRecommender, make_ctx

SYNTH_MARK = "split into sub-tasks"


def by_part(scripts: dict[str, Script]):
    """A responder keyed on the node's own text ("YOUR PART"/"THIS STEP" section)."""

    def respond(request: SpawnRequest) -> Script | None:
        if SYNTH_MARK in request.task:
            return Script(output="SYNTHESIS")
        for key, script in scripts.items():
            if f"\n{key}" in request.task.split("RESULTS")[0]:
                return script
        return None

    return respond


async def test_plan_later_steps_see_earlier_outputs(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(
        responder=by_part(
            {
                "design the schema": Script(output="SCHEMA-v1"),
                "write the api": Script(output="API-v1"),
                "write tests": Script(output="TESTS-v1"),
            }
        )
    )
    req = ModeRequest(
        task="build a service",
        budget="medium",
        steps=["design the schema", "write the api", "write tests"],
    )
    result = await run_mode("plan", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    assert result.output == "TESTS-v1"  # the last step's output is the answer
    tasks = [r.task for r in spawner.requests]
    assert "SCHEMA-v1" not in tasks[0]
    assert "SCHEMA-v1" in tasks[1]
    assert "SCHEMA-v1" in tasks[2] and "API-v1" in tasks[2]
    assert [r.node_id for r in result.outputs] == ["step-1", "step-2", "step-3"]
    assert [m.role for m in result.routing_decision.models] == [
        "plan_step_1",
        "plan_step_2",
        "plan_step_3",
    ]
    assert result.cost_usd == pytest.approx(0.03)
    assert len(recommender.logged) == 3


async def test_plan_carry_is_bounded(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(responder=by_part({"first": Script(output="x" * 20_000)}))
    req = ModeRequest(task="t", steps=["first", "second"])
    await run_mode("plan", req, make_ctx(spawner, recommender, req))
    assert len(spawner.requests[1].task) < 8_000


async def test_plan_failed_step_skips_the_rest(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(responder=by_part({"two": Script(outcome="error", output=None)}))
    req = ModeRequest(task="t", steps=["one", "two", "three"])
    result = await run_mode("plan", req, make_ctx(spawner, recommender, req))
    assert result.status == "partial"
    assert [r.outcome for r in result.outputs] == ["ok", "error", "skipped"]
    assert len(spawner.requests) == 2


async def test_plan_derives_steps(spawner: FakeSpawner, recommender: SelectorRecommender) -> None:
    req = ModeRequest(task="1. research the market\n2. write a summary report", budget="medium")
    result = await run_mode("plan", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    assert len(spawner.requests) == 2


async def test_plan_recommend_shape(spawner: FakeSpawner, recommender: SelectorRecommender) -> None:
    req = ModeRequest(task="t", steps=["a step", "b step"])
    payload = (await recommend_mode("plan", req, make_ctx(spawner, recommender, req))).model_dump(
        mode="json", by_alias=True
    )
    assert payload["action"] == "plan" and payload["totalSteps"] == 2
    sub = payload["subtasks"][0]
    assert {"step", "task", "category", "model", "budget", "reason", "label"} <= sub.keys()
    assert payload["originalTask"] == "t" and payload["executionHint"]
    assert spawner.requests == []


def dag(*nodes: tuple[str, list[str]]) -> list[dict[str, object]]:
    return [{"id": i, "task": f"do {i}", "dependsOn": d} for i, d in nodes]


async def test_swarm_independent_nodes_run_concurrently(
    recommender: SelectorRecommender,
) -> None:
    release = asyncio.Event()
    starts = 0

    def respond(request: SpawnRequest) -> Script | None:
        nonlocal starts
        if SYNTH_MARK in request.task:
            return Script(output="SYNTHESIS")
        starts += 1
        if starts == 3:
            release.set()  # all three started before any finished
        return Script(block=release)

    spawner = FakeSpawner(responder=respond)
    req = ModeRequest(task="t", steps=dag(("a", []), ("b", []), ("c", [])), max_parallel=3)
    result = await run_mode("swarm", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    assert spawner.max_running == 3
    assert result.output == "SYNTHESIS"
    assert result.cost_usd == pytest.approx(0.04)
    assert result.outputs[-1].role == "swarm_merge"


async def test_swarm_respects_max_parallel(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner()
    req = ModeRequest(task="t", steps=dag(*[(f"n{i}", []) for i in range(6)]), max_parallel=2)
    result = await run_mode("swarm", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    assert spawner.max_running <= 2


async def test_swarm_dependant_starts_while_unrelated_slow_node_runs(
    recommender: SelectorRecommender,
) -> None:
    slow = asyncio.Event()

    def respond(request: SpawnRequest) -> Script | None:
        if SYNTH_MARK in request.task:
            return Script(output="SYNTHESIS")
        if "\ndo slow" in request.task:
            return Script(block=slow)
        if "\ndo after" in request.task:
            slow.set()  # the slow node may finish only once its unrelated peer's child started
        return None

    spawner = FakeSpawner(responder=respond)
    req = ModeRequest(
        task="t", steps=dag(("slow", []), ("fast", []), ("after", ["fast"])), run_timeout_s=30
    )  # a safety net: a wave scheduler would deadlock here
    result = await run_mode("swarm", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    events = [(kind, label.split(":")[0]) for kind, label in spawner.events]
    assert events.index(("start", "smart-spawn-after")) < events.index(("end", "smart-spawn-slow"))
    after = next(r for r in spawner.requests if "\ndo after" in r.task)
    assert "answer from" in after.task  # it saw its dependency's output


async def test_swarm_failed_node_skips_dependants(recommender: SelectorRecommender) -> None:
    def respond(request: SpawnRequest) -> Script | None:
        if SYNTH_MARK in request.task:
            return Script(output="SYNTHESIS")
        if "\ndo a" in request.task.split("RESULTS")[0]:
            return Script(outcome="error", output=None, error="crashed")
        return None

    spawner = FakeSpawner(responder=respond)
    req = ModeRequest(task="t", steps=dag(("a", []), ("b", ["a"]), ("c", ["b"]), ("d", [])))
    result = await run_mode("swarm", req, make_ctx(spawner, recommender, req))
    assert result.status == "partial"
    outcome = {r.node_id: r for r in result.outputs}
    assert outcome["a"].outcome == "error"
    assert outcome["b"].outcome == "skipped" and "a" in (outcome["b"].error or "")
    assert outcome["c"].outcome == "skipped"
    assert outcome["d"].outcome == "ok"
    assert [e.role for e in recommender.logged].count("swarm_b") == 0


@pytest.mark.parametrize(
    "steps",
    [
        dag(("a", ["b"]), ("b", ["a"])),
        dag(("a", ["zzz"])),
        dag(("a", []), ("a", [])),
    ],
)
async def test_swarm_bad_graph_is_invalid_param(
    spawner: FakeSpawner, recommender: SelectorRecommender, steps: list[dict[str, object]]
) -> None:
    req = ModeRequest.parse({"task": "t", "steps": steps})
    with pytest.raises(InvalidParam) as err:
        await run_mode("swarm", req, make_ctx(spawner, recommender, req))
    assert spawner.requests == []
    if steps[0]["dependsOn"] == ["b"]:
        assert "a → b → a" in err.value.message or "b → a → b" in err.value.message


async def test_swarm_usd_cap_stops_new_nodes(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner()
    req = ModeRequest(task="t", steps=dag(("a", []), ("b", ["a"])), max_usd=0.005)
    result = await run_mode("swarm", req, make_ctx(spawner, recommender, req))
    assert result.status == "budget_exceeded"
    assert len(spawner.requests) == 1
    assert [r.outcome for r in result.outputs] == ["ok", "skipped"]
    assert result.output == "answer from " + spawner.requests[0].model  # type: ignore[operator]


async def test_swarm_derived_dag_uses_node_persona(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    req = ModeRequest(
        task="1. research the competitors\n2. write unit tests for the parser", budget="medium"
    )
    result = await run_mode("swarm", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    assert len(spawner.workers) == 3  # two nodes and the merge
    parts = [r.task.split("YOUR PART:")[1] for r in spawner.requests if "YOUR PART:" in r.task]
    tests_node = next(p for p in parts if "unit tests" in p)
    assert "Software Engineer" in tests_node  # the node's own persona guess, not none


async def test_swarm_recommend_shape(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    req = ModeRequest(task="t", steps=dag(("a", []), ("b", ["a"])), max_parallel=2)
    payload = (await recommend_mode("swarm", req, make_ctx(spawner, recommender, req))).model_dump(
        mode="json", by_alias=True
    )
    assert payload["action"] == "swarm"
    d = payload["dag"]
    assert d["totalTasks"] == 2 and d["totalWaves"] == 2
    assert d["edges"] == [{"from": "a", "to": "b"}]
    t = d["tasks"][1]
    assert {
        "id",
        "task",
        "category",
        "model",
        "budget",
        "persona",
        "dependsOn",
        "wave",
        "reason",
        "label",
    } <= t.keys()
    assert t["dependsOn"] == ["a"] and t["wave"] == 1
    assert payload["mergeModel"] and payload["executionHint"]
    assert spawner.requests == [] and recommender.logged == []
