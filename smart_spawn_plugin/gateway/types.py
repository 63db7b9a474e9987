"""The host side of the gateway contract: plugin registration and the host API.

The spawning contract itself (tools, spawns, the ``Spawner`` protocol) is
:mod:`smart_spawn_plugin.contract`; this module adds what only a plugin host and its plugins
share: the manifest, skills, CLI commands and :class:`HostAPI`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Protocol

import structlog
from pydantic import Field, JsonValue

from smart_spawn_plugin.contract import ContractModel, JsonSchema, Spawner

# ------------------------------------------------------------------------ registration and host


class PluginManifest(ContractModel):
    """A plugin's static metadata (``openclaw.plugin.json``): id, config JSON Schema, tools."""

    id: str
    name: str | None = None
    version: str | None = None
    description: str | None = None
    config_schema: JsonSchema = Field(default_factory=lambda: {"type": "object"})
    tools: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)


class SkillDir(ContractModel):
    """A directory holding a ``SKILL.md``."""

    path: Path
    name: str | None = None


class CommandSpec(ContractModel):
    """A gateway CLI subcommand: ``handler(argv) -> exit code`` (may be async)."""

    name: str
    help: str = ""
    handler: Callable[[list[str]], int | Awaitable[int]] = Field(exclude=True)


class HostAPI(Protocol):
    """What a plugin may use of its host (OpenClaw's ``api`` object). The plugin's own settings
    come from its config (:meth:`plugin_config`), never from the host's."""

    @property
    def spawner(self) -> Spawner: ...

    @property
    def logger(self) -> structlog.stdlib.BoundLogger: ...

    def plugin_config(self, plugin_id: str) -> Mapping[str, JsonValue]:
        """The validated ``plugins.entries.<id>.config`` of a plugin (empty when none)."""
        ...

    def price_of(self, model: str) -> tuple[float, float] | None:
        """USD per 1M tokens (prompt, completion) from the host's catalog, or None."""
        ...
