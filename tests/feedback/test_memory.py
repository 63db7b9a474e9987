"""Personal routing memory: remembered per user, time-decayed, followed by very similar queries,
and the explanation names the memory that decided."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.feedback.memory import (
    HALF_LIFE_DAYS,
    MAX_AGE_DAYS,
    SIMILAR,
    PersonalMemory,
    cosine,
    embed,
)
from smart_spawn_plugin.store import open_db
from smart_spawn_plugin.store.memory import MemoryIn, MemoryStore
from tests.engine.builders import small_catalog

TASK = "Refactor the billing module to remove the global state and keep the API stable"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory(conn: sqlite3.Connection, clock: Clock) -> PersonalMemory:
    return PersonalMemory(MemoryStore(conn), now=clock)


def test_embedding_is_normalised_and_similarity_ranks_paraphrase_over_other_task() -> None:
    a = embed(TASK)
    assert abs(sum(v * v for v in a.values()) - 1.0) < 1e-4
    near = embed(TASK.replace("Refactor", "Please refactor") + ".")
    far = embed("Write a poem about autumn leaves")
    assert cosine(a, a) == pytest.approx(1.0, abs=1e-4)
    assert cosine(a, near) >= SIMILAR
    assert cosine(a, far) < 0.2
    assert embed("!!! ...") == {}


def test_chinese_queries_have_vectors_too() -> None:
    a = embed("帮我重构计费模块，去掉全局状态")
    b = embed("请帮我重构计费模块，去掉全局状态。")
    assert a and cosine(a, b) >= SIMILAR


def test_forced_prefix_is_remembered_and_followed(memory: PersonalMemory) -> None:
    sel = Selector(small_catalog(), memory=memory)
    first = sel.pick(PickRequest(task="F: " + TASK, budget="low", user_key="ann"))
    assert first.budget == "any" and first.memory is None  # the prefix decided, and was stored
    again = sel.pick(PickRequest(task=TASK + ".", budget="low", user_key="ann"))
    assert again.budget == "any"
    assert again.id == first.id
    assert again.memory is not None and "personal memory #1 decided" in again.memory
    assert "you forced flagship" in again.memory
    assert "flagship from a personal memory" in again.reason
    # another user has no such memory; an unrelated query does not follow it
    other = sel.pick(PickRequest(task=TASK, budget="low", user_key="bob"))
    assert other.budget == "low" and other.memory is None
    unrelated = sel.pick(PickRequest(task="Write a haiku about rain", budget="low", user_key="ann"))
    assert unrelated.budget == "low" and unrelated.memory is None


def test_memories_decay_and_expire(memory: PersonalMemory, clock: Clock) -> None:
    memory.remember_forced("ann", TASK, "lightweight")
    hit = memory.recall("ann", TASK)
    assert hit is not None and hit.weight == pytest.approx(hit.similarity, abs=1e-3)
    clock.now += timedelta(days=HALF_LIFE_DAYS)
    hit = memory.recall("ann", TASK)
    assert hit is not None and hit.weight == pytest.approx(hit.similarity / 2, abs=1e-3)
    assert "30 days ago" in hit.explain()
    clock.now += timedelta(days=MAX_AGE_DAYS)
    assert memory.recall("ann", TASK) is None


def test_the_fresher_of_two_similar_memories_decides(memory: PersonalMemory, clock: Clock) -> None:
    memory.remember_forced("ann", TASK, "flagship")
    clock.now += timedelta(days=90)
    memory.remember_forced("ann", TASK, "lightweight")
    hit = memory.recall("ann", TASK)
    assert hit is not None and hit.tier == "lightweight"


def test_ratings_prefer_or_exclude_the_rated_model(memory: PersonalMemory) -> None:
    sel = Selector(small_catalog(), memory=memory)
    plain = sel.pick(PickRequest(task=TASK, budget="any", user_key="ann"))
    assert plain.id == "anthropic/opus"
    memory.remember_rating("ann", TASK, "openrouter/anthropic/opus", 1)
    disliked = sel.pick(PickRequest(task=TASK, budget="any", user_key="ann"))
    assert disliked.id != "anthropic/opus"
    assert "you disliked anthropic/opus (1/5)" in (disliked.memory or "")

    memory.store.delete_user("ann")
    memory.remember_rating("ann", TASK, "google/flash", 5)
    liked = sel.pick(PickRequest(task=TASK, budget="any", user_key="ann"))
    assert liked.id == "google/flash"
    assert "you liked google/flash (5/5)" in liked.reason


def test_bad_input_is_refused(memory: PersonalMemory) -> None:
    with pytest.raises(InvalidParam, match="task"):
        memory.remember_forced("ann", "   ", "flagship")
    with pytest.raises(InvalidParam, match="rating"):
        memory.remember_rating("ann", TASK, "a/b", 7)
    with pytest.raises(InvalidParam, match="rating"):
        memory.remember_rating("ann", TASK, "a/b", True)  # type: ignore[arg-type]


def test_table_checks_reject_incomplete_rows(conn: sqlite3.Connection) -> None:
    store = MemoryStore(conn)
    with pytest.raises(Exception, match="CHECK"):
        store.add(MemoryIn(kind="forced", query="q", vector={1: 1.0}))  # no tier
    row = store.add(MemoryIn(kind="rated", query="q" * 900, vector={1: 1.0}, model="m", rating=4))
    assert len(row.query) == 500


def test_memory_survives_reopening_the_store(tmp_path) -> None:
    path = tmp_path / "store.db"
    conn = open_db(path)
    PersonalMemory(MemoryStore(conn)).remember_forced("ann", TASK, "flagship")
    conn.close()
    again = open_db(path)
    try:
        hit = PersonalMemory(MemoryStore(again)).recall("ann", TASK)
        assert hit is not None and hit.tier == "flagship" and hit.memory_id == 1
    finally:
        again.close()


async def test_local_recommender_remembers_prefixes_and_rated_tasks(tmp_path, seed_home) -> None:
    """End to end over the real store and bundled catalog: the recommender every surface uses."""
    from smart_spawn_plugin.client.base import OutcomeReport
    from smart_spawn_plugin.runtime import Runtime

    with Runtime.open(home=seed_home(tmp_path / "store")) as runtime:
        local = runtime.local
        forced = (await local.pick(PickRequest(task="F: " + TASK, budget="low"))).decision
        assert forced.budget == "any"
        followed = (await local.pick(PickRequest(task=TASK, budget="low"))).decision
        assert followed.budget == "any" and followed.id == forced.id
        assert "personal memory #1 decided" in (followed.memory or "")

        other = "Write a limerick about a cat who learns to code in Rust"
        first = (await local.pick(PickRequest(task=other, budget="any"))).decision
        runner = first.runner_ups[0].id
        report = OutcomeReport(model=runner, category=first.category, rating=5, task=other)
        local.record_rating(report)
        again = (await local.pick(PickRequest(task=other, budget="any"))).decision
        assert again.id == runner
        assert f"you liked {runner} (5/5)" in again.reason
