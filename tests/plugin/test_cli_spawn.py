"""``smart-spawn spawn|chat|feedback|roles`` (module ``cli_spawn``) against the fake server."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

import smart_spawn_plugin.cli_spawn  # noqa: F401  # registers the subcommands
from smart_spawn_plugin import cli
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.store.ratings import RatingsStore
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply, FakeToolCall

#: Every test starts from a home holding the built catalog (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("warm_tmp_path")

TASK = "write a python function that parses ISO 8601 dates"


@pytest.fixture(autouse=True)
def _keep_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``cli.main`` configures structlog onto the current stderr, which capsys closes after the
    test, and caches loggers on first use: configure a quiet, uncached one instead, and reset."""

    def quiet(**_: object) -> None:
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
            cache_logger_on_first_use=False,
        )

    if hasattr(cli, "configure_logging"):
        monkeypatch.setattr(cli, "configure_logging", quiet)
    yield
    structlog.reset_defaults()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, fake_openai: FakeOpenAIServer) -> FakeOpenAIServer:
    monkeypatch.setenv("SMART_SPAWN_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("SMART_SPAWN_EXECUTOR_API_KEY", "sk-test")
    return fake_openai


def test_dry_run_prints_instructions_without_network(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--home", str(tmp_path), "spawn", TASK, "--dry-run")
    assert code == 0, err
    body = json.loads(out)
    assert body["action"] == "spawn" and body["category"] == "coding"


def test_dry_run_collective(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["--home", str(tmp_path), "spawn", TASK, "--mode", "collective", "--count", "2"]
    code, out, _ = run(capsys, *argv, "--dry-run")
    assert code == 0
    assert json.loads(out)["action"] == "collective"


def test_without_a_key_it_says_what_to_set(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--home", str(tmp_path), "spawn", TASK)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "OPENROUTER_API_KEY" in err
    code, _, err = run(capsys, "--home", str(tmp_path), "chat")
    assert code == 1 and "OPENROUTER_API_KEY" in err


def test_spawn_runs_through_the_gateway(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider: FakeOpenAIServer
) -> None:
    provider.default = FakeReply(content="def parse(): ...", cost=0.003)
    code, out, err = run(capsys, "--home", str(tmp_path), "spawn", TASK)
    assert code == 0, err
    assert out.startswith("def parse(): ...")
    assert "[single · ok" in out
    assert "started" in err and "✓ ok" in err  # live progress lines
    code, out, _ = run(capsys, "--home", str(tmp_path), "--json", "spawn", TASK)
    assert json.loads(out)["status"] == "ok"


def test_bad_option_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--home", str(tmp_path), "spawn", "", "--dry-run")
    assert code == 1
    assert "task" in err and err.count("\n") == 1


def test_feedback_records_and_validates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "--home", str(tmp_path), "feedback", "a/b", "coding", "5")
    assert code == 0, err
    assert "favoured" in out
    code, _, err = run(capsys, "--home", str(tmp_path), "feedback", "a/b", "coding", "7")
    assert code == 1 and "rating" in err
    with Runtime.open(home=tmp_path) as services:
        assert [r.rating for r in RatingsStore(services.db).rows()] == [5]


def test_roles_list_and_compose(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--home", str(tmp_path), "--json", "roles", "list")
    assert code == 0 and "backend-engineer" in out
    argv = ["roles", "compose", "build the login API", "--persona", "backend-engineer"]
    code, out, _ = run(capsys, "--home", str(tmp_path), *argv, "--stack", "fastapi")
    assert code == 0 and "build the login API" in out


def test_chat_spawns_with_progress(
    capsys: pytest.CaptureFixture[str],
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
    code, out, err = run(capsys, "--home", str(tmp_path), "chat", "--model", "chat/model")
    assert code == 0, err
    assert "Here is your parser." in out
    assert "started" in err and "smart_spawn done" in err
    models: list[Any] = [r.body["model"] for r in provider.requests]
    assert models[0] == "chat/model" and len(models) == 3


PITCH = "Research competitors and build a pitch deck"


def test_swarm_dry_run_shows_nodes_prompts_models_and_cost(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENROUTER_API_KEY", "SMART_SPAWN_EXECUTOR_API_KEY", "SMART_SPAWN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    argv = ["--home", str(tmp_path), "--json", "spawn", PITCH, "--mode", "swarm", "--dry-run"]
    code, out, err = run(capsys, *argv)
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
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fake_openai: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OPENROUTER_API_KEY", "SMART_SPAWN_EXECUTOR_API_KEY", "SMART_SPAWN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    fake_openai.default = FakeReply(content="deck outline: 10 slides", cost=0.001)
    argv = ["--home", str(tmp_path), "--json", "spawn", PITCH, "--mode", "swarm"]
    code, out, err = run(capsys, *argv, "--base-url", fake_openai.base_url, "--model-api-key", "k1")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "ok" and result["output"] == "deck outline: 10 slides"
    assert len(fake_openai.requests) == 3  # two nodes and the merge
    assert {r.headers["authorization"] for r in fake_openai.requests} == {"Bearer k1"}
    # the research node finished before the deck node started: the deck got its output
    parts = [str(r.body["messages"]).split("YOUR PART:")[-1] for r in fake_openai.requests]
    deck = next(p for p in parts if "build a pitch deck" in p)
    assert "RESULTS YOUR PART DEPENDS ON" in deck and "deck outline" in deck


def test_chat_takes_base_url(
    capsys: pytest.CaptureFixture[str],
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
    code, out, err = run(capsys, *argv, "--base-url", fake_openai.base_url)
    assert code == 0, err
    assert "hello from local" in out
    (request,) = fake_openai.requests
    assert request.headers["authorization"] == "Bearer sk-or-borrowed"


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
