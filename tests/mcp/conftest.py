"""Fixtures for the MCP server: the fake OpenAI-compatible server, opened services pointed at
it, and an in-memory SDK client connected to a freshly built server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult

from smart_spawn_plugin.mcp_server import build_server
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import McpSettings, Settings
from tests.conftest import SeedHome
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply

#: Upper bound on polling iterations (a hang guard, not a timing assertion).
POLLS = 2_000


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A started fake chat-completions server; ``fake_openai.base_url`` ends in ``/v1``."""
    with FakeOpenAIServer() as server:
        server.default = FakeReply(content="fake answer", cost=0.001)
        yield server


@pytest.fixture
def services(
    tmp_path: Path, fake_openai: FakeOpenAIServer, seed_home: SeedHome
) -> Iterator[Runtime]:
    home = seed_home(tmp_path / "home")
    with Runtime.open(home=home, base_url=fake_openai.base_url) as opened:
        yield opened


ClientFactory = Callable[..., AbstractAsyncContextManager[Client]]
#: The original MCP server's names of the run limits that are top-level ``Settings`` fields.
TOP_LEVEL = {
    "max_usd_per_run": "max_usd_per_run",
    "max_parallel_nodes_per_run": "max_concurrency",
    "node_timeout_seconds": "spawn_timeout",
}


def with_caps(settings: Settings, caps: dict[str, Any]) -> Settings:
    """``settings`` with the MCP server's caps (the original's names) set."""
    top = {TOP_LEVEL[k]: v for k, v in caps.items() if k in TOP_LEVEL}
    mcp = {k: v for k, v in caps.items() if k not in TOP_LEVEL}
    section = McpSettings.model_validate({**settings.mcp.model_dump(), **mcp})
    return settings.model_copy(update={**top, "mcp": section})


@pytest.fixture
def mcp_client(services: Runtime) -> ClientFactory:
    """``async with mcp_client(**caps) as client``: a server with those limits, connected."""

    @asynccontextmanager
    async def connect(**caps: Any) -> AsyncIterator[Client]:
        services.settings = with_caps(services.settings, {"retry_backoff_seconds": 0, **caps})
        async with Client(build_server(services)) as client:
            yield client

    return connect


def data(result: CallToolResult) -> dict[str, Any]:
    assert result.structured_content is not None
    content: dict[str, Any] = result.structured_content
    return content


async def call_ok(client: Client, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(tool, args or {})
    assert not result.is_error, result.content
    return data(result)


async def call_error(client: Client, tool: str, args: dict[str, Any]) -> str:
    """The error text of a call that must fail."""
    result = await client.call_tool(tool, args)
    assert result.is_error
    text = result.content[0]
    assert text.type == "text"
    return text.text


async def wait_until(
    client: Client, run_id: str, done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Poll ``smartspawn_run_status`` until ``done(status)`` (bounded, never timed)."""
    for _ in range(POLLS):
        status = await call_ok(client, "smartspawn_run_status", {"run_id": run_id})
        if done(status):
            return status
        await asyncio.sleep(0.01)
    raise AssertionError(f"run {run_id} never reached the expected state: {status}")


async def wait_finished(client: Client, run_id: str) -> dict[str, Any]:
    return await wait_until(client, run_id, lambda s: s["status"] not in ("queued", "running"))
