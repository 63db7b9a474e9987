"""The reference gateway's own config, in OpenClaw's shape (``plugins.entries.<id>``)."""

from __future__ import annotations

from typing import Final

from pydantic import Field

from smart_spawn_plugin.gateway.types import GatewayModel, JsonObject

#: The model a spawn runs on when it names none and no plugin routes it.
DEFAULT_SUBAGENT_MODEL: Final = "openrouter/auto"


class PluginEntry(GatewayModel):
    """``plugins.entries.<id>``: whether the plugin is on, and its config (checked against the
    plugin manifest's ``configSchema``)."""

    enabled: bool = True
    config: JsonObject = Field(default_factory=dict)


class GatewayConfig(GatewayModel):
    """Host-side settings of the reference gateway (sub-agent defaults and plugin entries)."""

    default_model: str = Field(default=DEFAULT_SUBAGENT_MODEL, min_length=1)
    max_spawn_depth: int = Field(default=1, ge=1, le=5)
    hook_timeout_seconds: float = Field(default=15.0, gt=0, le=600)
    system_prompt: str = (
        "You are a sub-agent. Complete the task you are given and reply with the result only."
    )
    plugins: dict[str, PluginEntry] = Field(default_factory=dict)
