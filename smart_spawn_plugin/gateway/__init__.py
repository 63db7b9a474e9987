"""The agent-gateway host side (hookspecs, host types) and a reference gateway; it implements
:mod:`smart_spawn_plugin.contract` (re-exported here for gateway users).

Importing this package opens nothing: plugins load when a ``Gateway`` is built.
"""

from smart_spawn_plugin.contract import (
    ModelChoice,
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
from smart_spawn_plugin.gateway.hookspecs import ENTRY_POINT_GROUP, PROJECT, hookimpl, hookspec
from smart_spawn_plugin.gateway.types import CommandSpec, HostAPI, PluginManifest, SkillDir

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
