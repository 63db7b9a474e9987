"""End to end: a chat model asks for ``smart_spawn`` in each mode; the reference gateway runs it.

Everything real but the models: the reference ``Gateway`` with ``SmartSpawnPlugin`` registered
explicitly (store on a tmp home), the real ``OpenAICompatExecutor`` and HTTP path, and a fake
OpenAI-compatible server on 127.0.0.1 that plays both the chat model (scripted tool calls) and
every sub-agent model (``server.default``).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from smart_spawn_plugin.gateway.chat import chat_turn
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.messages import ChatMessage
from smart_spawn_plugin.models import MODES
from smart_spawn_plugin.plugin import SmartSpawnPlugin
from smart_spawn_plugin.store.spawnlog import SpawnLogStore
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply, FakeToolCall

CHAT_MODEL = "chat/agent-model"
SUB_ANSWER = "Sub-agent answer: the plan is sound and complete, with three concrete steps."
#: Every sub-agent gets the same reply; cascade's judge finds its verdict in it (score 9/10).
VERDICT = ' {"score": 9, "reason": "complete and correct"}'
TASKS: dict[str, str] = {
    "single": "write a python function that parses ISO 8601 dates",
    "collective": "write a python function that parses ISO 8601 dates",
    "cascade": "write a python function that parses ISO 8601 dates",
    "plan": "Research competitors and build a pitch deck",
    "swarm": "Research competitors and build a pitch deck",
}
EXTRA: dict[str, dict[str, Any]] = {"collective": {"collectiveCount": 2}}


def _chat_script(server: FakeOpenAIServer, call: FakeToolCall) -> None:
    server.script(
        CHAT_MODEL,
        FakeReply(content=None, tool_calls=(call,), prompt_tokens=200, cost=0.0005),
        FakeReply(content="Done — the sub-agents' answer is above.", cost=0.0005),
    )


async def _chat(gateway: Gateway, text: str) -> tuple[str, list[ChatMessage]]:
    history = [ChatMessage.system("You delegate with smart_spawn."), ChatMessage.user(text)]
    result = await chat_turn(gateway, gateway.executor, CHAT_MODEL, history)
    assert result.stopped == "final"
    return result.final, result.messages


def _tool_payload(messages: list[ChatMessage], name: str) -> dict[str, Any]:
    (tool,) = [m for m in messages if m.role == "tool" and m.name == name]
    payload: dict[str, Any] = json.loads(str(tool.content))
    return payload


@pytest.mark.parametrize("mode", MODES)
async def test_chat_request_runs_smart_spawn_in_each_mode(
    mode: str, make_gateway: Any, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(content=SUB_ANSWER + VERDICT, cost=0.002, prompt_tokens=40)
    args = {"task": TASKS[mode], "mode": mode, **EXTRA.get(mode, {})}
    _chat_script(fake_openai, FakeToolCall("smart_spawn", args, id="call_spawn"))
    plugin = SmartSpawnPlugin()
    async with make_gateway(plugin) as gateway:
        final, messages = await _chat(gateway, f"Please handle this ({mode}): {TASKS[mode]}")
        body = _tool_payload(messages, "smart_spawn")
        runtime = plugin.runtime(gateway)
        rows = SpawnLogStore(runtime.db).rows()

    # the tool ran in the asked mode and succeeded
    assert body["mode"] == mode
    assert body["status"] == "ok", body["errors"]
    assert final == "Done — the sub-agents' answer is above."

    # sub-agents ran on the models the router chose, and only on those
    sub_requests = [r for r in fake_openai.requests if r.model != CHAT_MODEL]
    ran = Counter(r.model for r in sub_requests)
    recorded = Counter(o["model"] for o in body["outputs"] if o["outcome"] != "skipped")
    assert ran == recorded and sum(ran.values()) >= 1
    chosen = {m["model"] for m in body["routingDecision"]["models"]}
    assert set(ran) <= chosen
    if mode == "plan":
        assert len(sub_requests) == 2  # "Research competitors", then "build a pitch deck"
    if mode == "swarm":
        assert len(sub_requests) == 3  # the same two nodes, and the merge
    if mode == "collective":
        assert len(sub_requests) == 3  # two workers and the merge
    if mode == "cascade":
        assert [e["model"] for e in body["escalations"]] == [sub_requests[0].model]

    # the result went back to the chat model: its second request carries the tool result
    chat_requests = [r for r in fake_openai.requests if r.model == CHAT_MODEL]
    assert len(chat_requests) == 2
    tool_messages = [m for m in chat_requests[1].body["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == 1 and SUB_ANSWER in tool_messages[0]["content"]
    assert body["output"] and SUB_ANSWER in body["output"]

    # usage and cost recorded: in the result and, per spawn, in the spawn log
    spawns = len(sub_requests)
    assert body["usage"]["totalTokens"] == spawns * 45
    assert body["costUsd"] == pytest.approx(spawns * 0.002)
    assert len(rows) == spawns
    assert Counter(r.model for r in rows) == ran
    assert all(r.cost_usd == pytest.approx(0.002) and r.prompt_tokens == 40 for r in rows)
    assert {r.mode for r in rows} == {mode}


async def test_feedback_in_the_chat_changes_a_later_pick(
    make_gateway: Any, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(content=SUB_ANSWER, cost=0.001)
    task = TASKS["single"]
    plugin = SmartSpawnPlugin()
    async with make_gateway(plugin) as gateway:
        _chat_script(fake_openai, FakeToolCall("smart_spawn", {"task": task, "mode": "single"}))
        _, messages = await _chat(gateway, task)
        first = _tool_payload(messages, "smart_spawn")
        (decision,) = first["routingDecision"]["models"]
        model, category = decision["model"], decision["category"]

        # the user is unhappy: the chat model rates the model 1, a few times
        rating = {"model": model, "category": category, "rating": 1}
        calls = tuple(FakeToolCall("smart_spawn_feedback", rating, id=f"r{i}") for i in range(3))
        fake_openai.script(
            CHAT_MODEL,
            FakeReply(content=None, tool_calls=calls),
            FakeReply(content="Noted."),
        )
        _, messages = await _chat(gateway, f"{model} was useless, rate it 1")
        results = [m for m in messages if m.role == "tool"]
        assert len(results) == 3 and all("Error" not in str(m.content) for m in results)

        _chat_script(fake_openai, FakeToolCall("smart_spawn", {"task": task, "mode": "single"}))
        _, messages = await _chat(gateway, task)
        second = _tool_payload(messages, "smart_spawn")
    (again,) = second["routingDecision"]["models"]
    assert again["category"] == category
    assert again["model"] != model
    assert fake_openai.requests[-2].model == again["model"]  # and the sub-agent ran on it
