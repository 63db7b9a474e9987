"""The OpenAI-compatible endpoint with the REAL local llama.cpp server (SmolLM2-135M, see
conftest) as the upstream, driven by the official ``openai`` SDK over uvicorn on 127.0.0.1.

The model is tiny and often wrong: these tests assert on structure, never on content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.spawnlog import SpawnLogStore
from tests.fakes.live_server import LiveServer
from tests.providers.conftest import LocalLlama

LOCAL_REF = "local/SmolLM2-135M-Instruct.Q4_1"


@pytest.fixture
def served(
    tmp_path: Path, local_llama: LocalLlama, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Runtime, OpenAI]]:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    runtime = Runtime.open(
        home=tmp_path / "home",
        recommender="local",
        # short answers: the tiny model rambles to its context limit otherwise
        providers={"localPorts": [local_llama.port], "autoDetect": True, "localMaxOutput": 24},
    )
    app = create_app(runtime, ServerSettings(access_log=False, background_refresh=False))
    with LiveServer(app, cleanup=runtime.aclose_http) as server:
        yield runtime, OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)
    runtime.close()


def test_a_low_budget_chat_is_answered_by_the_real_local_model(
    served: tuple[Runtime, OpenAI],
) -> None:
    runtime, client = served
    raw = client.chat.completions.with_raw_response.create(
        model="smart-spawn/auto-low",
        messages=[{"role": "user", "content": "Say hello in French, in one short sentence"}],
    )
    route = json.loads(raw.headers["x-smart-spawn-route"])
    answer = raw.parse()
    assert answer.model == route["model"] == LOCAL_REF
    assert route["reason"].startswith("[local]") and route["budget"] == "low"
    assert answer.choices[0].message.content.strip()
    (row,) = SpawnLogStore(runtime.db).rows()
    assert row.model == LOCAL_REF and row.status == "ok" and row.source == "openai"
    assert row.completion_tokens and row.completion_tokens > 0 and row.cost_usd == 0.0


def test_streaming_from_the_real_local_model(served: tuple[Runtime, OpenAI]) -> None:
    runtime, client = served
    stream = client.chat.completions.create(
        model="smart-spawn/auto-low",
        messages=[{"role": "user", "content": "Name three colours, comma separated"}],
        stream=True,
    )
    chunks = list(stream)
    assert {c.model for c in chunks} == {LOCAL_REF}
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    (row,) = SpawnLogStore(runtime.db).rows()
    assert row.status == "ok" and row.completion_tokens and row.cost_usd == 0.0


def test_a_tool_call_round_trip_through_the_real_local_model(
    served: tuple[Runtime, OpenAI],
) -> None:
    """The client's ``tools`` reach the real server; the tool result goes back and is
    answered. The tiny model decides itself whether to call the tool, so both paths are
    followed to a final answer."""
    _, client = served
    tools: list[Any] = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather in a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris today?"}]
    first = client.chat.completions.create(
        model="smart-spawn/auto-low", messages=messages, tools=tools
    )
    assert first.model == LOCAL_REF
    message = first.choices[0].message
    messages.append(message.model_dump(exclude_none=True))
    for call in message.tool_calls or []:
        messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"})
    if not message.tool_calls:
        messages.append({"role": "user", "content": "And tomorrow?"})
    final = client.chat.completions.create(
        model="smart-spawn/auto-low", messages=messages, tools=tools
    )
    assert final.model == LOCAL_REF
    assert final.choices[0].message.content or final.choices[0].message.tool_calls
