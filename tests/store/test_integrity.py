"""A damaged store is refused at open with one line naming the file and how to recover; it is
never replaced or silently reinitialised (issue 11, item 16)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from smart_spawn_plugin.errors import StoreError
from smart_spawn_plugin.store.migrations import open_db
from smart_spawn_plugin.store.ratings import RatingsStore

PAGE = 4096


def _filled(path: Path) -> int:
    """A real store with enough ratings to span many pages; returns its size in bytes."""
    conn = open_db(path)
    store = RatingsStore(conn)
    for i in range(400):
        store.record(
            user_key="local",
            model=f"vendor/model-{i % 40}",
            category="coding",
            rating=1 + i % 5,
            context="x" * 200,
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.stat().st_size


def _scribble(path: Path, offset: int, length: int = PAGE) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes((i * 37 + 11) % 256 for i in range(length)))


def test_zero_byte_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "smart-spawn.db"
    path.write_bytes(b"")
    with pytest.raises(StoreError) as info:
        open_db(path)
    message = str(info.value)
    assert str(path) in message and "empty" in message
    assert path.stat().st_size == 0  # left exactly as found


@pytest.mark.parametrize("where", ["middle", "end"])
def test_garbage_pages_are_found_at_open(tmp_path: Path, where: str) -> None:
    path = tmp_path / "smart-spawn.db"
    size = _filled(path)
    assert size > 8 * PAGE
    offset = (size // PAGE // 2) * PAGE if where == "middle" else size - PAGE
    _scribble(path, offset)
    damaged = path.read_bytes()
    with pytest.raises(StoreError) as info:
        open_db(path)
    message = str(info.value)
    assert str(path) in message
    assert "integrity" in message and "move it aside" in message
    assert path.read_bytes() == damaged  # nothing rewritten


def test_not_a_database_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "smart-spawn.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as info:
        open_db(path)
    assert str(path) in str(info.value)


def test_healthy_store_opens(tmp_path: Path) -> None:
    path = tmp_path / "smart-spawn.db"
    _filled(path)
    conn = open_db(path)
    assert conn.execute("SELECT count(*) FROM ratings").fetchone()[0] == 400
    conn.close()
    assert sqlite3.connect(path).execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_cli_feedback_on_a_damaged_store_fails_with_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    path = home / "smart-spawn.db"
    size = _filled(path)
    _scribble(path, (size // PAGE // 2) * PAGE)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "smart_spawn_plugin",
            "--home",
            str(home),
            "feedback",
            "openai/gpt-5.6-terra",
            "coding",
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr
