"""Bad input through ``gateway.call_tool``: a clear error result naming the field, never an
exception escaping into the gateway, and no sub-agent started.

An unknown persona is not an error: the role composer leaves the unknown block out and says so,
and the tool reports that in the result's ``warnings`` (the run itself goes ahead).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from smart_spawn_plugin.plugin import SmartSpawnPlugin
from tests.fakes.openai_server import FakeOpenAIServer

TASK = "write a python function that parses ISO 8601 dates"
CYCLE = [
    {"id": "a", "task": "research the market", "dependsOn": ["b"]},
    {"id": "b", "task": "write the report", "dependsOn": ["a"]},
]

BAD: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown mode", "smart_spawn", {"task": TASK, "mode": "turbo"}, "mode"),
    ("unknown budget", "smart_spawn", {"task": TASK, "budget": "cheap"}, "budget"),
    ("rating 0", "smart_spawn_feedback", {"model": "a/b", "category": "coding", "rating": 0},
     "rating"),
    ("rating 'five'", "smart_spawn_feedback",
     {"model": "a/b", "category": "coding", "rating": "five"}, "rating"),
    ("cyclic steps", "smart_spawn", {"task": TASK, "mode": "swarm", "steps": CYCLE}, "cycle"),
    ("cyclic plan steps", "smart_spawn", {"task": TASK, "mode": "plan", "steps": CYCLE}, "cycle"),
]  # fmt: skip


@pytest.mark.parametrize(("tool", "params", "names"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
async def test_bad_input_is_a_clear_error_result(
    tool: str,
    params: dict[str, Any],
    names: str,
    make_gateway: Any,
    fake_openai: FakeOpenAIServer,
) -> None:
    async with make_gateway(SmartSpawnPlugin()) as gateway:
        result = await gateway.call_tool(tool, params)
    assert result.is_error
    text = result.text_content
    assert text.startswith("Error [")
    assert names in text.lower()
    assert "Traceback" not in text and "INTERNAL" not in text
    assert fake_openai.requests == []  # nothing ran


async def test_unknown_persona_is_a_reported_warning(
    make_gateway: Any, fake_openai: FakeOpenAIServer
) -> None:
    async with make_gateway(SmartSpawnPlugin()) as gateway:
        result = await gateway.call_tool("smart_spawn", {"task": TASK, "persona": "pirate-king"})
    assert not result.is_error, result.text_content
    body = json.loads(result.text_content)
    assert body["status"] == "ok"
    assert any("pirate-king" in w for w in body["warnings"]), body["warnings"]
    (request,) = fake_openai.requests
    assert "pirate-king" not in json.dumps(request.body)  # no made-up role block was sent
