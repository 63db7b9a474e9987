"""A plain ``sessions_spawn(task=…)`` when routing fails: the spawn still happens, and says so.

The plugin routes through a remote routing API (``apiUrl``) whose transport is an
``httpx.MockTransport``: down (500), timing out, answering garbage. The local engine then picks
(``details.source == "local-fallback"``, the reason says why). When even that cannot answer in
time (the API hangs past the gateway's hook budget), the gateway's default model runs
(``choice.source == "default"``). In every case the sub-agent really runs on the fake server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from smart_spawn_plugin.gateway.executor import wire_model_id
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.plugin import SmartSpawnPlugin
from smart_spawn_plugin.settings import GatewaySettings, PluginEntry, Settings
from tests.fakes.openai_server import FakeOpenAIServer

TASK = "write a python function that parses ISO 8601 dates"
API = "https://routing.example/api"


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


FAILURES: dict[str, tuple[Callable[[httpx.Request], httpx.Response], str]] = {
    "api down (500)": (lambda r: httpx.Response(500, json={"error": "boom"}), "HTTP 500"),
    "timeout": (_timeout, "timed out"),
    "garbage body": (lambda r: httpx.Response(200, text="<html>not json"), "not JSON"),
    "wrong JSON shape": (lambda r: httpx.Response(200, json={"data": {"nope": 1}}), "/pick"),
}


def _gateway(
    tmp_path: Path, server: FakeOpenAIServer, plugin: SmartSpawnPlugin, hook_budget: float = 15.0
) -> Gateway:
    settings = Settings(
        home=tmp_path / "store", baseUrl=server.base_url, executorApiKey="sk-test", spawnTimeout=10
    )
    config = GatewaySettings(
        plugins={"smart-spawn": PluginEntry(config={"apiUrl": API})},
        hook_timeout_seconds=hook_budget,
    )
    return Gateway(settings, plugins=[plugin], config=config)


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_routing_api_failure_falls_back_to_the_local_engine(
    failure: str, tmp_path: Path, fake_openai: FakeOpenAIServer, warm_home: Path
) -> None:
    # warm_home: the plugin's local engine answers from the built catalog
    handler, why = FAILURES[failure]
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with http, _gateway(tmp_path, fake_openai, SmartSpawnPlugin(http=http)) as gateway:
        result = await gateway.call_tool("sessions_spawn", {"task": TASK})
        accepted = json.loads(result.text_content)
        ended = await gateway.wait(accepted["runId"])
    assert accepted["status"] == "accepted"
    choice = accepted["choice"]
    assert choice["source"] == "plugin"
    assert choice["details"]["source"] == "local-fallback"
    assert why in choice["details"]["fallbackReason"]
    assert "[picked locally:" in choice["reason"]
    assert choice["details"]["category"] == "coding"
    assert ended.outcome == "ok"
    assert [r.model for r in fake_openai.requests] == [accepted["model"]]


async def test_hanging_routing_api_gives_the_default_model(
    tmp_path: Path, fake_openai: FakeOpenAIServer
) -> None:
    never = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        await never.wait()
        raise AssertionError("unreachable")

    async with httpx.AsyncClient(transport=httpx.MockTransport(hang)) as http:
        plugin = SmartSpawnPlugin(http=http)
        gateway = _gateway(tmp_path, fake_openai, plugin, hook_budget=0.2)
        async with gateway:
            result = await gateway.call_tool("sessions_spawn", {"task": TASK})
            accepted: dict[str, Any] = json.loads(result.text_content)
            ended = await gateway.wait(accepted["runId"])
    assert accepted["status"] == "accepted"
    assert accepted["model"] == gateway.config.default_model
    assert accepted["choice"]["source"] == "default"
    assert accepted["choice"]["reason"] == "no routing decision"
    assert ended.outcome == "ok"
    sent = wire_model_id(gateway.config.default_model, openrouter=False)  # "openrouter/" dropped
    assert [r.model for r in fake_openai.requests] == [sent]
