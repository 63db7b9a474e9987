"""``smart-spawn spawn|chat|feedback|roles`` (``cli.spawn``, ``cli.feedback``, ``cli.roles``)
against the fake OpenAI-compatible server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.store.ratings import RatingsStore
from tests.cli.conftest import Run
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply, FakeToolCall

#: Every test starts from a home holding the built catalog (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("warm_tmp_path")

TASK = "write a python function that parses ISO 8601 dates"


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, fake_openai: FakeOpenAIServer) -> FakeOpenAIServer:
    monkeypatch.setenv("SMART_SPAWN_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("SMART_SPAWN_EXECUTOR_API_KEY", "sk-test")
    return fake_openai


def test_dry_run_prints_instructions_without_network(run: Run, tmp_path: Path) -> None:
    code, out, err = run("--home", str(tmp_path), "spawn", TASK, "--dry-run", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert body["action"] == "spawn" and body["category"] == "coding"


def test_dry_run_is_a_plan_table(run: Run, tmp_path: Path) -> None:
    code, out, err = run("--home", str(tmp_path), "spawn", TASK, "--dry-run")
    assert code == 0, err
    title, header, row, *notes = out.splitlines()
    assert title.startswith("single plan · 1 sub-agent · estimated $")
    assert header.split() == ["node", "role", "model", "category", "after", "est.", "cost"]
    assert row.split()[0] == "primary" and "coding" in row and "$" in row
    assert any("chars/4" in n for n in notes)


def test_dry_run_collective(run: Run, tmp_path: Path) -> None:
    argv = ["--home", str(tmp_path), "spawn", TASK, "--mode", "collective", "--count", "2"]
    code, out, _ = run(*argv, "--dry-run", "--json")
    assert code == 0
    assert json.loads(out)["action"] == "collective"
    code, out, _ = run(*argv, "--dry-run")
    assert code == 0 and "collective plan · 2 sub-agents" in out and "then merge with" in out


def test_without_a_key_it_says_what_to_set(run: Run, tmp_path: Path) -> None:
    code, out, err = run("--home", str(tmp_path), "spawn", TASK)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "OPENROUTER_API_KEY" in err
    code, _, err = run("--home", str(tmp_path), "chat")
    assert code == 1 and "OPENROUTER_API_KEY" in err


def test_spawn_runs_through_the_gateway(
    run: Run, tmp_path: Path, provider: FakeOpenAIServer
) -> None:
    provider.default = FakeReply(content="def parse(): ...", cost=0.003)
    code, out, err = run("--home", str(tmp_path), "spawn", TASK)
    assert code == 0, err
    assert out.startswith("def parse(): ...")
    assert "[single · ok" in out
    assert "started" in err and "✓ ok" in err  # live progress lines
    code, out, _ = run("--home", str(tmp_path), "--json", "spawn", TASK)
    assert json.loads(out)["status"] == "ok"


def test_bad_option_is_one_line(run: Run, tmp_path: Path) -> None:
    code, _, err = run("--home", str(tmp_path), "spawn", "", "--dry-run")
    assert code == 2
    assert "task" in err and err.count("\n") == 1
    code, _, err = run("--home", str(tmp_path), "spawn", TASK, "--count", "0")
    assert code == 2 and "--count" in err and err.count("\n") == 1


def test_failed_spawn_is_one_line_cause_first(
    run: Run, tmp_path: Path, provider: FakeOpenAIServer
) -> None:
    provider.default = FakeReply(status=500, error_message="upstream exploded")
    code, out, err = run("--home", str(tmp_path), "spawn", TASK)
    assert code == 1 and out == ""
    progress, verdict = err.strip().splitlines()[-2:]
    assert "✗" in progress and "✓" not in err
    assert verdict.startswith("smart-spawn: error: ")
    cause = verdict.removeprefix("smart-spawn: error: ")
    assert not cause.startswith("{") and "500" in cause.split(" — ")[0]
    assert "(single run failed, 1 of 1 sub-agents failed)" in cause
    assert len(verdict) < 400
    code, out, err = run("--home", str(tmp_path), "spawn", TASK, "--json")
    assert code == 1 and json.loads(out)["status"] == "failed"
    assert err.strip().splitlines()[-1].startswith("smart-spawn: error: ")


def test_feedback_records_and_validates(run: Run, tmp_path: Path) -> None:
    code, out, err = run("--home", str(tmp_path), "feedback", "z-ai/glm-5.2", "coding", "5")
    assert code == 0, err
    assert "favoured" in out
    code, _, err = run("--home", str(tmp_path), "feedback", "z-ai/glm-5.2", "coding", "7")
    assert code == 2 and "rating" in err and "1 to 5" in err
    with Runtime.open(home=tmp_path) as services:
        assert [r.rating for r in RatingsStore(services.db).rows()] == [5]


def test_roles_list_and_compose(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("--home", str(tmp_path), "--json", "roles", "list")
    assert code == 0 and "backend-engineer" in json.loads(out)["personas"][0]["id"] + out
    code, table, _ = run("--home", str(tmp_path), "roles", "list")
    assert code == 0 and table.splitlines()[1].split() == ["persona", "title", "core"]
    assert "backend-engineer" in table and len(table.splitlines()) < 80
    assert run("--home", str(tmp_path), "roles")[1] == table  # list is the default action
    argv = ["roles", "compose", "build the login API", "--persona", "backend-engineer"]
    code, out, _ = run("--home", str(tmp_path), *argv, "--stack", "fastapi")
    assert code == 0 and "build the login API" in out


def test_chat_spawns_with_progress(
    run: Run,
    tmp_path: Path,
    provider: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider.script(
        "chat/model",
        FakeReply(content=None, tool_calls=(FakeToolCall("smart_spawn", {"task": TASK}),)),
        FakeReply(content="Here is your parser."),
    )
    lines = iter(["please write a date parser", "exit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    code, out, err = run("--home", str(tmp_path), "chat", "--model", "chat/model")
    assert code == 0, err
    assert "Here is your parser." in out
    assert "started" in err and "smart_spawn done" in err
    models: list[Any] = [r.body["model"] for r in provider.requests]
    assert models[0] == "chat/model" and len(models) == 3


PITCH = "Research competitors and build a pitch deck"


def test_swarm_dry_run_shows_nodes_prompts_models_and_cost(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENROUTER_API_KEY", "SMART_SPAWN_EXECUTOR_API_KEY", "SMART_SPAWN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    argv = ["--home", str(tmp_path), "--json", "spawn", PITCH, "--mode", "swarm", "--dry-run"]
    code, out, err = run(*argv)
    assert code == 0, err
    plan = json.loads(out)
    research, deck = plan["dag"]["tasks"]
    assert (research["id"], research["task"], research["dependsOn"]) == (
        "swarm-1",
        "Research competitors",
        [],
    )
    assert (deck["task"], deck["dependsOn"]) == ("build a pitch deck", ["swarm-1"])
    assert research["category"] == "research"
    # a persona per node, from the node's own words: not the coding default
    assert research["persona"] == "market-analyst"
    assert "Market Analyst" in research["systemPrompt"]
    assert deck["persona"] == "strategist" and "Strategist" in deck["systemPrompt"]
    assert "Software Engineer" not in research["systemPrompt"] + deck["systemPrompt"]
    assert research["prompt"].endswith("Research competitors")
    routed = {m["role"]: m["model"] for m in plan["routingDecision"]["models"]}
    assert routed["swarm_swarm-1"] == research["model"]
    assert routed["swarm_swarm-2"] == deck["model"]
    cost = plan["estimatedCost"]
    assert 0 < cost["low"] <= cost["high"]
    assert [n["id"] for n in cost["nodes"]] == ["swarm-1", "swarm-2", "merge"]
    assert cost["unpriced"] == [] and "chars/4" in cost["assumption"]


def test_spawn_with_base_url_runs_for_real(
    run: Run,
    tmp_path: Path,
    fake_openai: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OPENROUTER_API_KEY", "SMART_SPAWN_EXECUTOR_API_KEY", "SMART_SPAWN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    fake_openai.default = FakeReply(content="deck outline: 10 slides", cost=0.001)
    argv = ["--home", str(tmp_path), "--json", "spawn", PITCH, "--mode", "swarm"]
    code, out, err = run(*argv, "--base-url", fake_openai.base_url, "--model-api-key", "k1")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "ok" and result["output"] == "deck outline: 10 slides"
    assert len(fake_openai.requests) == 3  # two nodes and the merge
    assert {r.headers["authorization"] for r in fake_openai.requests} == {"Bearer k1"}
    # the research node finished before the deck node started: the deck got its output
    parts = [str(r.body["messages"]).split("YOUR PART:")[-1] for r in fake_openai.requests]
    deck = next(p for p in parts if "build a pitch deck" in p)
    assert "RESULTS YOUR PART DEPENDS ON" in deck and "deck outline" in deck


def test_chat_takes_base_url_and_never_sends_the_openrouter_key_there(
    run: Run,
    tmp_path: Path,
    fake_openai: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SMART_SPAWN_BASE_URL", raising=False)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-borrowed")
    fake_openai.script("chat/model", FakeReply(content="hello from local"))
    lines = iter(["hi", "exit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    argv = ["--home", str(tmp_path), "chat", "--model", "chat/model"]
    code, out, err = run(*argv, "--base-url", fake_openai.base_url)
    assert code == 0, err
    assert "hello from local" in out
    (request,) = fake_openai.requests
    # issue 11 #10: a key belongs to its provider; a custom base URL never gets OpenRouter's
    assert "authorization" not in request.headers


def test_closed_stdout_pipe_exits_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "smart_spawn_plugin", "--home", str(tmp_path), "--json",
         "spawn", PITCH, "--mode", "swarm", "--dry-run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader went away, like `| head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_feedback_validates_normalises_and_rounds_like_every_surface(
    run: Run, tmp_path: Path
) -> None:
    """Issue 11 #17 through the CLI."""
    for bad in ("no/such-model", "openrouter/", "   ", "../../etc/passwd"):
        code, out, err = run("--home", str(tmp_path), "feedback", bad, "coding", "3")
        assert code == 2, (bad, out, err)
        assert "model" in err and "Traceback" not in err and "favoured" not in out
    code, out, err = run("--home", str(tmp_path), "feedback", "Z-AI/GLM-5.2", "coding", "4.5")
    assert code == 0, err
    code, out, err = run("--home", str(tmp_path), "feedback", "z-ai/glm-5.2", "coding", "3")
    assert code == 0 and "favoured" not in out and "neutral" in out
    with Runtime.open(home=tmp_path) as services:
        rows = RatingsStore(services.db).rows()
    assert [(r.model, r.rating) for r in rows] == [("z-ai/glm-5.2", 5), ("z-ai/glm-5.2", 3)]


def test_roles_compose_warns_about_unknown_blocks_like_the_api(run: Run, tmp_path: Path) -> None:
    """Issue 11 #19: the CLI shows the warnings the API and the plugin return."""
    code, out, err = run("--home", str(tmp_path), "roles", "compose", "x", "--persona", "nosuch")
    assert code == 0
    assert "nosuch" in err and "warning" in err
    code, out, _ = run(
        "--home", str(tmp_path), "--json", "roles", "compose", "x", "--persona", "nosuch"
    )
    assert any("nosuch" in w for w in json.loads(out)["warnings"])
