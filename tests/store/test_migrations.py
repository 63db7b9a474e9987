from __future__ import annotations

import sqlite3

import pytest

from smart_spawn_plugin.errors import StoreError
from smart_spawn_plugin.store import open_db
from smart_spawn_plugin.store.db import applied
from smart_spawn_plugin.store.migrations import MIGRATIONS, migrate

TABLES = {
    "_migrations",
    "meta",
    "catalog",
    "source_status",
    "spawn_log",
    "ratings",
    "community_ratings",
    "community_rate_limits",
    "outbox",
    "provider_usage_marks",
    "provider_shifts",
    "routing_overrides",
    "routing_memory",
}


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows} - {"sqlite_sequence"}


def test_migrate_from_blank_database_applies_all_in_order() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    ran = migrate(conn)
    assert ran == [name for name, _ in MIGRATIONS]
    assert applied(conn) == ran
    assert _tables(conn) == TABLES


def test_migrate_is_idempotent() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    before = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert migrate(conn) == []
    assert migrate(conn) == []
    assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == before
    assert conn.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


def test_migration_names_are_unique_and_ordered() -> None:
    names = [name for name, _ in MIGRATIONS]
    assert len(set(names)) == len(names)
    assert names == sorted(names)


def test_open_db_on_file_enables_wal_and_creates_parent(tmp_path) -> None:
    path = tmp_path / "deep" / "dir" / "smart-spawn.db"
    conn = open_db(path)
    assert path.exists()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    conn.close()
    # Reopening an existing store migrates nothing and keeps it usable.
    again = open_db(path)
    assert applied(again) == [name for name, _ in MIGRATIONS]
    again.close()


def test_open_db_unopenable_path_is_store_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError):
        open_db(blocker / "sub" / "db.sqlite")


def test_rating_check_constraint_holds_in_sql(conn) -> None:
    # SQLite raises its own error on a bare execute; the PostgreSQL engine translates.
    with pytest.raises((sqlite3.IntegrityError, StoreError)):
        conn.execute(
            "INSERT INTO ratings (model, category, rating, created_at) "
            "VALUES ('m', 'coding', 6, 'x')"
        )


def test_indexes_exist_for_the_queries(conn) -> None:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if isinstance(conn, sqlite3.Connection)
        else "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    )
    names = {r[0] for r in conn.execute(sql).fetchall()}
    assert {
        "spawn_log_user_time",
        "ratings_user_cat_time",
        "community_cat_model_inst",
        "outbox_due",
    } <= names
