"""The agent-gateway contract (hookspecs and types) and a reference gateway.

Importing this package opens nothing: plugins load when a ``Gateway`` is built.
"""

from smart_spawn_plugin.gateway.hookspecs import ENTRY_POINT_GROUP, PROJECT, hookimpl, hookspec
from smart_spawn_plugin.gateway.types import (
    CommandSpec,
    HostAPI,
    ModelChoice,
    PluginManifest,
    SkillDir,
    SpawnAccepted,
    SpawnContext,
    SpawnDecision,
    Spawner,
    SpawnRequest,
    SubagentEnded,
    ToolCall,
    ToolCallDecision,
    ToolContext,
    ToolResult,
    ToolSpec,
    Usage,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "PROJECT",
    "CommandSpec",
    "HostAPI",
    "ModelChoice",
    "PluginManifest",
    "SkillDir",
    "SpawnAccepted",
    "SpawnContext",
    "SpawnDecision",
    "SpawnRequest",
    "Spawner",
    "SubagentEnded",
    "ToolCall",
    "ToolCallDecision",
    "ToolContext",
    "ToolResult",
    "ToolSpec",
    "Usage",
    "hookimpl",
    "hookspec",
]
