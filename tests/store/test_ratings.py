from __future__ import annotations

import pytest

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.store.ratings import RatingsStore, parse_tags


def test_record_and_read_back(conn) -> None:
    store = RatingsStore(conn)
    row = store.record(model="m", category="coding", rating=4, context="Python, react ,python")
    assert row.context == ["python", "react"]
    assert store.rows() == [row]
    assert store.rows(category="reasoning") == []
    assert store.rows(models=["m"]) == [row]


def test_integral_float_rating_is_accepted(conn) -> None:
    assert RatingsStore(conn).record(model="m", category="coding", rating=5.0).rating == 5


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "great", None])
def test_rating_out_of_range_is_invalid_param(conn, rating) -> None:
    with pytest.raises(InvalidParam) as info:
        RatingsStore(conn).record(model="m", category="coding", rating=rating)
    assert info.value.field == "rating"


def test_unknown_category_is_invalid_param(conn) -> None:
    with pytest.raises(InvalidParam) as info:
        RatingsStore(conn).record(model="m", category="bogus-cat", rating=3)
    assert info.value.field == "category"


def test_unknown_field_is_invalid_param(conn) -> None:
    with pytest.raises(InvalidParam):
        RatingsStore(conn).record(model="m", category="coding", rating=3, stars=5)


def test_rows_are_per_user(conn) -> None:
    store = RatingsStore(conn)
    store.record(user_key="alice", model="m", category="coding", rating=1)
    store.record(user_key="bob", model="m", category="coding", rating=5)
    assert [r.rating for r in store.rows("alice")] == [1]
    assert [r.rating for r in store.rows("bob")] == [5]
    assert store.rows() == []
    assert store.delete_user("alice") == 1
    assert store.rows("alice") == []


def test_parse_tags() -> None:
    assert parse_tags(None) == []
    assert parse_tags(" A,,b , a ") == ["a", "b"]
    assert parse_tags(["X", "y"]) == ["x", "y"]
    with pytest.raises(TypeError):
        parse_tags(5)
