"""Fixtures of the dashboard's browser tests: a real ``smart-spawn serve`` on a free loopback
port over a temporary home seeded with spawns, and one headless Chromium per module."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord, SpawnUsage
from tests.server.dashboard.browser import launch
from tests.server.helpers import serving

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "dashboard"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SEED_MODELS = [
    ("anthropic/claude-sonnet-4.5", "coding", "single"),
    ("openai/gpt-5-mini", "research", "collective"),
    ("google/gemini-2.5-flash", "fast-cheap", "cascade"),
    ("deepseek/deepseek-chat-v3.1", "coding", "swarm"),
]


def seed_home(home: Path) -> None:
    """Spawns over the last week with recorded usage, as the spawn modes log them."""
    with Runtime.open(home=home) as services:
        services.catalog.current()
        log = SpawnLogStore(services.db)
        now = datetime.now(UTC)
        for i in range(12):
            model, category, mode = SEED_MODELS[i % len(SEED_MODELS)]
            row = log.log(
                SpawnRecord(
                    model=model,
                    category=category,  # type: ignore[arg-type]
                    mode=mode,  # type: ignore[arg-type]
                    source="test",
                    prompt_price=1.0 + i % 3,
                    completion_price=4.0 + i % 5,
                    created_at=now - timedelta(days=i % 6, hours=i),
                )
            )
            log.finish(
                row.id,
                SpawnUsage(
                    status="error" if i == 5 else "ok",
                    prompt_tokens=1200 + 300 * i,
                    completion_tokens=400 + 90 * i,
                    duration_ms=800 + 150 * i,
                ),
            )


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMART_SPAWN_")}
    for name in ("OPENROUTER_API_KEY", "ARTIFICIAL_ANALYSIS_API_KEY", "REFRESH_API_KEY"):
        env.pop(name, None)
    env.update(extra or {})
    return env


@contextlib.contextmanager
def running_server(root: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """``smart-spawn serve`` (the real console script) on a free 127.0.0.1 port over the home
    ``root/home``; yields its base URL and stops it with SIGINT."""
    port = _free_port()
    exe = Path(sys.executable).with_name("smart-spawn")
    command = [
        str(exe),
        "--home",
        str(root / "home"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    log_path = root / "server.log"
    # The rate limiter is not under test here; a page load is 4 requests and a slow CI
    # machine must not see 429s from the default 200/min.
    full_env = _env({"SMART_SPAWN_RATE_LIMIT": "100000", **(env or {})})
    with serving(command, full_env, log_path, f"http://127.0.0.1:{port}") as base:
        yield base


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A single-user server over a home seeded with spawns."""
    root = tmp_path_factory.mktemp("dashboard-server")
    seed_home(root / "home")
    with running_server(root) as base:
        yield base


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from launch(tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored ``artifacts/dashboard``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
