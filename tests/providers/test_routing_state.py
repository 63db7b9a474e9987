"""The memoised routing state: reused while nothing changed, re-read after any write (this
process's, or another process's on the same store), after a provider-state change through the
service, and once its time is up; its fingerprint follows what can change a decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.providers.routing import ProviderAwareRecommender
from smart_spawn_plugin.providers.routing_state import OTHERS_RECHECK_S, RoutingStateMemo
from smart_spawn_plugin.providers.service import ProvidersService
from tests.providers.helpers import open_services, seed

TASK = "write a python function that parses ISO 8601 dates"
QUOTA: dict[str, Any] = {
    "entries": {
        "anthropic": {
            "baseUrl": "http://127.0.0.1:9/v1",
            "models": ["anthropic/claude-test"],
            "quota": {"quotaSource": "self-tracked", "quotaType": "tokens", "limit": 100_000},
        }
    }
}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_reused_until_a_write_and_the_fingerprint_follows_the_state(tmp_path: Path) -> None:
    with open_services(tmp_path, **QUOTA) as services:
        clock = Clock()
        memo = RoutingStateMemo(services.providers, clock=clock)
        first = await memo.get()
        assert await memo.get() is first  # nothing written: no re-read
        seed(services, "anthropic/claude-test", prompt=10, completion=5)  # a spawn, this process
        second = await memo.get()
        assert second is not first
        assert second.fingerprint == first.fingerprint  # 15 tokens of 100 000: same routing
        ProvidersService(services).set_usage("anthropic", "97%")  # another handle, same store
        third = await memo.get()
        assert third.skipped == {"anthropic"}
        assert third.fingerprint != second.fingerprint
        clock.now += 0.5
        assert await memo.get() is third
        clock.now += 1.0  # past the TTL: time moves windows and burn rates, so re-read
        assert await memo.get() is not third


async def test_another_process_writing_the_store_is_seen_within_the_recheck(
    tmp_path: Path,
) -> None:
    with open_services(tmp_path, **QUOTA) as services:
        routed = services.recommender
        assert isinstance(routed, ProviderAwareRecommender)
        clock = Clock()
        routed.memo = RoutingStateMemo(services.providers, clock=clock)
        before = await routed.routing_state()
        with open_services(tmp_path, **QUOTA) as other:  # a CLI run: its own connection
            ProvidersService(other).shift("anthropic")
        clock.now += OTHERS_RECHECK_S
        after = await routed.routing_state()
        assert after.skipped == {"anthropic"} and before.skipped == set()
        decision = (await routed.pick(PickRequest(task=TASK))).decision
        assert "skipped anthropic: shifted off by the user" in decision.reason


async def test_service_writes_count_without_a_store_marker(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """On PostgreSQL there is no cheap write marker: this process's provider-state writes
    (the service's counter) still re-read at once."""
    import smart_spawn_plugin.providers.routing_state as module

    monkeypatch.setattr(module, "write_marker", lambda conn: None)
    monkeypatch.setattr(module, "own_changes", lambda conn: None)
    with open_services(tmp_path, **QUOTA) as services:
        memo = RoutingStateMemo(services.providers, clock=Clock())
        first = await memo.get()
        assert await memo.get() is first
        services.providers.shift("anthropic")
        assert (await memo.get()).skipped == {"anthropic"}
