"""The plugin's ``resolve_model``: the reference gateway's chat on ``smart-spawn/auto`` is routed
per message through the one pick path, with passthrough, fallbacks and the routing card."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smart_spawn_plugin.gateway.chat import chat_turn
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.messages import ChatMessage
from smart_spawn_plugin.plugin import SmartSpawnPlugin
from smart_spawn_plugin.runtime import Runtime
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply

CODING_TASK = "Write a Python function that parses ISO-8601 dates with time zones, with tests"


@pytest.fixture
def upstream() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        server.default = FakeReply(content="routed answer")
        yield server


def _runtime(tmp_path: Path, upstream: FakeOpenAIServer, **overrides: Any) -> Runtime:
    return Runtime.open(
        home=tmp_path / "home", recommender="local", base_url=upstream.base_url, **overrides
    )


async def _turn(runtime: Runtime, text: str, model: str = "smart-spawn/auto") -> Any:
    executor = runtime.executor(runtime.settings)
    async with Gateway(
        runtime.settings, plugins=[SmartSpawnPlugin(runtime=runtime)], executor=executor
    ) as gw:
        try:
            return await chat_turn(gw, executor, model, [ChatMessage.user(text)])
        finally:
            await executor.aclose()


async def test_a_turn_on_auto_is_routed_through_the_pick_path(
    tmp_path: Path, upstream: FakeOpenAIServer
) -> None:
    runtime = _runtime(tmp_path, upstream)
    result = await _turn(runtime, CODING_TASK)
    assert result.final == "routed answer"
    assert result.choice.details["category"] == "coding"
    assert result.choice.details["kind"] == "routed"
    assert result.model == result.choice.model == upstream.requests[-1].model
    assert result.model not in {"smart-spawn/auto"}
    await runtime.aclose()


async def test_another_model_is_not_routed(tmp_path: Path, upstream: FakeOpenAIServer) -> None:
    runtime = _runtime(tmp_path, upstream)
    result = await _turn(runtime, CODING_TASK, model="openai/gpt-4o")
    assert result.model == "openai/gpt-4o" and result.choice is None
    await runtime.aclose()


async def test_short_messages_go_to_the_passthrough_model(
    tmp_path: Path, upstream: FakeOpenAIServer
) -> None:
    runtime = _runtime(tmp_path, upstream, passthrough_model="openai/gpt-4o-mini")
    result = await _turn(runtime, "thanks")
    assert result.model == "openai/gpt-4o-mini"
    assert result.choice.details["kind"] == "passthrough"
    await runtime.aclose()


async def test_a_429_falls_back_and_the_card_names_the_model_that_answered(
    tmp_path: Path, upstream: FakeOpenAIServer
) -> None:
    runtime = _runtime(tmp_path, upstream, show_routing_card=True)
    first = (await _turn(runtime, CODING_TASK)).model
    upstream.always(first, FakeReply(status=429))  # every retry of the executor too
    result = await _turn(runtime, CODING_TASK)
    assert result.model != first and result.model == result.choice.details["fallbacks"][0]
    assert result.final.startswith(f"> smart-spawn → {result.model} (coding")
    assert f"after {first}" in result.final and result.final.endswith("routed answer")
    await runtime.aclose()
