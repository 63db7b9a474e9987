"""The router tools through the reference gateway: a scripted chat model (fake provider) asks
"when will I run out?" → ``router_predict``, then moves work off → ``router_shift``; and the
tools' bad input and confirmation rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from smart_spawn_plugin.gateway.chat import chat_turn
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.messages import ChatMessage
from smart_spawn_plugin.plugin import SmartSpawnPlugin
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.tools import TOOL_NAMES
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply, FakeToolCall
from tests.providers.helpers import seed

PROVIDERS = {
    "entries": {
        "openrouter": {
            "kind": "openrouter",
            "baseUrl": "https://openrouter.ai/api/v1",
            "models": ["openai/gpt-5.6-terra"],
            "quota": {"quotaSource": "self-tracked", "quotaType": "budget", "limit": 20},
        }
    }
}


def _settings(home: Path, chat_url: str) -> Settings:
    # the chat model is served by a custom provider (the fake), OpenRouter is only quota-tracked
    return Settings(
        home=home, baseUrl=chat_url, executorApiKey="sk-chat-000000", providers=PROVIDERS
    )


async def test_chat_asks_router_predict_then_router_shift(
    tmp_path: Path, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script(
        "chat/model",
        FakeReply(
            content=None, tool_calls=(FakeToolCall("router_predict", {"provider": "openrouter"}),)
        ),
        FakeReply(
            content="You run out before the reset; shifting.",
            tool_calls=(FakeToolCall("router_shift", {"provider": "openrouter"}),),
        ),
        FakeReply(content="Done: OpenRouter is shifted off."),
    )
    settings = _settings(tmp_path / "home", fake_openai.base_url)
    with Runtime.open(settings) as services:
        seed(services, "openai/gpt-5.6-terra", hours_ago=2, cost=6.0)
        gateway = Gateway(settings, plugins=[SmartSpawnPlugin(runtime=services)])
        async with gateway:
            result = await chat_turn(
                gateway,
                gateway.executor,
                "chat/model",
                [ChatMessage.user("When will I run out of OpenRouter credit?")],
            )
        shifted = ProvidersService(services).state.shifted()
    assert result.final == "Done: OpenRouter is shifted off."
    tool_messages = [m for m in result.messages if m.role == "tool"]
    assert len(tool_messages) == 2
    predicted = json.loads(tool_messages[0].content or "")
    (prediction,) = predicted["predictions"]
    assert prediction["provider"] == "openrouter" and prediction["used"] == 6.0
    assert prediction["limit"] == 20 and prediction["burnRatePerHour"] == 0.25
    assert prediction["predictedExhaustion"] is not None  # $14 left at $0.25/h: in 56 h
    # whether that is before the monthly reset depends on today's date: the message says which
    expected = "before reset" if prediction["runsOutBeforeReset"] else "after the next reset"
    assert "runs out" in predicted["summary"] and expected in predicted["summary"]
    assert json.loads(tool_messages[1].content or "") == {
        "provider": "openrouter",
        "shifted": True,
        "changed": True,
    }
    assert "openrouter" in shifted
    # every request went to the chat provider, with its key — OpenRouter's quota tools only read
    assert all(r.headers["authorization"] == "Bearer sk-chat-000000" for r in fake_openai.requests)
    tools_offered = {t["function"]["name"] for t in fake_openai.requests[0].body["tools"]}
    assert {"router_predict", "router_shift", "router_optimize"} <= tools_offered


async def _call(tmp_path: Path, name: str, params: dict[str, Any]) -> Any:
    settings = Settings(home=tmp_path / "home", providers=PROVIDERS)
    with Runtime.open(settings) as services:
        async with Gateway(settings, plugins=[SmartSpawnPlugin(runtime=services)]) as gateway:
            return await gateway.call_tool(name, params)


async def test_router_tools_are_registered_and_reject_bad_input(tmp_path: Path) -> None:
    assert set(TOOL_NAMES) >= {
        "router_status",
        "router_predict",
        "router_analyze",
        "router_optimize",
        "router_shift",
    }
    bad = await _call(tmp_path, "router_predict", {"provider": "nobody"})
    assert bad.is_error and "unknown provider 'nobody'" in bad.text_content
    bad = await _call(tmp_path, "router_predict", {"hours": -2})
    assert bad.is_error and "hours" in bad.text_content
    bad = await _call(tmp_path, "router_shift", {})
    assert bad.is_error and "provider" in bad.text_content
    refused = await _call(tmp_path, "router_optimize", {"apply": True})
    assert refused.is_error and "needs confirmation" in refused.text_content
    ok = await _call(tmp_path, "router_optimize", {"apply": True, "confirm": True})
    assert not ok.is_error
    status = await _call(tmp_path, "router_status", {})
    assert not status.is_error and status.details["mode"] == "dry-run"  # type: ignore[index]
    analysis = await _call(tmp_path, "router_analyze", {})
    assert not analysis.is_error and analysis.details == {"proposals": []}
