"""Fixtures: a tool runtime over a temp-home store, with a fake transport for HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from tests.conftest import SeedHome

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def posted() -> list[httpx.Request]:
    """Requests the runtime's HTTP client sent (community reports, remote feedback)."""
    return []


@pytest.fixture
async def make_runtime(
    tmp_path: Path, posted: list[httpx.Request], seed_home: SeedHome
) -> AsyncIterator[MakeRuntime]:
    opened: list[Runtime] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return httpx.Response(200, json={"data": {}})

    def make(**settings: Any) -> Runtime:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        runtime = Runtime.open(Settings(home=seed_home(tmp_path / "store"), **settings), http=http)
        runtime._owns_http = True
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        await runtime.aclose()
