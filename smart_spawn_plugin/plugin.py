"""smart-spawn as an agent-gateway plugin (entry point ``smart-spawn`` in ``agent_gateway``).

Wiring only: the hookimpls below hand over to ``tools/``. What the plugin does for its host:

- ``plugin_manifest``: id ``smart-spawn``, version, the configSchema generated from
  ``Settings`` (the original's keys apiUrl, defaultBudget, defaultMode, collectiveCount,
  telemetryOptIn, communityUrl, plus ours), the tools and the skills;
- ``register_tools``: ``smart_spawn``, ``smart_spawn_feedback`` and the router tools
  (``router_status``, ``router_predict``, ``router_analyze``, ``router_optimize``,
  ``router_shift``);
- ``register_skills``: ``skills/smart-spawn`` and ``skills/smart-spawn-api``;
- ``gateway_start``/``gateway_stop``: open/close the runtime (store, recommender, HTTP client)
  and retry queued feedback;
- ``resolve_spawn_model``: route a ``sessions_spawn`` that names no model (fails open);
- ``resolve_model``: per-message routing of the gateway's own chat turns when the chat model
  is ``smart-spawn/auto`` (passthrough, fallbacks, routing card; fails open);
- ``subagent_spawned``/``subagent_ended``: log routed spawns with real usage, and rate outcomes
  implicitly when ``implicitRatings`` is on.

State lives in a :class:`SmartSpawnPlugin` instance, one
:class:`~smart_spawn_plugin.runtime.Runtime` per host, opened from the plugin's own config
(``plugins.entries.smart-spawn.config``, the original's camelCase keys) over the environment and
the defaults. The module itself is a plugin
too (what the entry point loads): its functions delegate to a module-level instance. Tests and
embedders register ``SmartSpawnPlugin(runtime=..., http=...)`` to inject the runtime or the
transport.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, Final

import httpx

from smart_spawn_plugin import __version__
from smart_spawn_plugin.contract import (
    ModelChoice,
    SpawnAccepted,
    SpawnRequest,
    SubagentEnded,
    ToolSpec,
)
from smart_spawn_plugin.gateway.hookspecs import hookimpl
from smart_spawn_plugin.gateway.types import HostAPI, PluginManifest, SkillDir
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import config_schema, load_settings
from smart_spawn_plugin.tools import TOOL_NAMES, feedback_tool, router_tools, smart_spawn_tool
from smart_spawn_plugin.tools.auto.route import is_routed, turn_choice
from smart_spawn_plugin.tools.routing import record_ended, track_spawn
from smart_spawn_plugin.tools.routing import resolve_model as route_spawn

logger = get_logger(__name__)

PLUGIN_ID: Final = "smart-spawn"
SKILLS: Final = ("skills/smart-spawn", "skills/smart-spawn-api")
DESCRIPTION: Final = (
    "Routes every sub-agent spawn to the best LLM for its task (real benchmark data, your "
    "budget, your feedback) and runs spawns in five modes: single, collective, cascade, plan, "
    "swarm."
)


def manifest() -> PluginManifest:
    """The plugin's static metadata; ``manifest.json`` at the repository root is its JSON."""
    return PluginManifest(
        id=PLUGIN_ID,
        name="Smart Spawn",
        version=__version__,
        description=DESCRIPTION,
        config_schema=config_schema(),
        tools=list(TOOL_NAMES),
        skills=list(SKILLS),
    )


def skills_root() -> Path:
    """Where the skill directories are: packaged in ``smart_spawn_plugin/skills`` (a wheel),
    else the source checkout's ``skills/``."""
    packaged = Path(str(resources.files("smart_spawn_plugin"))) / "skills"
    if packaged.is_dir():
        return packaged.parent
    return Path(__file__).resolve().parent.parent


