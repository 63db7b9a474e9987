"""smart-spawn in the reference gateway: contract, tools, automatic routing, outcome feedback."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pluggy
import pytest

import smart_spawn_plugin.plugin as plugin_module
from smart_spawn_plugin.contract import SpawnRequest
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.gateway import hookspecs
from smart_spawn_plugin.plugin import PLUGIN_ID, SmartSpawnPlugin, manifest
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.store.outbox import OutboxStore
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply

CODING_TASK = "write a python function that parses ISO 8601 dates"


def test_contract_check_pending_and_hook_names() -> None:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(plugin_module, name=PLUGIN_ID)
    instance = SmartSpawnPlugin()
    pm.register(instance, name="instance")
    try:
        pm.check_pending()  # every hookimpl names a hook of the contract
        hooks = {caller.name for caller in pm.get_hookcallers(plugin_module) or []}
        # exactly the hooks smart-spawn implements: dropping a @hookimpl (or adding one by
        # mistake) changes this set
        assert hooks == {
            "plugin_manifest",
            "register_tools",
            "register_skills",
            "gateway_start",
            "gateway_stop",
            "resolve_spawn_model",
            "resolve_model",
            "subagent_spawned",
            "subagent_ended",
        }
        # the module (the entry point) and the class form implement the same hooks
        assert {caller.name for caller in pm.get_hookcallers(instance) or []} == hooks
        for caller in pm.get_hookcallers(plugin_module) or []:
            (impl,) = [i for i in caller.get_hookimpls() if i.plugin is plugin_module]
            spec = caller.spec
            assert spec is not None
            # pluggy passes hook arguments by name: an impl may only ask for spec arguments
            assert set(impl.argnames) <= set(spec.argnames), caller.name
            assert caller.name in hookspecs.HOOK_NAMES
    finally:
        pm.unregister(name="instance")
        pm.unregister(name=PLUGIN_ID)


async def test_module_plugin_registers_tools_and_skills(make_gateway: Any) -> None:
    gateway = make_gateway(plugin_module)
    try:
        async with gateway:
            owned = {n for n, o in gateway._tool_owners.items() if o == PLUGIN_ID}
            assert owned == set(manifest().tools) == {
                "smart_spawn", "smart_spawn_feedback", "router_status", "router_predict",
                "router_analyze", "router_optimize", "router_shift",
            }  # fmt: skip
            names = {s.name for s in gateway.skills}
            assert names == {"smart-spawn", "smart-spawn-api"}
            assert all((s.path / "SKILL.md").is_file() for s in gateway.skills)
    finally:
        gateway.pm.unregister(plugin_module)


async def test_plain_sessions_spawn_is_routed_and_logged_with_real_usage(
    make_gateway: Any, fake_openai: FakeOpenAIServer
) -> None:
    plugin = SmartSpawnPlugin()
    async with make_gateway(plugin) as gateway:
        result = await gateway.call_tool("sessions_spawn", {"task": CODING_TASK})
        assert not result.is_error
        accepted = json.loads(result.text_content)
        choice = accepted["choice"]
        assert choice["source"] == "plugin"
        assert choice["details"]["category"] == "coding"
        assert choice["details"]["source"] == "local"
        assert choice["reason"].startswith("Best coding model")
        ended = await gateway.wait(accepted["runId"])
        assert ended.outcome == "ok"
        assert fake_openai.requests[-1].body["model"] == accepted["model"]
        runtime = plugin.runtime(gateway)
        (row,) = SpawnLogStore(runtime.db).rows()
        assert row.model == accepted["model"]
        assert (row.prompt_tokens, row.completion_tokens) == (40, 5)
        assert row.cost_usd == pytest.approx(0.002)
        assert row.status == "ok" and row.run_id == accepted["runId"]
        # no implicit rating without the opt-in
        assert RatingsStore(runtime.db).rows() == []


async def test_a_named_model_is_not_routed(make_gateway: Any) -> None:
    plugin = SmartSpawnPlugin()
    async with make_gateway(plugin) as gateway:
        result = await gateway.call_tool("sessions_spawn", {"task": "x", "model": "my/model"})
        accepted = json.loads(result.text_content)
        assert accepted["model"] == "my/model"
        await gateway.wait(accepted["runId"])
        assert SpawnLogStore(plugin.runtime(gateway).db).rows() == []


async def test_implicit_ratings_only_when_opted_in(
    make_gateway: Any, fake_openai: FakeOpenAIServer
) -> None:
    plugin = SmartSpawnPlugin()
    async with make_gateway(plugin, implicitRatings=True) as gateway:
        fake_openai.default = FakeReply(status=500)
        result = await gateway.call_tool("sessions_spawn", {"task": CODING_TASK})
        accepted = json.loads(result.text_content)
        ended = await gateway.wait(accepted["runId"])
        assert ended.outcome == "error"
        (rating,) = RatingsStore(plugin.runtime(gateway).db).rows()
        assert (rating.model, rating.rating, rating.source) == (accepted["model"], 1, "implicit")


async def test_routing_fails_open(make_gateway: Any) -> None:
    plugin = SmartSpawnPlugin()
    async with make_gateway(plugin) as gateway:
        runtime = plugin.runtime(gateway)

        async def broken(request: object) -> object:
            raise RuntimeError("engine on fire")

        runtime.recommender.pick = broken  # type: ignore[method-assign,assignment]
        choice = await plugin.resolve_spawn_model(SpawnRequest(task="x"), gateway)
        assert choice is None
        result = await gateway.call_tool("sessions_spawn", {"task": CODING_TASK})
        accepted = json.loads(result.text_content)
        assert accepted["status"] == "accepted"
        assert accepted["model"] == gateway.config.default_model


async def test_remote_api_down_routes_locally_and_queues_feedback(make_gateway: Any) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(502)))
    plugin = SmartSpawnPlugin(http=http)
    async with make_gateway(plugin, apiUrl="https://routing.example/api") as gateway:
        result = await gateway.call_tool("sessions_spawn", {"task": CODING_TASK})
        accepted = json.loads(result.text_content)
        details = accepted["choice"]["details"]
        assert details["source"] == "local-fallback"
        assert "502" in details["fallbackReason"]
        await gateway.wait(accepted["runId"])
        feedback = await gateway.call_tool(
            "smart_spawn_feedback",
            {"model": accepted["model"], "category": "coding", "rating": 5},
        )
        assert not feedback.is_error
        pending = OutboxStore(plugin.runtime(gateway).db).pending()
        urls = sorted(item.url for item in pending)
        assert urls == [
            "https://routing.example/api/spawn-log",
            "https://routing.example/api/spawn-log/outcome",
        ]
    await http.aclose()


async def test_smart_spawn_executes_through_the_gateway(
    make_gateway: Any, fake_openai: FakeOpenAIServer
) -> None:
    plugin = SmartSpawnPlugin()
    async with make_gateway(plugin) as gateway:
        result = await gateway.call_tool("smart_spawn", {"task": CODING_TASK, "mode": "single"})
        assert not result.is_error, result.text_content
        body = json.loads(result.text_content)
        assert body["status"] == "ok" and body["output"] == "done"
        (decision,) = body["routingDecision"]["models"]
        assert body["outputs"][0]["model"] == decision["model"]
        rows = SpawnLogStore(plugin.runtime(gateway).db).rows()
        assert len(rows) == 1  # logged once, by the mode's run (not again by the hook)


async def test_recommend_strategy_from_config(
    make_gateway: Any, fake_openai: FakeOpenAIServer
) -> None:
    plugin = SmartSpawnPlugin()
    gateway = make_gateway(plugin, spawnStrategy="recommend")
    async with gateway:
        result = await gateway.call_tool("smart_spawn", {"task": CODING_TASK})
        assert not result.is_error, result.text_content
        body = json.loads(result.text_content)
        assert body["action"] == "spawn" and "output" not in body
        assert fake_openai.requests == []  # recommended, not run, although a spawner exists


async def test_bad_spawn_strategy_is_refused_naming_the_key(make_gateway: Any) -> None:
    with pytest.raises(InvalidParam) as info:
        make_gateway(SmartSpawnPlugin(), spawnStrategy="sometimes")
    assert "spawnStrategy" in str(info.value)


async def test_bad_plugin_config_is_refused_naming_the_key(make_gateway: Any) -> None:
    with pytest.raises(InvalidParam) as info:
        make_gateway(SmartSpawnPlugin(), defaultBudget="cheap")
    assert "defaultBudget" in str(info.value)


async def test_an_injected_runtime_is_shared(make_gateway: Any, tmp_path: Any) -> None:
    with Runtime.open(home=tmp_path / "shared") as services:
        plugin = SmartSpawnPlugin(runtime=services)
        async with make_gateway(plugin) as gateway:
            await gateway.call_tool(
                "smart_spawn_feedback", {"model": "z-ai/glm-5.2", "category": "coding", "rating": 3}
            )
        assert len(RatingsStore(services.db).rows()) == 1
