"""MCP provider tools — the plugin's router tools, same names and arguments: ``router_status``,
``router_predict``, ``router_analyze``, ``router_optimize`` (applies only with ``confirm``, or
in ``auto`` mode) and ``router_shift``. Thin adapters over :mod:`smart_spawn_plugin.tools.
providers`; errors come back as error results naming the field (``guard``)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from smart_spawn_plugin.mcp.results import guard
from smart_spawn_plugin.mcp.state import McpState
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.tools import providers as tools

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
ProviderArg = Annotated[str, Field(min_length=1, max_length=100, description="A provider name.")]


def register(server: MCPServer[Any], state: McpState) -> None:
    """Add the router tools to ``server``."""

    def service() -> ProvidersService:
        return state.runtime.providers

    @server.tool(name="router_status", annotations=READ_ONLY)
    async def router_status(detect_local: bool = False) -> CallToolResult:
        """Providers, their quota usage this window, shifts and the routing mode."""
        return await guard(lambda: tools.router_status({"detect_local": detect_local}, service()))

    @server.tool(name="router_predict", annotations=READ_ONLY)
    async def router_predict(
        provider: str | None = None,
        hours: Annotated[float | None, Field(gt=0, le=8784)] = None,
    ) -> CallToolResult:
        """When will a provider's quota or credit run out? Burn rate, exhaustion, next reset."""
        params: dict[str, Any] = {"provider": provider, "hours": hours}
        return await guard(lambda: tools.router_predict(params, service()))

    @server.tool(name="router_analyze", annotations=READ_ONLY)
    async def router_analyze() -> CallToolResult:
        """Recurring work a cheaper or local model could do as well, with the saving."""
        return await guard(lambda: tools.router_analyze({}, service()))

    @server.tool(name="router_optimize", annotations=WRITES)
    async def router_optimize(
        apply: bool = False, undo: bool = False, confirm: bool = False
    ) -> CallToolResult:
        """Propose cheaper routing; apply only with confirm=true (ask the user) or in auto
        mode; undo removes every override."""
        params = {"apply": apply, "undo": undo, "confirm": confirm}
        return await guard(lambda: tools.router_optimize(params, service()))

    @server.tool(name="router_shift", annotations=WRITES)
    async def router_shift(provider: ProviderArg, undo: bool = False) -> CallToolResult:
        """Move all work off a provider (undo=true moves it back)."""
        params: dict[str, Any] = {"provider": provider, "undo": undo}
        return await guard(lambda: tools.router_shift(params, service()))
