"""Shared paths and helpers for the source adapter tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[4]
FIXTURES = REPO / "tests" / "fixtures" / "sources"
SHARED = REPO / ".." / "shared" / "data" / "sources"


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    """An AsyncClient that never leaves the process."""
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("shared raw data not present")
    return SHARED
