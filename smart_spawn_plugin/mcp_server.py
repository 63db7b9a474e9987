"""The MCP server (extra ``mcp``; command ``smart-spawn mcp``), on the MCP SDK 2.x ``MCPServer``.

Tools (JSON results; errors are error results naming the field):

- routing: ``pick``, ``recommend``, ``compare``, ``models``, ``decompose``, ``roles_compose``,
  ``feedback`` — see :mod:`smart_spawn_plugin.mcp.routing_tools`;
- asynchronous runs, named as in the original MCP server: ``smartspawn_health``,
  ``smartspawn_run_create``, ``smartspawn_run_status``, ``smartspawn_run_result``,
  ``smartspawn_artifact_get``, ``smartspawn_run_list``, ``smartspawn_run_cancel`` — see
  :mod:`smart_spawn_plugin.mcp.run_tools` and the lifecycle in :mod:`smart_spawn_plugin.mcp.runner`.

Transports: stdio (default) and streamable HTTP, bound to 127.0.0.1 only. The run worker
(and crash recovery) starts in the server's lifespan and stops with it. Logs go to stderr;
stdout belongs to the protocol.

For tests, build the server in-process and talk to it with the SDK's client::

    server = build_server(runtime)
    async with Client(server) as client:
        result = await client.call_tool("pick", {"task": "refactor the parser"})
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final, Literal

from smart_spawn_plugin import __version__
from smart_spawn_plugin.runtime import Runtime

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

SERVER_NAME: Final = "smart-spawn"
LOCALHOST: Final = "127.0.0.1"
INSTRUCTIONS: Final = (
    "smart-spawn picks the best LLM for a task from benchmark data, your budget and your "
    "feedback (pick, recommend, compare, models, decompose, roles_compose, feedback), and runs "
    "sub-agents asynchronously in five modes (smartspawn_run_create, then smartspawn_run_status "
    "and smartspawn_run_result)."
)


def build_server(runtime: Runtime) -> MCPServer[Any]:
    """The MCP server over an opened ``runtime`` (its ``Settings.mcp`` section and run limits).
    Nothing starts until it runs (lifespan)."""
    from smart_spawn_plugin.mcp import provider_tools, routing_tools, run_tools
    from smart_spawn_plugin.mcp.state import McpState

    state = McpState.build(runtime)

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[McpState]:
        await state.start()
        try:
            yield state
        finally:
            await state.stop()

    server: MCPServer[Any] = _server_class()(
        SERVER_NAME,
        title="smart-spawn",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        log_level="WARNING",
    )
    routing_tools.register(server, state)
    run_tools.register(server, state)
    provider_tools.register(server, state)
    return server


def _server_class() -> type[MCPServer[Any]]:
    """``MCPServer`` whose argument-schema failures are error results in the package's shape.

    The SDK validates a call's arguments against the tool's schema before our code runs and
    answers a mismatch with raw pydantic text (a URL included). Here the same failure goes
    through the one translator: ``{"error": {"code": "INVALID_PARAM", "field": …}}``.
    """
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
    from pydantic import ValidationError

    from smart_spawn_plugin.errors import as_error
    from smart_spawn_plugin.mcp.results import fail

    class SmartSpawnServer(MCPServer[Any]):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as exc:
                cause = exc.__cause__
                if isinstance(cause, ValidationError) and not isinstance(exc, UnexpectedToolError):
                    return fail(as_error(cause))
                raise

    return SmartSpawnServer


def serve(
    runtime: Runtime,
    *,
    transport: Literal["stdio", "http"] = "stdio",
    port: int = 8765,
) -> None:
    """Run the server until the client disconnects (stdio) or the process is stopped (HTTP)."""
    server = build_server(runtime)
    if transport == "http":
        # stdout is free over HTTP: say where the server listens (stdio's stdout is the protocol)
        print(f"smart-spawn MCP server on http://{LOCALHOST}:{port}/mcp", flush=True)
        server.run("streamable-http", host=LOCALHOST, port=port)
    else:
        server.run("stdio")


def main() -> None:
    """``python -m smart_spawn_plugin.mcp_server``: the stdio server with default settings."""
    from smart_spawn_plugin.log import configure

    configure(level="WARNING")
    with Runtime.open() as runtime:
        serve(runtime)


if __name__ == "__main__":  # pragma: no cover
    main()
