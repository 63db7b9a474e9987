"""RunContext: bad input, the USD cap, the run timeout, cancellation, partial results."""

from __future__ import annotations

import asyncio

import pytest

from smart_spawn_plugin.contract import SpawnRequest
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.modes import run_mode
from smart_spawn_plugin.modes.base import ModeRequest
from smart_spawn_plugin.modes.run import RunContext
from tests.modes.conftest import FakeSpawner, Script, SelectorRecommender, make_ctx


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"task": "t", "collectiveCount": 7}, "collectiveCount"),
        ({"task": "t", "maxParallel": "x"}, "maxParallel"),
        ({"task": "t", "max_parallel": 9}, "maxParallel"),
        ({"task": "t", "minConfidence": 2}, "minConfidence"),
        ({"task": "t", "maxEscalation": 4}, "maxEscalation"),
        ({"task": "t", "budget": "huge"}, "budget"),
        ({"task": ""}, "task"),
        ({}, "task"),
        ({"task": "t", "steps": []}, "steps"),
        ({"task": "t", "steps": [{"id": "a"}]}, "steps"),
        ({"task": "t", "maxUsd": -1}, "maxUsd"),
    ],
)
def test_bad_input_names_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParam) as err:
        ModeRequest.parse(data)
    assert err.value.field == field
    assert field in err.value.message


def test_context_accepts_comma_string() -> None:
    assert ModeRequest.parse({"task": "t", "context": "python, fastapi"}).context == [
        "python",
        "fastapi",
    ]


async def test_usd_cap_stops_new_spawns_and_keeps_partial(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    req = ModeRequest(task="t", category="coding", budget="high", max_usd=0.005)
    result = await run_mode("cascade", req, make_ctx(spawner, recommender, req))
    assert result.status == "budget_exceeded"
    assert len(spawner.requests) == 1  # the judge was never started
    assert result.output == "answer from google/flash"
    assert result.cost_usd == pytest.approx(0.01)
    assert any("USD cap" in e for e in result.errors)
    assert [e.role for e in recommender.logged] == ["cascade_cheap"]


async def test_gateway_budget_refusal_is_budget_exceeded(
    recommender: SelectorRecommender,
) -> None:
    spawner = FakeSpawner()
    spawner.refuse_budget = True
    req = ModeRequest(task="t", category="coding")
    result = await run_mode("single", req, make_ctx(spawner, recommender, req))
    assert result.status == "budget_exceeded"
    assert recommender.logged == []


async def test_run_timeout_cancels_and_returns_partial(
    recommender: SelectorRecommender,
) -> None:
    never = asyncio.Event()
    spawner = FakeSpawner(
        {"openai/gpt-big": Script(block=never)},
        responder=lambda r: Script(output="MERGED") if "Several" in r.task else None,
    )
    req = ModeRequest(
        task="t", category="general", budget="medium", collective_count=3, run_timeout_s=0.2
    )
    result = await run_mode("collective", req, make_ctx(spawner, recommender, req))
    assert result.status == "timeout"
    assert spawner.cancelled == [r.label for r in spawner.requests if r.model == "openai/gpt-big"]
    outcomes = sorted(r.outcome for r in result.outputs)
    assert outcomes == ["cancelled", "ok", "ok"]
    assert result.output is not None  # a finished member's answer is kept
    assert [e.status for e in recommender.logged] == ["ok", "ok"]


async def test_cancel_returns_partial(recommender: SelectorRecommender) -> None:
    started = asyncio.Event()
    never = asyncio.Event()

    def respond(request: SpawnRequest) -> Script:
        started.set()
        return Script(block=never)

    spawner = FakeSpawner(responder=respond)
    req = ModeRequest(task="t", category="coding")
    ctx = RunContext.for_request(spawner, recommender, req)
    running = asyncio.create_task(run_mode("single", req, ctx))
    await started.wait()
    ctx.cancel()
    result = await running
    assert result.status == "cancelled"
    assert spawner.cancelled and result.outputs[0].outcome == "cancelled"


async def test_caller_cancellation_propagates_after_cancelling_spawns(
    recommender: SelectorRecommender,
) -> None:
    started = asyncio.Event()

    def respond(request: SpawnRequest) -> Script:
        started.set()
        return Script(block=asyncio.Event())

    spawner = FakeSpawner(responder=respond)
    req = ModeRequest(task="t", category="coding")
    running = asyncio.create_task(run_mode("single", req, make_ctx(spawner, recommender, req)))
    await started.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert spawner.cancelled
