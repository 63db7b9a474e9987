"""The ratings version (``store.db.data_version``): every committed write to the rating tables,
by any connection (another process, another replica), moves it — on SQLite and PostgreSQL — and
memoised feedback scores notice it at the next read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smart_spawn_plugin.feedback.adjuster import FeedbackScores
from smart_spawn_plugin.store import CommunityStore, RatingsStore, SpawnLogStore, open_db
from smart_spawn_plugin.store.db import Database, data_version, transaction


@pytest.fixture(params=["sqlite", "postgresql"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two connections to one database, as two processes (or replicas) would hold them."""
    if request.param == "sqlite":
        target = str(tmp_path / "store.sqlite")
    else:
        target = request.getfixturevalue("pg_server").create()
    a, b = open_db(target), open_db(target)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_every_rating_write_moves_the_version_and_other_writes_do_not(
    two: tuple[Database, Database],
) -> None:
    a, b = two
    start = data_version(a)
    assert start == 0
    RatingsStore(b).record(model="openai/gpt-4o", category="coding", rating=5)
    after_rating = data_version(a)
    assert after_rating > start
    CommunityStore(b).report(model="openai/gpt-4o", category="coding", rating=4, instanceId="x")
    after_report = data_version(a)
    assert after_report > after_rating
    SpawnLogStore(b).log({"model": "openai/gpt-4o", "category": "coding"})
    assert data_version(a) == after_report  # the spawn log is not a rating
    assert RatingsStore(b).delete_user("local") == 1
    after_delete = data_version(a)
    assert after_delete > after_report  # a row count would see this; a max(id) would not
    assert RatingsStore(b).delete_user("nobody") == 0
    assert data_version(a) == after_delete


def test_a_rolled_back_rating_does_not_move_the_version(two: tuple[Database, Database]) -> None:
    a, b = two

    def rate_then_fail() -> None:
        with transaction(b):
            RatingsStore(b).record(model="openai/gpt-4o", category="coding", rating=5)
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        rate_then_fail()
    assert data_version(a) == 0
    assert RatingsStore(a).rows() == []


def test_memoised_scores_notice_a_rating_through_another_connection(
    two: tuple[Database, Database],
) -> None:
    a, b = two
    scores = FeedbackScores(RatingsStore(a), CommunityStore(a), version=lambda: data_version(a))
    scores.sync()
    assert scores.personal("local") == {}  # memoised: empty
    generation = scores.generation
    RatingsStore(b).record(model="openai/gpt-4o", category="coding", rating=1)
    assert scores.sync() > generation
    assert ("openai/gpt-4o", "coding") in scores.personal("local")
    generation = scores.generation
    assert scores.sync() == generation  # nothing new: the memo stays
