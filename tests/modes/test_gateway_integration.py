"""One end-to-end run through the real reference gateway and the fake OpenAI server.

The modes talk only to the gateway's ``Spawner`` (``Gateway`` implements it); the gateway runs
each sub-agent as a real HTTP chat completion against the fake server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.modes import run_mode
from smart_spawn_plugin.modes.base import ModeRequest
from smart_spawn_plugin.modes.run import RunContext
from smart_spawn_plugin.settings import Settings
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply
from tests.modes.conftest import SelectorRecommender


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as srv:
        yield srv


async def test_collective_through_the_reference_gateway(
    server: FakeOpenAIServer, recommender: SelectorRecommender
) -> None:
    for model in ("openai/gpt-big", "google/flash", "qwen/small"):
        server.always(model, FakeReply(content=f"{model} says 42", cost=0.002))
    server.default = FakeReply(content="merged: 42", cost=0.001)
    req = ModeRequest(
        task="what is six times seven?", category="general", budget="medium", collective_count=3
    )
    async with Gateway(Settings(baseUrl=server.base_url), plugins=[]) as gw:
        ctx = RunContext.for_request(gw, recommender, req)
        result = await run_mode("collective", req, ctx)
    assert result.status == "ok", result.errors
    assert len(result.outputs) == 4
    workers = [r for r in result.outputs if r.role.startswith("collective_worker")]
    assert {w.output for w in workers} == {
        "openai/gpt-big says 42",
        "google/flash says 42",
        "qwen/small says 42",
    }
    assert result.output is not None and "42" in result.output
    assert result.usage.total_tokens == sum(r.usage.total_tokens for r in result.outputs) > 0
    merge_body = server.requests[-1].body
    assert "Disagreements" in str(merge_body["messages"])
    assert len(recommender.logged) == 4
    # real per-spawn cost from the provider's usage.cost (the merge ran on gpt-big: 0.002)
    assert [r.cost_usd for r in result.outputs] == [0.002] * 4
    assert result.cost_usd == pytest.approx(0.008) and result.uncosted_spawns == 0
