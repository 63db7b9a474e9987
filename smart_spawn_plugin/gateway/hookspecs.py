"""The gateway contract: every hook a plugin may implement, with its docstring as the contract.

Hooks are pluggy hooks of project ``agent_gateway`` (also the entry-point group). Conventions:

- Registration hooks (``plugin_manifest``, ``register_*``) are sync and called once at load,
  in the ``llm`` style: call ``register(thing)`` for each thing you provide.
- Runtime hooks may be ``async def``; the host awaits each result itself (pluggy cannot; see
  ``calling.py``). Each call has a time budget; an exception or timeout in a runtime hook is
  logged and that hook is skipped (**fail open**): a plugin can never block a spawn by failing.
- A hookimpl takes any subset of the spec's arguments by name (pluggy's rule), so
  ``def resolve_spawn_model(request)`` and ``def resolve_spawn_model(request, ctx, host)``
  are both valid.
- Order: pluggy's (last registered first; ``tryfirst``/``trylast`` adjust it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import pluggy

if TYPE_CHECKING:
    from smart_spawn_plugin.contract import (
        SpawnAccepted,
        SpawnContext,
        SpawnRequest,
        SubagentEnded,
        ToolCall,
        ToolContext,
        ToolResult,
        ToolSpec,
    )
from smart_spawn_plugin.gateway.types import CommandSpec, HostAPI, PluginManifest, SkillDir

PROJECT: Final = "agent_gateway"
#: The entry-point group plugins are discovered under (same as the pluggy project name).
ENTRY_POINT_GROUP: Final = PROJECT

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


#: A runtime hook may return its value or an awaitable of it; the host awaits.
MaybeAwaitable = Any


# ---- registration (sync, once per load) ----


@hookspec
def plugin_manifest() -> PluginManifest | None:
    """Return the plugin's static metadata (the ``openclaw.plugin.json`` equivalent).

    Called once at load, before anything else. ``id`` is the key of the plugin's config entry
    (``plugins.entries.<id>``); ``config_schema`` (JSON Schema) is what the host validates that
    config against before the plugin runs; ``tools`` lists the tool names the plugin registers.
    Must not do I/O. Return None for a plugin without config (its pluggy name is its id).
    """


@hookspec
def register_tools(register: Callable[[ToolSpec], None], host: HostAPI) -> None:
    """Call ``register(tool)`` for each agent tool the plugin provides.

    Called once at load. Tool names are unique across the gateway: registering a name that is
    already taken (by another plugin or by a core tool such as ``sessions_spawn``) is a load
    error naming both owners. Do not do I/O here; open clients in ``gateway_start``.
    """


@hookspec
def register_skills(register: Callable[[SkillDir], None]) -> None:
    """Call ``register(SkillDir(path=...))`` for each directory holding a ``SKILL.md``.

    Called once at load; the host offers the skills to its agents.
    """


@hookspec
def register_commands(register: Callable[[CommandSpec], None]) -> None:
    """Call ``register(CommandSpec(...))`` for each gateway CLI subcommand the plugin adds.

    Called once at load. Command names are unique; a clash is a load error.
    """


# ---- lifecycle (may be async) ----


@hookspec
def gateway_start(host: HostAPI) -> MaybeAwaitable:
    """Observe: the gateway is starting. Open clients and caches here.

    Awaited before any tool call or spawn. Failures are logged; the gateway still starts.
    """


@hookspec
def gateway_stop(host: HostAPI, reason: str | None) -> MaybeAwaitable:
    """Observe: the gateway is stopping (running sub-agents are already cancelled).

    Close what ``gateway_start`` opened. Budget: a few seconds; failures are logged.
    """


# ---- spawn routing ----


@hookspec
def resolve_spawn_model(request: SpawnRequest, ctx: SpawnContext, host: HostAPI) -> MaybeAwaitable:
    """Return a ``ModelChoice`` for a spawn that names no model, or None to pass.

    Called only when ``request.model`` is None or ``"auto"``, after ``before_spawn``. The first
    non-None result wins (the host iterates the impls itself, because impls may be async).
    Routing **fails open**: an exception, a timeout or a non-``ModelChoice`` result counts as
    None, and the spawn proceeds on the gateway's default model. Never blocks a spawn.
    """


@hookspec
def resolve_model(model: str, messages: list[dict[str, Any]], host: HostAPI) -> MaybeAwaitable:
    """Return a ``ModelChoice`` for one of the gateway's own chat turns, or None to pass.

    Called by the chat loop once per user turn, before its first model call, with the
    configured chat model and the conversation as OpenAI-style messages (OpenClaw's
    model-resolve hook for the agent itself; smart-spawn answers for ``smart-spawn/auto``).
    ``choice.model`` answers the turn; ``details["fallbacks"]`` (model ids) are tried in order
    when it fails before answering with a retryable or context-length error; with
    ``details["cards"]`` (model id → text), the card of the model that answered heads the
    turn's final answer. The first non-None result wins. **Fails open**: an exception, a
    timeout or a non-``ModelChoice`` result counts as None, and the configured model is used.
    """


@hookspec
def before_spawn(request: SpawnRequest, ctx: SpawnContext, host: HostAPI) -> MaybeAwaitable:
    """Return a ``SpawnDecision`` to rewrite or veto a spawn, or None to pass.

    Called sequentially for every spawn, before routing. ``SpawnDecision(request=...)`` replaces
    the request for later impls and for the spawn; ``SpawnDecision(block=True, block_reason=...)``
    is terminal: the spawn returns ``status="forbidden"`` with that reason. An exception or a
    timeout skips that impl (fail open).
    """


@hookspec
def subagent_spawned(
    accepted: SpawnAccepted, request: SpawnRequest, ctx: SpawnContext, host: HostAPI
) -> MaybeAwaitable:
    """Observe: a sub-agent was accepted and started (``accepted.model`` is the resolved model).

    Return values are ignored; failures are logged.
    """


@hookspec
def subagent_ended(ended: SubagentEnded, ctx: SpawnContext, host: HostAPI) -> MaybeAwaitable:
    """Observe: a sub-agent finished, with outcome ``ok|error|timeout|cancelled``, its output,
    token usage, cost in USD and duration. The place for outcome feedback and telemetry.

    Fired exactly once per accepted spawn. Return values are ignored; failures are logged.
    """


# ---- tools ----


@hookspec
def before_tool_call(call: ToolCall, ctx: ToolContext, host: HostAPI) -> MaybeAwaitable:
    """Return a ``ToolCallDecision`` to rewrite params or block a tool call, or None to pass.

    Called sequentially before every tool call (``sessions_spawn`` included). A rewrite replaces
    ``call.params`` for later impls and for the tool; a block returns an error ``ToolResult``
    with the reason to the model. An exception or timeout skips that impl (fail open, unlike
    OpenClaw's fail-closed default, so a broken plugin cannot wedge the agent).
    """


@hookspec
def after_tool_call(
    call: ToolCall, result: ToolResult, ctx: ToolContext, host: HostAPI
) -> MaybeAwaitable:
    """Observe: a tool call finished with ``result`` (which may be an error result).

    Return values are ignored; failures are logged.
    """


#: Every hook name of the contract, in documentation order.
HOOK_NAMES: Final = (
    "plugin_manifest",
    "register_tools",
    "register_skills",
    "register_commands",
    "gateway_start",
    "gateway_stop",
    "resolve_spawn_model",
    "resolve_model",
    "before_spawn",
    "subagent_spawned",
    "subagent_ended",
    "before_tool_call",
    "after_tool_call",
)
