"""The reference gateway end to end: plugins, config, tools, spawns against the fake server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from smart_spawn_plugin.contract import (
    ModelChoice,
    SpawnAccepted,
    SpawnDecision,
    SpawnRequest,
    SubagentEnded,
    ToolCall,
    ToolCallDecision,
    ToolContext,
    ToolResult,
    ToolSpec,
)
from smart_spawn_plugin.errors import InvalidParam, NotFound, SpawnTimeout
from smart_spawn_plugin.gateway import hookimpl
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.types import PluginManifest
from smart_spawn_plugin.settings import GatewaySettings, PluginEntry, Settings
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply


class Recorder:
    """A test plugin: routes to ``routed/model``, records lifecycle and spawn events."""

    def __init__(self, model: str | None = "routed/model") -> None:
        self.model = model
        self.events: list[str] = []
        self.ended: list[SubagentEnded] = []
        self.accepted: list[SpawnAccepted] = []
        self.configs: list[dict[str, Any]] = []

    @hookimpl
    def plugin_manifest(self) -> PluginManifest:
        return PluginManifest(
            id="recorder",
            config_schema={
                "type": "object",
                "additionalProperties": False,
                "properties": {"mode": {"type": "string", "enum": ["a", "b"]}},
            },
        )

    @hookimpl
    async def gateway_start(self) -> None:
        self.events.append("start")

    @hookimpl
    def gateway_stop(self, reason: str | None) -> None:
        self.events.append(f"stop:{reason}")

    @hookimpl
    async def resolve_spawn_model(self, request: SpawnRequest, ctx: Any) -> ModelChoice | None:
        self.configs.append(dict(ctx.plugin_config))
        if self.model is None:
            return None
        return ModelChoice(model=self.model, reason=f"best for {request.task[:10]}")

    @hookimpl
    def subagent_spawned(self, accepted: SpawnAccepted) -> None:
        self.accepted.append(accepted)

    @hookimpl
    async def subagent_ended(self, ended: SubagentEnded) -> None:
        self.ended.append(ended)


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {"maxUsdPerRun": 5.0, "spawnTimeout": 10.0, "maxConcurrency": 4}
    base.update(overrides)
    return Settings(**base)


@pytest.fixture
async def make_gateway(
    fake_openai: FakeOpenAIServer,
) -> AsyncIterator[Callable[..., Gateway]]:
    """Build gateways on the fake server; every one is stopped at teardown."""
    made: list[Gateway] = []

    def build(*plugins: object, config: GatewaySettings | None = None, **kw: Any) -> Gateway:
        price_lookup = kw.pop("price_lookup", None)
        gw = Gateway(
            settings(baseUrl=fake_openai.base_url, **kw),
            plugins=list(plugins),
            config=config,
            price_lookup=price_lookup,
        )
        made.append(gw)
        return gw

    yield build
    for gw in made:
        await gw.stop("test over")


async def spawn_and_wait(gw: Gateway, params: dict[str, Any]) -> tuple[ToolResult, SubagentEnded]:
    result = await gw.call_tool("sessions_spawn", params)
    assert not result.is_error, result.text_content
    assert isinstance(result.details, dict)
    ended = await gw.wait(str(result.details["runId"]), timeout=5)
    return result, ended


async def test_spawn_without_model_is_routed_and_costed(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script("routed/model", FakeReply(content="done!", cost=0.02, prompt_tokens=7))
    plugin = Recorder()
    gw = make_gateway(
        plugin, config=GatewaySettings(plugins={"recorder": PluginEntry(config={"mode": "a"})})
    )
    async with gw:
        result, ended = await spawn_and_wait(gw, {"task": "research the moon", "label": "moon"})
    details = result.details
    assert isinstance(details, dict)
    assert details["status"] == "accepted"
    assert details["model"] == "routed/model"
    assert str(details["childSessionKey"]).startswith("agent:main:subagent:")
    assert ended.outcome == "ok"
    assert ended.output == "done!"
    assert ended.usage.prompt_tokens == 7
    assert ended.cost_usd == pytest.approx(0.02)
    assert ended.label == "moon"
    assert gw.budget.spent_usd == pytest.approx(0.02)
    assert plugin.ended == [ended]
    assert plugin.accepted[0].run_id == ended.run_id
    assert plugin.configs == [{"mode": "a"}]  # each hook sees its own plugin's config
    assert plugin.events == ["start", "stop:exit"]
    sent = fake_openai.requests[0].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user"]
    assert sent[1]["content"] == "research the moon"


async def test_cost_from_catalog_price_when_provider_reports_none(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(prompt_tokens=2000, completion_tokens=1000)
    gw = make_gateway(price_lookup={"cheap/model": (1.0, 4.0)}.get)
    _, ended = await spawn_and_wait(gw, {"task": "t", "model": "cheap/model"})
    assert ended.cost_usd == pytest.approx((2000 * 1.0 + 1000 * 4.0) / 1e6)


async def test_no_routing_decision_falls_back_to_default_model(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    gw = make_gateway(Recorder(model=None), config=GatewaySettings(default_model="fallback/model"))
    result, ended = await spawn_and_wait(gw, {"task": "anything"})
    assert isinstance(result.details, dict)
    assert result.details["choice"] == {
        "model": "fallback/model",
        "reason": "no routing decision",
        "source": "default",
        "details": {},
    }
    assert ended.model == "fallback/model"
    assert fake_openai.requests[0].model == "fallback/model"


async def test_a_raising_router_never_blocks_a_spawn(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    class Broken:
        @hookimpl
        async def resolve_spawn_model(self) -> ModelChoice:
            raise ConnectionError("routing API unreachable")

    gw = make_gateway(Broken(), config=GatewaySettings(default_model="fallback/model"))
    _, ended = await spawn_and_wait(gw, {"task": "anything"})
    assert ended.outcome == "ok"
    assert ended.model == "fallback/model"


async def test_a_slow_router_times_out_and_the_spawn_proceeds(
    make_gateway: Callable[..., Gateway],
) -> None:
    class Slow:
        @hookimpl
        async def resolve_spawn_model(self) -> ModelChoice:
            await asyncio.sleep(30)
            return ModelChoice(model="late/model")

    gw = make_gateway(
        Slow(), config=GatewaySettings(default_model="fallback/model", hook_timeout_seconds=0.05)
    )
    _, ended = await spawn_and_wait(gw, {"task": "anything"})
    assert ended.model == "fallback/model"


async def test_spawn_timeout_ends_with_outcome_timeout(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.always("slow/model", FakeReply(delay=5))
    plugin = Recorder()
    gw = make_gateway(plugin)
    _, ended = await spawn_and_wait(
        gw, {"task": "t", "model": "slow/model", "runTimeoutSeconds": 0.2}
    )
    assert ended.outcome == "timeout"
    assert ended.error is not None
    assert "0.2s" in ended.error
    assert ended.cost_usd is None
    assert plugin.ended == [ended]


async def test_provider_error_ends_with_outcome_error(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script("bad/model", FakeReply(status=400, error_message="no such model"))
    gw = make_gateway()
    _, ended = await spawn_and_wait(gw, {"task": "t", "model": "bad/model"})
    assert ended.outcome == "error"
    assert ended.error is not None
    assert "no such model" in ended.error
    assert len(fake_openai.requests) == 1  # 400 is not retried


async def test_usd_cap_refuses_further_spawns(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(cost=0.03)
    gw = make_gateway(maxUsdPerRun=0.05)
    for _ in range(2):
        await spawn_and_wait(gw, {"task": "t", "model": "m/m"})
    refused = await gw.call_tool("sessions_spawn", {"task": "one more", "model": "m/m"})
    assert refused.is_error
    assert "BUDGET_EXCEEDED" in refused.text_content
    assert gw.budget.spent_usd == pytest.approx(0.06)
    assert len(fake_openai.requests) == 2


async def test_concurrency_limit_is_respected(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(delay=0.2)
    gw = make_gateway(maxConcurrency=2)
    results = [
        await gw.call_tool("sessions_spawn", {"task": f"t{i}", "model": "m/m"}) for i in range(5)
    ]
    ended = await asyncio.gather(
        *(
            gw.wait(str(r.details["runId"]), timeout=5)
            for r in results
            if isinstance(r.details, dict)
        )
    )
    assert [e.outcome for e in ended] == ["ok"] * 5
    assert fake_openai.max_in_flight == 2


async def test_stop_cancels_running_subagents(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(delay=5)
    plugin = Recorder()
    gw = make_gateway(plugin)
    await gw.start()
    accepted = await gw.spawn(SpawnRequest(task="long", model="m/m"))
    assert accepted.run_id is not None
    # the sub-agent's request has reached the provider: it is running, whatever the timing
    assert await asyncio.to_thread(fake_openai.wait_in_flight, 1)
    assert gw.spawner.running == [accepted.run_id]
    await gw.stop("shutdown")
    ended = await gw.wait(accepted.run_id)
    assert ended.outcome == "cancelled"
    assert [e.run_id for e in plugin.ended] == [accepted.run_id]
    assert plugin.events[-1] == "stop:shutdown"
    after = await gw.spawn(SpawnRequest(task="too late", model="m/m"))
    assert after.status == "error"


async def test_cancel_one_run(
    make_gateway: Callable[..., Gateway], fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(delay=5)
    gw = make_gateway()
    accepted = await gw.spawn(SpawnRequest(task="long", model="m/m"))
    assert accepted.run_id is not None
    with pytest.raises(SpawnTimeout):
        await gw.wait(accepted.run_id, timeout=0.05)
    await gw.cancel(accepted.run_id)
    assert (await gw.wait(accepted.run_id)).outcome == "cancelled"
    with pytest.raises(NotFound):
        await gw.wait("nope")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "task"),
        ({"task": ""}, "task"),
        ({"task": "t", "runTimeoutSeconds": -1}, "runTimeoutSeconds"),
        ({"task": "t", "mode": "forever"}, "mode"),
        ({"task": "t", "channel": "slack"}, "channel"),
        ({"task": 42}, "task"),
    ],
)
async def test_bad_sessions_spawn_params_give_an_error_result_naming_the_field(
    make_gateway: Callable[..., Gateway], params: dict[str, Any], field: str
) -> None:
    gw = make_gateway()
    result = await gw.call_tool("sessions_spawn", params)
    assert result.is_error
    assert field in result.text_content
    assert isinstance(result.details, dict)
    assert result.details["field"] == field


async def test_unknown_tool_is_an_error_result(make_gateway: Callable[..., Gateway]) -> None:
    result = await make_gateway().call_tool("nope", {})
    assert result.is_error
    assert "sessions_spawn" in result.text_content


class ToolPlugin:
    """Registers an echo tool and a failing tool; gates and observes tool calls."""

    def __init__(self) -> None:
        self.after: list[tuple[str, bool]] = []

    @hookimpl
    def register_tools(self, register: Callable[[ToolSpec], None]) -> None:
        async def echo(call: ToolCall, ctx: ToolContext) -> ToolResult:
            return ToolResult.text(f"{call.params['text']} from {ctx.plugin_id}")

        async def fail(call: ToolCall, ctx: ToolContext) -> ToolResult:
            raise InvalidParam("budget must be low|medium|high", field="budget")

        async def crash(call: ToolCall, ctx: ToolContext) -> ToolResult:
            raise RuntimeError("bug")

        schema = {
            "type": "object",
            "properties": {"text": {"type": "string", "maxLength": 20}},
            "required": ["text"],
        }
        register(ToolSpec(name="echo", description="Echo.", parameters=schema, handler=echo))
        register(ToolSpec(name="fail", description="Fails.", handler=fail))
        register(ToolSpec(name="crash", description="Crashes.", handler=crash))

    @hookimpl
    def before_tool_call(self, call: ToolCall) -> ToolCallDecision | None:
        if call.name == "echo" and call.params.get("text") == "secret":
            return ToolCallDecision(block=True, block_reason="no secrets")
        if call.name == "echo" and call.params.get("text") == "shout":
            return ToolCallDecision(params={"text": "SHOUT"})
        return None

    @hookimpl
    async def after_tool_call(self, call: ToolCall, result: ToolResult) -> None:
        self.after.append((call.name, result.is_error))


async def test_plugin_tools_gates_and_observers(make_gateway: Callable[..., Gateway]) -> None:
    plugin = ToolPlugin()
    gw = make_gateway(plugin)
    assert sorted(gw.tools) == ["crash", "echo", "fail", "sessions_spawn"]
    ok = await gw.call_tool("echo", {"text": "hi"})
    assert ok.text_content.startswith("hi from ")
    assert (await gw.call_tool("echo", {"text": "shout"})).text_content.startswith("SHOUT")
    blocked = await gw.call_tool("echo", {"text": "secret"})
    assert blocked.is_error
    assert "no secrets" in blocked.text_content
    too_long = await gw.call_tool("echo", {"text": "x" * 30})
    assert too_long.is_error
    assert "text" in too_long.text_content
    failed = await gw.call_tool("fail", {})
    assert failed.is_error
    assert "INVALID_PARAM" in failed.text_content
    crashed = await gw.call_tool("crash", {})
    assert crashed.is_error
    assert "INTERNAL" in crashed.text_content
    assert ("echo", False) in plugin.after
    assert ("crash", True) in plugin.after
    names = {t.function.name for t in gw.function_tools()}
    assert names == set(gw.tools)


def test_duplicate_tool_names_are_an_error_naming_both(fake_openai: FakeOpenAIServer) -> None:
    class Other:
        @hookimpl
        def register_tools(self, register: Callable[[ToolSpec], None]) -> None:
            async def handler(call: ToolCall, ctx: ToolContext) -> ToolResult:
                return ToolResult.text("")

            register(ToolSpec(name="echo", description="dup", handler=handler))

    with pytest.raises(InvalidParam, match=r"'echo'.*by .* and by ") as info:
        Gateway(settings(baseUrl=fake_openai.base_url), plugins=[ToolPlugin(), Other()])
    # registration hooks run in pluggy order (last registered first)
    assert "by Other and by ToolPlugin" in info.value.message


def test_a_plugin_cannot_take_a_core_tool_name(fake_openai: FakeOpenAIServer) -> None:
    class Squatter:
        @hookimpl
        def register_tools(self, register: Callable[[ToolSpec], None]) -> None:
            async def handler(call: ToolCall, ctx: ToolContext) -> ToolResult:
                return ToolResult.text("")

            register(ToolSpec(name="sessions_spawn", description="mine", handler=handler))

    with pytest.raises(InvalidParam, match="by gateway and by"):
        Gateway(settings(baseUrl=fake_openai.base_url), plugins=[Squatter()])


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"mode": "c"}, "plugins.entries.recorder.config.mode"),
        ({"mode": 1}, "plugins.entries.recorder.config.mode"),
        ({"colour": "red"}, "plugins.entries.recorder.config.colour"),
    ],
)
def test_bad_plugin_config_names_plugin_and_key(
    fake_openai: FakeOpenAIServer, config: dict[str, Any], field: str
) -> None:
    entries = {"recorder": PluginEntry(config=config)}
    with pytest.raises(InvalidParam) as info:
        Gateway(
            settings(baseUrl=fake_openai.base_url),
            plugins=[Recorder()],
            config=GatewaySettings(plugins=entries),
        )
    assert info.value.field == field
    assert field in info.value.message


def test_disabled_plugin_is_not_loaded(fake_openai: FakeOpenAIServer) -> None:
    gw = Gateway(
        settings(baseUrl=fake_openai.base_url),
        plugins=[ToolPlugin()],
        config=GatewaySettings(plugins={"ToolPlugin": PluginEntry(enabled=False)}),
    )
    # a plugin without a manifest is keyed by its class (or module) name
    assert "echo" not in gw.tools
    assert gw.pm.get_plugins() == set()


async def test_before_spawn_can_block(make_gateway: Callable[..., Gateway]) -> None:
    class Veto:
        @hookimpl
        def before_spawn(self, request: SpawnRequest) -> SpawnDecision:
            return SpawnDecision(block=True, block_reason="spawns are paused")

    result = await make_gateway(Veto()).call_tool("sessions_spawn", {"task": "t"})
    assert result.is_error
    assert isinstance(result.details, dict)
    assert result.details["status"] == "forbidden"
    assert result.details["error"] == "spawns are paused"


async def test_spawn_depth_limit(make_gateway: Callable[..., Gateway]) -> None:
    gw = make_gateway()
    child_ctx = ToolContext(session_key="agent:main:subagent:x", depth=1)
    result = await gw.call_tool("sessions_spawn", {"task": "grandchild"}, ctx=child_ctx)
    assert result.is_error
    assert isinstance(result.details, dict)
    assert result.details["status"] == "forbidden"
    assert "maxSpawnDepth" in str(result.details["error"])
