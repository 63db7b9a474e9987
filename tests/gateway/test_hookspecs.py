"""The contract itself: specs are documented, typed, and validate plugins."""

from __future__ import annotations

import inspect

import pluggy
import pytest

from smart_spawn_plugin import gateway
from smart_spawn_plugin.contract import ModelChoice, SpawnRequest
from smart_spawn_plugin.gateway import hookspecs


def _specs() -> dict[str, object]:
    return {
        name: fn
        for name, fn in vars(hookspecs).items()
        if inspect.isfunction(fn) and hasattr(fn, f"{hookspecs.PROJECT}_spec")
    }


def test_hook_names_list_every_spec() -> None:
    assert set(_specs()) == set(hookspecs.HOOK_NAMES)
    assert len(hookspecs.HOOK_NAMES) == 13


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_every_hookspec_has_a_contract_docstring(name: str) -> None:
    doc = inspect.getdoc(_specs()[name])
    assert doc
    assert len(doc) > 40


def test_project_and_entry_point_group() -> None:
    assert hookspecs.PROJECT == hookspecs.ENTRY_POINT_GROUP == "agent_gateway"


class SyncAndAsyncPlugin:
    @gateway.hookimpl
    def resolve_spawn_model(self, request: SpawnRequest) -> ModelChoice:
        return ModelChoice(model="x/y")

    @gateway.hookimpl
    async def subagent_ended(self, ended: object, host: object) -> None:
        return None

    @gateway.hookimpl
    def register_tools(self, register: object) -> None:
        return None


def test_check_pending_accepts_subsets_of_spec_arguments() -> None:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(SyncAndAsyncPlugin())
    pm.check_pending()


def test_an_impl_with_an_unknown_argument_is_rejected() -> None:
    class Bad:
        @gateway.hookimpl
        def resolve_spawn_model(self, request: object, nonsense: object) -> None:
            return None

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    with pytest.raises(pluggy.PluginValidationError, match="nonsense"):
        pm.register(Bad())


def test_an_impl_of_an_unknown_hook_fails_check_pending() -> None:
    class Typo:
        @gateway.hookimpl
        def resolve_spawn_modle(self) -> None:
            return None

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(Typo())
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


def test_public_api_is_sorted_and_importable() -> None:
    assert gateway.__all__ == sorted(gateway.__all__, key=lambda n: (not n.isupper(), n))
    for name in gateway.__all__:
        assert hasattr(gateway, name)
