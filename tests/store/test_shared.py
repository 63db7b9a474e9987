"""Shared replica state, in process and on a real redis-server: one rate-limit budget, one lock
holder, one run owner, one numbered change log — and an in-process fallback while Redis is down."""

from __future__ import annotations

import asyncio

import pytest

from smart_spawn_plugin.store.shared import (
    LOG_SIZE,
    LocalState,
    RedisState,
    SharedState,
    open_shared,
)
from tests.engines import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_local_sliding_window_waits_for_the_oldest_hit() -> None:
    clock = Clock()
    state = LocalState(clock=clock)
    assert [await state.hit("g", "ip", 2, 10) for _ in range(2)] == [0, 0]
    clock.now += 4
    assert await state.hit("g", "ip", 2, 10) == 6
    assert await state.hit("g", "other", 2, 10) == 0
    clock.now += 6.5
    assert await state.hit("g", "ip", 2, 10) == 0


async def test_local_lock_and_changes() -> None:
    state = LocalState()
    assert await state.acquire("refresh", 60) is True
    assert await state.acquire("refresh", 60) is False
    await state.release("refresh")
    assert await state.acquire("refresh", 60) is True
    assert await state.changes(None) == (0, [])
    assert await state.publish(["a", "b"]) == [1, 2]
    assert await state.changes(0) == (2, [(1, "a"), (2, "b")])
    assert await state.changes(1) == (2, [(2, "b")])
    assert await state.changes(2) == (2, [])
    assert await state.health() == "local"
    assert isinstance(open_shared(None), LocalState)


@pytest.fixture
async def replicas(redis_server):  # type: ignore[no-untyped-def]
    # A generous timeout: a loaded CI machine must not look like a Redis outage here.
    states = [RedisState.from_url(redis_server.url, timeout_s=10) for _ in range(3)]
    await states[0].client.flushdb()
    yield states
    for state in states:
        await state.aclose()


async def test_redis_budget_is_one_across_replicas(replicas: list[RedisState]) -> None:
    results = await asyncio.gather(*(replicas[i % 3].hit("g", "ip", 50, 60) for i in range(150)))
    assert results.count(0) == 50
    assert all(1 <= wait <= 60 for wait in results if wait)


async def test_redis_lock_has_one_holder_and_only_it_releases(
    replicas: list[RedisState],
) -> None:
    got = await asyncio.gather(*(s.acquire("refresh", 60) for s in replicas))
    assert sorted(got) == [False, False, True]
    holder = replicas[got.index(True)]
    other = replicas[got.index(False)]
    await other.release("refresh")  # not its lock: nothing happens
    assert await other.acquire("refresh", 60) is False
    await holder.release("refresh")
    assert await other.acquire("refresh", 60) is True


async def test_redis_change_log_is_shared(replicas: list[RedisState]) -> None:
    seen, _ = await replicas[2].changes(None) or (None, None)
    assert seen == 0
    numbers = await asyncio.gather(*(s.publish([f"r{i}", "x:y"]) for i, s in enumerate(replicas)))
    assert sorted(n for pair in numbers for n in pair) == list(range(1, 7))  # none lost or twice
    now, changes = await replicas[2].changes(0) or (None, None)
    assert now == 6 and changes is not None
    assert sorted(c for _, c in changes) == ["r0", "r1", "r2", "x:y", "x:y", "x:y"]
    assert await replicas[1].changes(4) == (6, changes[4:])
    assert await replicas[1].changes(6) == (6, [])
    assert await replicas[1].health() == "ok"


async def test_redis_change_log_says_when_it_cannot_tell(replicas: list[RedisState]) -> None:
    await replicas[0].publish([f"c{i}" for i in range(LOG_SIZE + 5)])
    assert await replicas[1].changes(3) == (LOG_SIZE + 5, None)  # trimmed past 3
    now, kept = await replicas[1].changes(10) or (None, None)
    assert now == LOG_SIZE + 5 and kept is not None and len(kept) == LOG_SIZE - 5
    await replicas[0].client.flushdb()  # Redis lost its data: the numbering went back
    assert await replicas[1].changes(7) == (0, None)


async def test_redis_down_falls_back_in_process_and_health_warns() -> None:
    state: SharedState = RedisState.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.2)
    try:
        assert await state.hit("g", "ip", 1, 60) == 0
        assert await state.hit("g", "ip", 1, 60) >= 1  # the per-process window still limits
        assert await state.acquire("refresh", 60) is True
        assert await state.publish(["a"]) == []
        assert await state.changes(3) is None  # unreachable: the caller keeps its own cache
        assert (await state.health()).startswith("degraded")
    finally:
        await state.aclose()
