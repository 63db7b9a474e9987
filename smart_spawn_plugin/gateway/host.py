"""The reference gateway: loads plugins, validates their config, offers tools, runs sub-agents.

It is the smallest honest host of the contract in ``hookspecs.py``, used by tests, the CLI and
anyone embedding smart-spawn in a Python agent::

    async with Gateway(Settings(), plugins=[my_plugin]) as gw:
        result = await gw.call_tool("sessions_spawn", {"task": "summarise RFC 9110"})
        ended = await gw.wait(result.details["runId"])

Plugins come from ``plugins=[...]`` or, when it is None, from the ``agent_gateway`` entry points
(loaded in the constructor, never at import; ``AGENT_GATEWAY_LOAD_PLUGINS=a,b``, read into
``Settings.gateway.load_plugins``, restricts them).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Self

import pluggy
import structlog
from pluggy import HookImpl
from pydantic import JsonValue, ValidationError

from smart_spawn_plugin.contract import (
    FunctionTool,
    JsonObject,
    ModelChoice,
    PriceLookup,
    SpawnAccepted,
    SpawnRequest,
    SubagentEnded,
    ToolCall,
    ToolContext,
    ToolResult,
    ToolSpec,
)
from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.gateway import hookspecs
from smart_spawn_plugin.gateway.calling import (
    call_hook,
    gate_tool_call,
    impls_in_call_order,
    resolve_turn_model,
)
from smart_spawn_plugin.gateway.executor import Executor, OpenAICompatExecutor
from smart_spawn_plugin.gateway.routed import ProviderExecutor
from smart_spawn_plugin.gateway.schema import check
from smart_spawn_plugin.gateway.spawner import LocalSpawner, RunBudget
from smart_spawn_plugin.gateway.types import CommandSpec, PluginManifest, SkillDir
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.settings import GatewaySettings, Settings

logger = get_logger(__name__)

#: Tools the gateway itself offers; plugins cannot take these names.
CORE_OWNER: Final = "gateway"


def sessions_spawn_schema() -> dict[str, object]:
    """The JSON Schema of ``sessions_spawn``'s params: OpenClaw's, camelCase, no metadata."""
    schema = SpawnRequest.model_json_schema(by_alias=True)
    schema["properties"].pop("metadata", None)
    schema.get("$defs", {}).pop("JsonValue", None)
    schema["description"] = "Spawn a sub-agent (OpenClaw sessions_spawn parameters)."
    return schema


class Gateway:
    """A reference agent gateway: a ``HostAPI`` for plugins and a ``Spawner`` for sub-agents.

    ``settings`` gives the executor's base URL and keys, the spawn timeout, the concurrency
    limit and the USD cap per run; ``config`` (default: ``settings.gateway``) gives the default
    model, the spawn depth limit,
    the hook budget and ``plugins.entries``. Construction loads and validates everything and
    raises ``InvalidParam`` naming the plugin and key on a bad config or a duplicate tool.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        plugins: Iterable[object] | None = None,
        executor: Executor | None = None,
        *,
        config: GatewaySettings | None = None,
        price_lookup: PriceLookup | None = None,
        effort_lookup: Callable[[str], str | None] | None = None,
    ) -> None:
        self._settings = settings or Settings()
        self.config = config or self._settings.gateway
        self._price_lookup = price_lookup
        self._logger: structlog.stdlib.BoundLogger = get_logger("agent_gateway")
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._load(plugins)
        self.pm.check_pending()
        self.manifests: dict[str, PluginManifest] = {}
        self._plugin_ids: dict[str, str] = {}  # pluggy name -> plugin id
        self._plugin_configs: dict[str, JsonObject] = {}
        self._read_manifests()
        self.budget = RunBudget(self._settings.max_usd_per_run)
        self._owns_executor = executor is None
        # the composition root passes a provider-routing executor (gateway/routed.py); alone,
        # the gateway runs everything through ``base_url`` with its own key
        self.executor: Executor = executor or OpenAICompatExecutor.from_settings(
            self._settings, price_lookup=self.price_of, effort_lookup=effort_lookup
        )
        self._spawner = LocalSpawner(
            hooks=self.pm.hook,
            host=self,
            executor=self.executor,
            settings=self._settings,
            config=self.config,
            budget=self.budget,
            config_for=self._config_for_impl,
        )
        self.tools: dict[str, ToolSpec] = {}
        self._tool_owners: dict[str, str] = {}
        self.skills: list[SkillDir] = []
        self.commands: dict[str, CommandSpec] = {}
        self._register_core_tools()
        self._collect_registrations()
        self.started = False

    # ---- loading ----

    def _load(self, plugins: Iterable[object] | None) -> None:
        if plugins is not None:
            for plugin in plugins:
                self.pm.register(plugin, name=self._readable_name(plugin))
            return
        # never load installed plugins under test: tests register exactly what they need
        if getattr(sys, "_called_from_test", False):
            return
        wanted = self.config.load_plugins
        if wanted is None:
            self.pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
            return
        for name in wanted:
            self.pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP, name=name)

    def _readable_name(self, plugin: object) -> str:
        """A module's or class's name (pluggy would use ``id()`` for instances): errors and
        ``plugins.entries`` keys of manifest-less plugins should read well."""
        base = getattr(plugin, "__name__", None) or type(plugin).__name__
        name, n = base, 1
        while self.pm.has_plugin(name):
            n += 1
            name = f"{base}#{n}"
        return name

    def _read_manifests(self) -> None:
        entries = self.config.plugins
        for impl in impls_in_call_order(self.pm.hook.plugin_manifest):
            manifest = impl.function()
            if manifest is None:
                continue
            if not isinstance(manifest, PluginManifest):
                raise InvalidParam(
                    f"plugin {impl.plugin_name}: plugin_manifest must return a PluginManifest",
                    field="plugin_manifest",
                )
            self.manifests[manifest.id] = manifest
            self._plugin_ids[impl.plugin_name] = manifest.id
        for name, plugin in list(self.pm.list_name_plugin()):
            plugin_id = self._plugin_ids.setdefault(name, name)
            entry = entries.get(plugin_id)
            if entry is not None and not entry.enabled:
                self.pm.unregister(plugin)
                logger.info("plugin_disabled", plugin=plugin_id)
                continue
            config = entry.config if entry is not None else {}
            manifest = self.manifests.get(plugin_id)
            if manifest is not None:
                # errors name plugin and key: plugins.entries.<id>.config.<key>
                check(config, manifest.config_schema, where=f"plugins.entries.{plugin_id}.config")
            self._plugin_configs[plugin_id] = config
        unknown = set(entries) - set(self._plugin_ids.values())
        if unknown:
            logger.warning("plugin_config_unused", plugins=sorted(unknown))

    def _register_core_tools(self) -> None:
        self._add_tool(
            ToolSpec(
                name="sessions_spawn",
                description=(
                    "Spawn a sub-agent to work on a task in the background. Omit `model` to "
                    "let the gateway pick the best model for the task. Returns at once with "
                    "runId and childSessionKey; the result is announced when the sub-agent ends."
                ),
                parameters=sessions_spawn_schema(),
                handler=self._sessions_spawn,
            ),
            CORE_OWNER,
        )

    def _add_tool(self, tool: ToolSpec, owner: str) -> None:
        if not isinstance(tool, ToolSpec):
            raise InvalidParam(f"plugin {owner}: register() takes a ToolSpec", field="tools")
        if tool.name in self.tools:
            raise InvalidParam(
                f"tool {tool.name!r} is registered twice: by {self._tool_owners[tool.name]} "
                f"and by {owner}",
                field=tool.name,
            )
        self.tools[tool.name] = tool
        self._tool_owners[tool.name] = owner

    def _add_command(self, command: CommandSpec, owner: str) -> None:
        if command.name in self.commands:
            raise InvalidParam(f"command {command.name!r} registered twice ({owner})")
        self.commands[command.name] = command

    def _collect_registrations(self) -> None:
        """Run the sync registration hooks once, with a ``register`` bound to each plugin."""
        for impl in impls_in_call_order(self.pm.hook.register_tools):
            owner = self._plugin_ids.get(impl.plugin_name, impl.plugin_name)
            args = {"register": lambda tool, o=owner: self._add_tool(tool, o), "host": self}
            impl.function(*(args[name] for name in impl.argnames))
        for impl in impls_in_call_order(self.pm.hook.register_skills):
            impl.function(self.skills.append)
        for impl in impls_in_call_order(self.pm.hook.register_commands):
            owner = self._plugin_ids.get(impl.plugin_name, impl.plugin_name)
            impl.function(lambda command, o=owner: self._add_command(command, o))

    def _config_for_impl(self, impl: HookImpl) -> JsonObject:
        return self._plugin_configs.get(self._plugin_ids.get(impl.plugin_name, ""), {})

    # ---- HostAPI ----

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def spawner(self) -> LocalSpawner:
        return self._spawner

    @property
    def logger(self) -> structlog.stdlib.BoundLogger:
        return self._logger

    def plugin_config(self, plugin_id: str) -> Mapping[str, JsonValue]:
        return self._plugin_configs.get(plugin_id, {})

    def price_of(self, model: str) -> tuple[float, float] | None:
        return self._price_lookup(model) if self._price_lookup else None

    # ---- Spawner (delegates to the local spawner) ----

    async def spawn(
        self, request: SpawnRequest, *, requester: ToolContext | None = None
    ) -> SpawnAccepted:
        return await self._spawner.spawn(request, requester=requester)

    async def wait(self, run_id: str, timeout: float | None = None) -> SubagentEnded:  # noqa: ASYNC109  # the Spawner contract
        return await self._spawner.wait(run_id, timeout)

    async def cancel(self, run_id: str) -> None:
        await self._spawner.cancel(run_id)

    # ---- the gateway's own turns ----

    async def resolve_turn(self, model: str, messages: list[dict[str, Any]]) -> ModelChoice:
        """The model one chat turn runs on (the ``resolve_model`` hook; fails open to
        ``model``)."""
        return await resolve_turn_model(
            self.pm.hook.resolve_model,
            model,
            messages,
            budget_s=self.config.hook_timeout_seconds,
            host=self,
        )

    # ---- tools ----

    def function_tools(self) -> list[FunctionTool]:
        """Every tool in the OpenAI ``tools=[...]`` shape, for a chat model."""
        return [tool.function_tool() for tool in self.tools.values()]

    async def _sessions_spawn(self, call: ToolCall, ctx: ToolContext) -> ToolResult:
        request = SpawnRequest.model_validate(call.params)
        accepted = await self.spawn(request, requester=ctx)
        return ToolResult.of_json(accepted.wire(), is_error=accepted.status != "accepted")

    async def call_tool(
        self,
        name: str,
        params: Mapping[str, JsonValue] | None = None,
        *,
        ctx: ToolContext | None = None,
        call_id: str | None = None,
    ) -> ToolResult:
        """Run a tool the way a model calls it. Never raises: failures become error results.

        Fires ``before_tool_call`` (may rewrite params or block), checks the params against
        the tool's schema, runs the handler, fires ``after_tool_call``. Bad params, a
        ``SmartSpawnError`` or a pydantic ``ValidationError`` give an error ``ToolResult``
        naming the field; an unexpected exception gives an ``INTERNAL`` one (and is logged).
        """
        call = ToolCall(
            id=call_id or f"call_{uuid.uuid4().hex[:12]}", name=name, params=dict(params or {})
        )
        base = ctx or ToolContext()
        tool = self.tools.get(name)
        if tool is None:
            available = ", ".join(sorted(self.tools))
            return ToolResult.of_error(
                InvalidParam(f"unknown tool {name!r} (available: {available})", field="name")
            )
        owner = self._tool_owners[name]
        tool_ctx = base.model_copy(
            update={"plugin_id": owner, "plugin_config": self._plugin_configs.get(owner, {})}
        )
        timeout = self.config.hook_timeout_seconds
        call, block = await gate_tool_call(
            self.pm.hook.before_tool_call, call, budget_s=timeout, ctx=tool_ctx, host=self
        )
        if block is not None:
            result = ToolResult.text(
                f"Error [BLOCKED] {block}",
                details={"code": "BLOCKED", "message": block},
                is_error=True,
            )
        else:
            result = await self._execute(tool, call, tool_ctx)
        await call_hook(
            self.pm.hook.after_tool_call,
            budget_s=timeout,
            call=call,
            result=result,
            ctx=tool_ctx,
            host=self,
        )
        return result

    async def _execute(self, tool: ToolSpec, call: ToolCall, ctx: ToolContext) -> ToolResult:
        try:
            check(call.params, tool.parameters)
            result = await tool.handler(call, ctx)
        except (SmartSpawnError, ValidationError) as error:
            return ToolResult.of_error(error)
        except Exception as error:  # the model must get an answer, never a crashed gateway
            logger.exception("tool_crashed", tool=tool.name)
            return ToolResult.of_error(error)
        if not isinstance(result, ToolResult):
            return ToolResult.of_error(
                TypeError(f"tool {tool.name} returned {type(result).__name__}")
            )
        return result

    # ---- lifecycle ----

    async def start(self) -> None:
        """Fire ``gateway_start`` (awaited). Idempotent."""
        if self.started:
            return
        self.started = True
        await call_hook(
            self.pm.hook.gateway_start, budget_s=self.config.hook_timeout_seconds, host=self
        )
        logger.info(
            "gateway_started", plugins=sorted(self._plugin_ids.values()), tools=sorted(self.tools)
        )

    async def stop(self, reason: str | None = None) -> None:
        """Cancel running sub-agents (each ends ``cancelled``), fire ``gateway_stop``, close the
        executor if the gateway created it."""
        await self._spawner.shutdown()
        await call_hook(
            self.pm.hook.gateway_stop,
            budget_s=self.config.hook_timeout_seconds,
            host=self,
            reason=reason,
        )
        if self._owns_executor and isinstance(
            self.executor, (OpenAICompatExecutor, ProviderExecutor)
        ):
            await self.executor.aclose()
        self.started = False
        logger.info("gateway_stopped", reason=reason)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop("exit" if exc is None else f"error: {type(exc).__name__}")
