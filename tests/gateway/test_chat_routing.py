"""Per-message routing of the gateway's own chat turns: the ``resolve_model`` hook chooses the
model, its fallbacks answer when it fails before answering, its card heads the answer; a broken
router fails open to the configured model."""

from __future__ import annotations

from typing import Any

import pytest

from smart_spawn_plugin.contract import ModelChoice
from smart_spawn_plugin.errors import UpstreamError
from smart_spawn_plugin.gateway.chat import chat_turn
from smart_spawn_plugin.gateway.executor import OpenAICompatExecutor
from smart_spawn_plugin.gateway.hookspecs import hookimpl
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.messages import ChatMessage
from smart_spawn_plugin.settings import Settings
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply


class Router:
    """Routes ``router/auto`` to ``a/first`` then ``b/second``, and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, list[dict[str, Any]]]] = []

    @hookimpl
    def resolve_model(self, model: str, messages: list[dict[str, Any]]) -> ModelChoice | None:
        self.seen.append((model, messages))
        if model != "router/auto":
            return None
        return ModelChoice(
            model="a/first",
            reason="test route",
            details={"fallbacks": ["b/second"], "cards": {"b/second": "[card b]\n"}},
        )


class Broken:
    @hookimpl
    def resolve_model(self) -> ModelChoice:
        raise RuntimeError("router down")


def _executor(server: FakeOpenAIServer) -> OpenAICompatExecutor:
    return OpenAICompatExecutor(server.base_url, "k", max_retries=0)


async def test_the_hook_chooses_the_model_of_the_turn(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("a/first", FakeReply(content="from first"))
    router = Router()
    async with Gateway(Settings(baseUrl=fake_openai.base_url), plugins=[router]) as gw:
        executor = _executor(fake_openai)
        result = await chat_turn(gw, executor, "router/auto", [ChatMessage.user("hello there")])
        await executor.aclose()
    assert result.final == "from first" and result.model == "a/first"
    assert result.choice is not None and result.choice.reason == "test route"
    assert [r.model for r in fake_openai.requests] == ["a/first"]
    ((model, messages),) = router.seen
    assert model == "router/auto" and messages[-1] == {"role": "user", "content": "hello there"}


async def test_a_retryable_failure_falls_back_and_the_card_heads_the_answer(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.script("a/first", FakeReply(status=429))
    fake_openai.script("b/second", FakeReply(content="from second"))
    async with Gateway(Settings(baseUrl=fake_openai.base_url), plugins=[Router()]) as gw:
        executor = _executor(fake_openai)
        result = await chat_turn(gw, executor, "router/auto", [ChatMessage.user("hi")])
        await executor.aclose()
    assert result.final == "[card b]\nfrom second" and result.model == "b/second"
    # the card is for the reader: the conversation keeps the model's own words
    assert result.messages[-1].content == "from second"
    assert [r.model for r in fake_openai.requests] == ["a/first", "b/second"]


async def test_a_context_length_error_falls_back(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(
        "a/first", FakeReply(status=400, error_message="maximum context length exceeded")
    )
    fake_openai.script("b/second", FakeReply(content="bigger window"))
    async with Gateway(Settings(baseUrl=fake_openai.base_url), plugins=[Router()]) as gw:
        executor = _executor(fake_openai)
        result = await chat_turn(gw, executor, "router/auto", [ChatMessage.user("hi")])
        await executor.aclose()
    assert result.model == "b/second"


async def test_other_client_errors_and_the_last_failure_are_raised(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.script("a/first", FakeReply(status=400, error_message="bad tool schema"))
    async with Gateway(Settings(baseUrl=fake_openai.base_url), plugins=[Router()]) as gw:
        executor = _executor(fake_openai)
        with pytest.raises(UpstreamError, match="bad tool schema"):
            await chat_turn(gw, executor, "router/auto", [ChatMessage.user("hi")])
        fake_openai.script("a/first", FakeReply(status=503))
        fake_openai.script("b/second", FakeReply(status=503, error_message="also down"))
        with pytest.raises(UpstreamError, match="also down"):
            await chat_turn(gw, executor, "router/auto", [ChatMessage.user("hi")])
        await executor.aclose()


async def test_without_a_routing_answer_the_configured_model_runs(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.default = FakeReply(content="plain")
    async with Gateway(Settings(baseUrl=fake_openai.base_url), plugins=[Broken(), Router()]) as gw:
        executor = _executor(fake_openai)
        result = await chat_turn(gw, executor, "chat/model", [ChatMessage.user("hi")])
        await executor.aclose()
    assert result.model == "chat/model" and result.choice is None
    assert [r.model for r in fake_openai.requests] == ["chat/model"]
