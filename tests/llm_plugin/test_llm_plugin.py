"""The llm plugin in llm's own style: plugins registered directly on ``llm.plugins.pm``, the
executed models faked by a test plugin (no network, no keys)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llm
import pytest
from llm.plugins import pm

from smart_spawn_plugin import llm_plugin
from smart_spawn_plugin.errors import InvalidParam, NoModel
from smart_spawn_plugin.feedback.telemetry import COMMUNITY_KIND

#: Every test starts from a home holding the built catalog (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("warm_home")

FAKE_IDS = ("gpt-4o-mini", "anthropic/claude-sonnet-4", "deepseek/deepseek-chat")


class FakeModel(llm.Model):
    """A model llm can run without a key; it answers with its own id."""

    can_stream = True

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.prompts: list[str] = []

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        self.prompts.append(prompt.prompt)
        yield f"answer from {self.model_id}"


class NeedsKey(FakeModel):
    needs_key = "nokey-provider"
    key_env_var = "NOKEY_PROVIDER_KEY"


class FakeModels:
    __name__ = "fake-models"

    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        for model_id in FAKE_IDS:
            register(FakeModel(model_id))
        register(NeedsKey("openai/gpt-4o"))  # in the catalog, but its key is missing


@pytest.fixture(autouse=True)
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys, "_called_from_test", True, raising=False)
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    monkeypatch.delenv("NOKEY_PROVIDER_KEY", raising=False)
    monkeypatch.setattr(llm_plugin, "_ROUTER", llm_plugin.Router())
    pm.register(llm_plugin, name="smart-spawn-test")
    fakes = FakeModels()
    pm.register(fakes, name="fake-models")
    yield
    pm.unregister(name="smart-spawn-test")
    pm.unregister(name="fake-models")


def test_registers_the_toolbox_and_the_routed_models() -> None:
    assert llm.get_tools()["SmartSpawn"] is llm_plugin.SmartSpawn
    ids = {m.model_id for m in llm.get_models()}
    assert {"smart-spawn/auto", "smart-spawn/auto-low", "smart-spawn/auto-high"} <= ids
    assert llm.get_model("smart-spawn").model_id == "smart-spawn/auto"
    names = {tool.name for tool in llm_plugin.SmartSpawn().tools()}
    assert names == {"SmartSpawn_pick", "SmartSpawn_recommend", "SmartSpawn_spawn",
                     "SmartSpawn_feedback"}  # fmt: skip


def test_routed_model_runs_the_best_runnable_model_and_says_which() -> None:
    response = llm.get_model("smart-spawn/auto").prompt("write a python csv parser", announce=False)
    text = response.text()
    assert response.resolved_model in FAKE_IDS
    assert text == f"answer from {response.resolved_model}"
    info = response.json()
    assert info is not None
    decision = info["smart_spawn"]
    assert decision["model"] == response.resolved_model
    assert decision["category"] == "coding"
    assert decision["catalog_id"] != "openai/gpt-4o"  # its key is missing: not runnable


def test_budget_variant_routes_within_its_budget() -> None:
    response = llm.get_model("smart-spawn/auto-low").prompt("summarise this text", announce=False)
    response.text()
    info = response.json()
    assert info is not None
    assert info["smart_spawn"]["budget"] == "low"


def test_announce_names_the_model_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    response = llm.get_model("smart-spawn/auto").prompt("write a haiku")
    assert response.text().startswith("answer from ")
    assert f"→ {response.resolved_model}" in capsys.readouterr().err


def test_no_runnable_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pm.unregister(name="fake-models")
    pm.register(type("Nothing", (), {"__name__": "nothing"})(), name="fake-models")
    with pytest.raises(NoModel, match="llm-openrouter"):
        llm.get_model("smart-spawn/auto").prompt("hi", announce=False).text()


def test_toolbox_pick_recommend_spawn_feedback() -> None:
    box = llm_plugin.SmartSpawn(budget="low")
    picked = json.loads(box.pick("refactor the parser", category="coding"))
    assert picked["budget"] == "low"
    assert picked["category"] == "coding"
    assert json.loads(box.pick("x", budget="high"))["budget"] == "high"
    assert len(json.loads(box.recommend("prove a theorem", count=2))) == 2
    answer = box.spawn("write a python csv parser")
    assert answer.startswith("[answered by ")
    assert "answer from " in answer
    named = box.spawn("hi", model="deepseek/deepseek-chat")
    assert named.endswith("answer from deepseek/deepseek-chat")
    recorded = json.loads(box.feedback("openai/gpt-4o-mini", "coding", 5))
    assert recorded == {
        "recorded": True,
        "model": "openai/gpt-4o-mini",
        "category": "coding",
        "rating": 5,
        "communityReported": False,
        "message": "openai/gpt-4o-mini will be favoured for coding tasks.",
    }


def test_feedback_takes_the_one_rating_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rating from llm is stored through the runtime like every other surface's: the next
    pick reflects it, and it is queued for the community when the user opted in."""
    monkeypatch.setenv("SMART_SPAWN_TELEMETRY_OPT_IN", "true")
    box = llm_plugin.SmartSpawn()
    first = json.loads(box.pick("refactor the parser", category="coding"))["id"]
    for _ in range(8):
        assert json.loads(box.feedback(first, "coding", 1))["communityReported"] is True
    assert json.loads(box.pick("refactor the parser", category="coding"))["id"] != first
    runtime = llm_plugin._ROUTER.runtime
    assert len(runtime.outbox.store.pending(kind=COMMUNITY_KIND)) == 8


def test_toolbox_rejects_bad_arguments_naming_the_field() -> None:
    box = llm_plugin.SmartSpawn()
    with pytest.raises(InvalidParam, match="category"):
        box.pick("x", category="poetry")
    with pytest.raises(InvalidParam, match="rating"):
        box.feedback("openai/gpt-4o", "coding", 9)
    with pytest.raises(InvalidParam, match="budget"):
        llm_plugin.SmartSpawn(budget="huge")


def test_the_toolbox_works_as_llm_tools_in_a_chain() -> None:
    """A fake model that calls SmartSpawn_pick, as ``llm -T SmartSpawn`` would."""
    calls: list[str] = []

    class Caller(llm.Model):
        model_id = "caller"
        supports_tools = True

        def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any):
            if prompt.tool_results:
                calls.append(prompt.tool_results[0].output)
                yield "done"
                return
            response.add_tool_call(llm.ToolCall(name="SmartSpawn_pick",
                                                arguments={"task": "write sql"}))  # fmt: skip
            yield ""

    chain = Caller().chain("pick for me", tools=[llm_plugin.SmartSpawn()])
    assert chain.text().endswith("done")
    picked = json.loads(calls[0])
    assert picked["id"] and isinstance(picked["runnerUps"], list)  # the description's names
