"""Logs go to stderr, never stdout (stdout carries a CLI's output, the MCP stdio protocol, an
llm answer) — also in a process where nobody configured logging (a host loading the plugin)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from smart_spawn_plugin.log import configure, get_logger

SCRIPT = """
from smart_spawn_plugin.client.base import OutcomeReport
from smart_spawn_plugin.runtime import Runtime
with Runtime.open() as runtime:
    runtime.rate_now(OutcomeReport(model="z-ai/glm-5.2", category="coding", rating=4))
"""


def test_an_unconfigured_process_logs_to_stderr(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "SMART_SPAWN_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout == ""
    assert "rating_recorded" in done.stderr


def test_get_logger_points_an_unconfigured_structlog_at_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    structlog.reset_defaults()
    get_logger("tests.log").warning("something_happened", detail=1)
    out, err = capsys.readouterr()
    assert out == ""
    assert "something_happened" in err


def test_configure_keeps_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    get_logger("tests.log").info("configured_event")
    out, err = capsys.readouterr()
    assert out == ""
    assert '"event": "configured_event"' in err


LAZY = """
import sys
from smart_spawn_plugin.log import configure, get_logger
log = get_logger("demo")
configure(level="INFO")
assert "structlog" not in sys.modules, "asking for a logger must not import structlog"
log.debug("too_quiet")
assert "structlog" not in sys.modules, "an event below the level must not import structlog"
log.info("hello_event", answer=42)
assert "structlog" in sys.modules
log.debug("still_too_quiet")
"""


def test_configuration_before_structlog_loads_applies_and_logs_go_to_stderr() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "hello_event" in proc.stderr and "answer=42" in proc.stderr
    assert "too_quiet" not in proc.stderr
