"""Fixtures for gateway tests: the fake OpenAI-compatible server and gateway builders.

Other test directories can reuse the server with
``from tests.fakes.openai_server import FakeOpenAIServer, FakeReply`` or by declaring
``pytest_plugins``-free fixtures of their own around it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A started fake chat-completions server; ``fake_openai.base_url`` ends in ``/v1``."""
    with FakeOpenAIServer() as server:
        yield server
