"""Async-aware hook calling: awaits, order, fail-open on errors and timeouts."""

from __future__ import annotations

import asyncio

import pluggy
from structlog.testing import capture_logs

from smart_spawn_plugin.contract import (
    ModelChoice,
    SpawnDecision,
    SpawnRequest,
    ToolCall,
    ToolCallDecision,
)
from smart_spawn_plugin.gateway import hookimpl, hookspecs
from smart_spawn_plugin.gateway.calling import (
    call_hook,
    gate_spawn,
    gate_tool_call,
    resolve_model,
)


def manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


class AsyncRouter:
    @hookimpl
    async def resolve_spawn_model(self, request: SpawnRequest) -> ModelChoice:
        await asyncio.sleep(0)
        return ModelChoice(model="async/model", reason=f"for {request.task}")


class SyncRouter:
    @hookimpl
    def resolve_spawn_model(self) -> ModelChoice:
        return ModelChoice(model="sync/model")


class Raising:
    @hookimpl(tryfirst=True)
    def resolve_spawn_model(self) -> ModelChoice:
        raise RuntimeError("routing API down")


class Slow:
    @hookimpl(tryfirst=True)
    async def resolve_spawn_model(self) -> ModelChoice:
        await asyncio.sleep(10)
        return ModelChoice(model="never")


class WrongType:
    @hookimpl(tryfirst=True)
    def resolve_spawn_model(self) -> str:
        return "not a ModelChoice"


REQUEST = SpawnRequest(task="write a parser")


async def test_async_impl_result_is_awaited() -> None:
    pm = manager(AsyncRouter())
    choice = await resolve_model(pm.hook.resolve_spawn_model, REQUEST, default_model="d/m")
    assert choice.model == "async/model"
    assert choice.reason == "for write a parser"


async def test_last_registered_wins_like_pluggy() -> None:
    pm = manager(AsyncRouter(), SyncRouter())
    choice = await resolve_model(pm.hook.resolve_spawn_model, REQUEST, default_model="d/m")
    assert choice.model == "sync/model"


async def test_requested_model_skips_routing() -> None:
    pm = manager(SyncRouter())
    request = SpawnRequest(task="t", model="me/mine")
    choice = await resolve_model(pm.hook.resolve_spawn_model, request, default_model="d/m")
    assert (choice.model, choice.source) == ("me/mine", "request")


async def test_auto_model_is_routed() -> None:
    pm = manager(SyncRouter())
    request = SpawnRequest(task="t", model="auto")
    choice = await resolve_model(pm.hook.resolve_spawn_model, request, default_model="d/m")
    assert choice.model == "sync/model"


async def test_raising_hook_fails_open_to_the_next_impl() -> None:
    pm = manager(SyncRouter(), Raising())
    with capture_logs() as logs:
        choice = await resolve_model(pm.hook.resolve_spawn_model, REQUEST, default_model="d/m")
    assert choice.model == "sync/model"
    assert any(log["event"] == "hook_failed" and "routing API down" in log["error"] for log in logs)


async def test_slow_hook_times_out_and_fails_open_to_default() -> None:
    pm = manager(Slow())
    with capture_logs() as logs:
        choice = await resolve_model(
            pm.hook.resolve_spawn_model, REQUEST, default_model="d/m", budget_s=0.05
        )
    assert (choice.model, choice.source) == ("d/m", "default")
    assert any(log["event"] == "hook_timed_out" for log in logs)


async def test_wrong_result_type_is_ignored() -> None:
    pm = manager(SyncRouter(), WrongType())
    choice = await resolve_model(pm.hook.resolve_spawn_model, REQUEST, default_model="d/m")
    assert choice.model == "sync/model"


async def test_no_impls_gives_default() -> None:
    choice = await resolve_model(manager().hook.resolve_spawn_model, REQUEST, default_model="d/m")
    assert choice.source == "default"


async def test_call_hook_collects_sync_and_async_and_survives_errors() -> None:
    seen: list[str] = []

    class A:
        @hookimpl
        def subagent_ended(self, ended: str) -> str:
            seen.append(f"a:{ended}")
            return "a"

    class B:
        @hookimpl
        async def subagent_ended(self, ended: str) -> str:
            seen.append(f"b:{ended}")
            return "b"

    class C:
        @hookimpl
        async def subagent_ended(self) -> None:
            raise ValueError("boom")

    pm = manager(A(), B(), C())
    results = await call_hook(pm.hook.subagent_ended, ended="x", ctx=None, host=None)
    assert sorted(map(str, results)) == ["a", "b"]
    assert sorted(seen) == ["a:x", "b:x"]


async def test_gate_spawn_rewrites_then_blocks() -> None:
    class Rewriter:
        @hookimpl(tryfirst=True)
        def before_spawn(self, request: SpawnRequest) -> SpawnDecision:
            return SpawnDecision(request=request.model_copy(update={"label": "rewritten"}))

    class Blocker:
        @hookimpl(trylast=True)
        def before_spawn(self, request: SpawnRequest) -> SpawnDecision | None:
            if request.label == "rewritten":
                return SpawnDecision(block=True, block_reason="no rewritten spawns")
            return None

    pm = manager(Rewriter(), Blocker())
    request, reason = await gate_spawn(pm.hook.before_spawn, REQUEST, ctx=None, host=None)
    assert request.label == "rewritten"
    assert reason == "no rewritten spawns"


async def test_gate_tool_call_raising_gate_fails_open() -> None:
    class Broken:
        @hookimpl
        async def before_tool_call(self) -> ToolCallDecision:
            raise RuntimeError("policy service down")

    pm = manager(Broken())
    call = ToolCall(id="1", name="t", params={"a": 1})
    new, reason = await gate_tool_call(pm.hook.before_tool_call, call, ctx=None, host=None)
    assert (new, reason) == (call, None)
