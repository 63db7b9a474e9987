"""Fixtures for the store tests: a fresh migrated in-memory database per test."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from smart_spawn_plugin.store import open_db


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = open_db(":memory:")
    try:
        yield connection
    finally:
        connection.close()
