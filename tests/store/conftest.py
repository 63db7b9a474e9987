"""Fixtures for the store tests: a fresh migrated database per test, on each backend — an
in-memory SQLite database and a new database on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smart_spawn_plugin.store import open_db
from smart_spawn_plugin.store.db import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def conn(request: pytest.FixtureRequest) -> Iterator[Database]:
    if request.param == "sqlite":
        connection = open_db(":memory:")
    else:
        connection = open_db(request.getfixturevalue("pg_server").create())
    try:
        yield connection
    finally:
        connection.close()
