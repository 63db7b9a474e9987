"""The CLI run in-process (``main(argv)``), its output captured; a fake OpenAI-compatible
server for the commands that run models."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import structlog

from smart_spawn_plugin.cli import main
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """``main`` configures structlog (global state) for its run; later tests get defaults."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``run(*argv)`` → (exit status, stdout, stderr); argparse's ``SystemExit`` is a status."""

    def go(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        server.default = FakeReply(content="done", cost=0.002, prompt_tokens=40)
        yield server
