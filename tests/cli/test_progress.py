"""Run progress on stderr (``cli.progress``): lines off a terminal, a live table on one."""

from __future__ import annotations

import io

from rich.console import Console
from rich.live import Live

from smart_spawn_plugin.cli.progress import LiveProgress, PlainProgress, ended_line, open_progress
from smart_spawn_plugin.contract import SpawnAccepted, SpawnRequest, SubagentEnded, Usage


def _ended(outcome: str, error: str | None = None) -> SubagentEnded:
    return SubagentEnded(
        run_id="r1",
        child_session_key="k",
        outcome=outcome,
        usage=Usage(total_tokens=42),
        cost_usd=0.0012,
        duration_ms=1500,
        model="a/model",
        error=error,
    )


def test_a_failure_is_marked_as_one_not_with_a_tick() -> None:
    assert ended_line(_ended("ok")).startswith("  ✓ ok a/model · 1.5s 42 tok $0.0012")
    line = ended_line(_ended("error", "a/model: HTTP 500 upstream exploded"))
    assert line.startswith("  ✗ error a/model") and line.endswith("— HTTP 500 upstream exploded")


def test_plain_progress_lines() -> None:
    out = io.StringIO()
    with open_progress(out) as progress:
        assert isinstance(progress, PlainProgress)
        progress.subagent_spawned(
            SpawnAccepted(status="accepted", run_id="r1", model="a/model"),
            SpawnRequest(task="do it", label="node 1"),
        )
        progress.subagent_ended(_ended("timeout", "too slow"))
    started, ended = out.getvalue().splitlines()
    assert started == "  ↳ started a/model · node 1"
    assert ended.startswith("  ✗ timeout a/model")


def test_live_table_shows_running_and_finished_sub_agents() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    live = Live(console=console, auto_refresh=False)
    progress = LiveProgress(live)
    progress.subagent_spawned(
        SpawnAccepted(status="accepted", run_id="r1", model="a/model"),
        SpawnRequest(task="do it", label="node 1"),
    )
    progress.subagent_spawned(
        SpawnAccepted(status="accepted", run_id="r2", model="b/model"),
        SpawnRequest(task="and this"),
    )
    progress.subagent_ended(_ended("ok"))
    console.print(progress.render())
    text = out.getvalue()
    assert "a/model" in text and "b/model" in text and "node 1" in text
    assert "✓" in text and "$0.0012" in text and "42" in text
