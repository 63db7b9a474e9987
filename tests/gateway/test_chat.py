"""The chat loop: a scripted model calls sessions_spawn, reads the announce, answers."""

from __future__ import annotations

from smart_spawn_plugin.gateway.chat import ChatEvent, chat_turn
from smart_spawn_plugin.gateway.executor import OpenAICompatExecutor
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.messages import ChatMessage
from smart_spawn_plugin.settings import GatewaySettings, Settings
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply, FakeToolCall


async def test_chat_turn_runs_a_tool_call_and_returns_the_final_answer(
    fake_openai: FakeOpenAIServer,
) -> None:
    spawn = FakeToolCall("sessions_spawn", {"task": "find the capital of France"}, id="c1")
    fake_openai.script(
        "chat/model",
        FakeReply(content=None, tool_calls=(spawn,), cost=0.001),
        FakeReply(content="Spawned; waiting.", cost=0.001),
        FakeReply(content="The capital is Paris.", cost=0.001),
    )
    fake_openai.script("child/model", FakeReply(content="Paris", cost=0.01))
    settings = Settings(baseUrl=fake_openai.base_url, maxUsdPerRun=1.0)
    events: list[ChatEvent] = []
    async with Gateway(
        settings, plugins=[], config=GatewaySettings(default_model="child/model")
    ) as gw:
        executor = OpenAICompatExecutor(fake_openai.base_url, "k")
        first = await chat_turn(
            gw,
            executor,
            "chat/model",
            [ChatMessage.user("capital of France?")],
            on_event=events.append,
        )
        assert first.stopped == "final"
        assert first.turns == 2
        assert first.final == "Spawned; waiting."
        tool_message = first.messages[2]
        assert tool_message.role == "tool"
        assert tool_message.tool_call_id == "c1"
        assert '"status": "accepted"' in (tool_message.content or "")
        for run_id in gw.spawner.running:
            await gw.wait(run_id, timeout=5)
        second = await chat_turn(gw, executor, "chat/model", first.messages)
        await executor.aclose()
    assert second.final == "The capital is Paris."
    announce = [m for m in second.messages if m.role == "user"][-1].content or ""
    assert "Status: completed successfully" in announce
    assert "Result: Paris" in announce
    assert [e.kind for e in events] == ["assistant", "tool_result", "assistant"]
    assert first.cost_usd is not None
    assert abs(first.cost_usd - 0.002) < 1e-9
    # the chat model was offered the gateway's tools
    assert fake_openai.requests_for("chat/model")[0].body["tools"][0]["function"]["name"] == (
        "sessions_spawn"
    )


async def test_chat_turn_stops_at_max_turns_and_survives_bad_arguments(
    fake_openai: FakeOpenAIServer,
) -> None:
    looping = FakeReply(content="again", tool_calls=(FakeToolCall("sessions_spawn", "{oops"),))
    fake_openai.always("loop/model", looping)
    async with Gateway(Settings(baseUrl=fake_openai.base_url), plugins=[]) as gw:
        executor = OpenAICompatExecutor(fake_openai.base_url, "k")
        result = await chat_turn(gw, executor, "loop/model", [ChatMessage.user("go")], max_turns=3)
        await executor.aclose()
    assert result.stopped == "max_turns"
    assert result.turns == 3
    tool_replies = [m.content or "" for m in result.messages if m.role == "tool"]
    assert len(tool_replies) == 3
    assert all("not valid JSON" in text for text in tool_replies)
