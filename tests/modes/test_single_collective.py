"""single and collective: execute with the fake spawner, recommend payloads, diversity, merge."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.engine.select.queries import recommend
from smart_spawn_plugin.modes import MODES, recommend_mode, run_mode
from smart_spawn_plugin.modes.base import ModeRequest
from smart_spawn_plugin.modes.collective import choose_diverse
from tests.modes.conftest import FakeSpawner, Script, SelectorRecommender, make_ctx

MERGE_MARK = "Several independent assistants"


def test_registry_has_every_mode() -> None:
    assert set(MODES) >= {"single", "collective", "cascade"}
    for name, mode in MODES.items():
        assert mode.name == name


async def test_single_executes_best_model(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    req = ModeRequest.parse(
        {"task": "write a python function", "category": "coding", "budget": "high"}
    )
    result = await run_mode("single", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    assert spawner.models == ["anthropic/opus"]
    assert result.output == "answer from anthropic/opus"
    assert result.cost_usd == pytest.approx(0.01)
    assert result.usage.total_tokens == 30
    [routed] = result.routing_decision.models
    assert routed.model == "anthropic/opus" and routed.reason and routed.runner_ups
    assert routed.confidence is not None
    assert [e.role for e in recommender.logged] == ["primary"]
    assert recommender.logged[0].cost_usd == pytest.approx(0.01)


async def test_single_failure_is_failed_status(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(
        {"anthropic/opus": Script(outcome="error", output=None, error="boom", cost=None)}
    )
    req = ModeRequest(task="x", category="coding", budget="high")
    result = await run_mode("single", req, make_ctx(spawner, recommender, req))
    assert result.status == "failed"
    assert result.output is None
    assert "boom" in result.errors[0]
    assert result.uncosted_spawns == 1


async def test_single_role_prompt_goes_into_task(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    req = ModeRequest(
        task="review this code",
        category="coding",
        persona="software-engineer",
        guardrails=["concise"],
    )
    await run_mode("single", req, make_ctx(spawner, recommender, req))
    assert spawner.requests[0].task != "review this code"
    assert "review this code" in spawner.requests[0].task


async def test_single_recommend_shape(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    req = ModeRequest(task="write code", category="coding", budget="medium", label="mine")
    payload = (await recommend_mode("single", req, make_ctx(spawner, recommender, req))).model_dump(
        mode="json", by_alias=True
    )
    assert payload["action"] == "spawn"
    assert payload["model"] == "openai/gpt-big"
    assert {
        "task",
        "category",
        "budget",
        "reason",
        "source",
        "label",
        "routingDecision",
        "spawns",
    } <= payload.keys()
    assert payload["spawns"][0]["model"] == "openai/gpt-big"
    assert spawner.requests == [] and recommender.logged == []


def test_choose_diverse_prefers_new_provider_and_base(recommender: SelectorRecommender) -> None:
    from smart_spawn_plugin.engine.select.requests import PickRequest

    result = recommend(recommender.selector, PickRequest(category="general", budget="any"), 5)
    chosen = choose_diverse(result.data, 4)
    providers = [c.model.provider for c in chosen]
    assert len(set(providers)) == 4
    assert "qwen/small:free" not in [c.model.id for c in chosen]


async def test_collective_runs_in_parallel_and_merges(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(
        responder=lambda r: Script(output="MERGED") if MERGE_MARK in r.task else None
    )
    req = ModeRequest(
        task="explain the tradeoffs", category="general", budget="medium", collective_count=3
    )
    result = await run_mode("collective", req, make_ctx(spawner, recommender, req))
    assert result.status == "ok"
    assert result.output == "MERGED"
    workers = [r for r in result.outputs if r.role.startswith("collective_worker")]
    assert len(workers) == 3
    assert len({w.model.split("/")[0] for w in workers}) == 3
    assert spawner.max_running >= 2  # members ran side by side
    merge_task = spawner.requests[-1].task
    assert "Disagreements" in merge_task
    for w in workers:
        assert w.output and w.output in merge_task
    assert result.cost_usd == pytest.approx(0.04)
    assert result.usage.total_tokens == 120
    assert [e.role for e in recommender.logged].count("collective_merge") == 1
    roles = [m.role for m in result.routing_decision.models]
    assert roles[:3] == ["collective_worker_1", "collective_worker_2", "collective_worker_3"]
    assert "merge" in roles


async def test_collective_failing_member_merges_the_rest(
    recommender: SelectorRecommender,
) -> None:
    spawner = FakeSpawner(
        {"google/flash": Script(outcome="error", output=None, error="provider down")},
        responder=lambda r: Script(output="MERGED") if MERGE_MARK in r.task else None,
    )
    req = ModeRequest(task="t", category="general", budget="medium", collective_count=3)
    result = await run_mode("collective", req, make_ctx(spawner, recommender, req))
    assert result.status == "partial"
    assert result.output == "MERGED"
    assert "google/flash" not in spawner.requests[-1].task
    assert any("provider down" in e for e in result.errors)
    assert len(result.outputs) == 4


def test_collective_count_must_be_2_to_5() -> None:
    from smart_spawn_plugin.errors import InvalidParam

    with pytest.raises(InvalidParam) as err:
        ModeRequest.parse({"task": "t", "collectiveCount": 7})
    assert err.value.field == "collectiveCount"


async def test_collective_recommend_shape(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    req = ModeRequest(task="t", category="general", budget="medium", collective_count=2)
    payload = (
        await recommend_mode("collective", req, make_ctx(spawner, recommender, req))
    ).model_dump(mode="json", by_alias=True)
    assert payload["action"] == "collective"
    assert payload["count"] == 2 and len(payload["models"]) == 2
    assert {"id", "reason", "label"} <= payload["models"][0].keys()
    assert payload["mergeLabel"] == "smart-spawn-merge: general"
    assert payload["mergeModel"] and payload["mergeInstructions"]
    assert len(payload["spawns"]) == 2
    assert spawner.requests == [] and recommender.logged == []