class SmartSpawnPlugin:
    """The hookimpls of smart-spawn, with one :class:`Runtime` per host.

    ``runtime`` is injected (tests, embedding: the CLI shares its own): every host then uses it,
    and it is never closed here. Otherwise each host gets a runtime opened from the plugin's
    config (over the environment and defaults; ``http`` is an injected transport), closed on
    gateway stop.
    """

    def __init__(
        self, *, runtime: Runtime | None = None, http: httpx.AsyncClient | None = None
    ) -> None:
        self._shared = runtime
        self._http = http
        self._runtimes: weakref.WeakKeyDictionary[object, Runtime] = weakref.WeakKeyDictionary()

    def runtime(self, host: HostAPI) -> Runtime:
        """The host's runtime, opened on first use from the plugin's own config
        (``plugins.entries.smart-spawn.config``); a bad value is ``InvalidParam``."""
        if self._shared is not None:
            return self._shared
        runtime = self._runtimes.get(host)
        if runtime is None:
            settings = load_settings(**dict(host.plugin_config(PLUGIN_ID)))
            runtime = Runtime.open(settings, http=self._http)
            self._runtimes[host] = runtime
        return runtime

    @hookimpl
    def plugin_manifest(self) -> PluginManifest:
        return manifest()

    @hookimpl
    def register_tools(self, register: Callable[[ToolSpec], None], host: HostAPI) -> None:
        register(smart_spawn_tool(lambda: self.runtime(host), lambda: host.spawner))
        register(feedback_tool(lambda: self.runtime(host)))
        for tool in router_tools(lambda: self.runtime(host)):
            register(tool)

    @hookimpl
    def register_skills(self, register: Callable[[SkillDir], None]) -> None:
        root = skills_root()
        for path in SKILLS:
            register(SkillDir(path=root / path, name=path.rsplit("/", 1)[-1]))

    @hookimpl
    async def gateway_start(self, host: HostAPI) -> None:
        await self.runtime(host).flush()

    @hookimpl
    async def gateway_stop(self, host: HostAPI) -> None:
        if self._shared is not None:
            await self._shared.flush()
            return
        runtime = self._runtimes.pop(host, None)
        if runtime is not None:
            await runtime.flush()
            await runtime.aclose()

    @hookimpl
    async def resolve_spawn_model(self, request: SpawnRequest, host: HostAPI) -> ModelChoice | None:
        try:
            return await route_spawn(self.runtime(host), request)
        except Exception:  # fail open, even if the runtime cannot open
            logger.warning("spawn_routing_failed", task_chars=len(request.task))
            return None

    @hookimpl
    async def resolve_model(
        self, model: str, messages: list[dict[str, Any]], host: HostAPI
    ) -> ModelChoice | None:
        """Per-message routing of the gateway's own chat turns for ``smart-spawn/auto``."""
        if not is_routed(model):
            return None
        try:
            return await turn_choice(self.runtime(host), model, messages)
        except Exception:  # fail open: the gateway then asks the configured model itself
            logger.warning("turn_routing_failed", model=model)
            return None

    @hookimpl
    def subagent_spawned(
        self, accepted: SpawnAccepted, request: SpawnRequest, host: HostAPI
    ) -> None:
        track_spawn(self.runtime(host), accepted, request)

    @hookimpl
    async def subagent_ended(self, ended: SubagentEnded, host: HostAPI) -> None:
        await record_ended(self.runtime(host), ended)


_plugin: Final = SmartSpawnPlugin()


# ---- the module as a plugin (the entry point): delegate to the module-level instance ----


@hookimpl
def plugin_manifest() -> PluginManifest:
    return _plugin.plugin_manifest()


@hookimpl
def register_tools(register: Callable[[ToolSpec], None], host: HostAPI) -> None:
    _plugin.register_tools(register, host)


@hookimpl
def register_skills(register: Callable[[SkillDir], None]) -> None:
    _plugin.register_skills(register)


@hookimpl
async def gateway_start(host: HostAPI) -> None:
    await _plugin.gateway_start(host)


@hookimpl
async def gateway_stop(host: HostAPI) -> None:
    await _plugin.gateway_stop(host)


@hookimpl
async def resolve_spawn_model(request: SpawnRequest, host: HostAPI) -> ModelChoice | None:
    return await _plugin.resolve_spawn_model(request, host)


@hookimpl
async def resolve_model(
    model: str, messages: list[dict[str, Any]], host: HostAPI
) -> ModelChoice | None:
    return await _plugin.resolve_model(model, messages, host)


@hookimpl
def subagent_spawned(accepted: SpawnAccepted, request: SpawnRequest, host: HostAPI) -> None:
    _plugin.subagent_spawned(accepted, request, host)


@hookimpl
async def subagent_ended(ended: SubagentEnded, host: HostAPI) -> None:
    await _plugin.subagent_ended(ended, host)
