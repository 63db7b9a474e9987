"""Opening the SQLite store, transactions, timestamps and the small key/value ``meta`` table.

Thread-safety contract
----------------------
:func:`open_db` returns one connection that may be shared across threads
(``check_same_thread=False``). Every store class in this package runs each public method under
the connection's re-entrant lock (:func:`locked`), and every write inside
:func:`transaction` (``BEGIN IMMEDIATE`` … ``COMMIT``). So a shared connection never interleaves
two threads' statements inside one transaction. Async code may call the stores directly: each call
is a short local SQLite operation.

The connection runs in autocommit mode (``isolation_level=None``); transactions are explicit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from smart_spawn_plugin.errors import InvalidParam, StoreError

#: How long a writer waits for another process's write lock before failing (milliseconds).
BUSY_TIMEOUT_MS: Final = 5_000
MEMORY: Final = ":memory:"

_M = TypeVar("_M", bound=BaseModel)


class Connection(sqlite3.Connection):
    """A ``sqlite3.Connection`` that carries the lock serialising its users across threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = threading.RLock()


# Connections not made by open_db (a test's raw sqlite3.connect) share one lock: correct, if slower.
_FOREIGN_LOCK: Final = threading.RLock()


def open_db(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) the store at ``path`` and bring its schema up to date.

    ``":memory:"`` gives a private in-memory database. For a file, the parent directory is created.
    Pragmas: WAL journal (readers never block the writer), ``synchronous=NORMAL`` (safe with WAL,
    far fewer fsyncs), foreign keys on, and a busy timeout so concurrent processes wait rather
    than fail. Raises :class:`~smart_spawn_plugin.errors.StoreError` if the file cannot be opened.
    """
    # Imported here, not at module top, because migrations imports this module's helpers.
    from smart_spawn_plugin.store.migrations import migrate

    target = str(path)
    try:
        if target != MEMORY:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None, factory=Connection
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open the store at {target}: {exc}") from exc
    migrate(conn)
    return conn


def lock_of(conn: sqlite3.Connection) -> threading.RLock:
    """The lock that serialises users of ``conn``."""
    return conn.lock if isinstance(conn, Connection) else _FOREIGN_LOCK


@contextmanager
def locked(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Hold the connection's lock; translate SQLite errors into ``StoreError``."""
    with lock_of(conn):
        try:
            yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"store operation failed: {exc}") from exc


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction: all of it commits, or none of it.

    Nested use joins the outer transaction. ``IMMEDIATE`` takes the write lock up front, so two
    writers never both read, then both fail to upgrade (SQLITE_BUSY mid-transaction).
    """
    with locked(conn):
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_ts(moment: datetime) -> str:
    """The stored form of a time: fixed-width ISO 8601 UTC, so text order is time order."""
    return as_utc(moment).isoformat(timespec="microseconds")


def from_ts(text: str) -> datetime:
    """Parse a stored time back into an aware UTC datetime."""
    return as_utc(datetime.fromisoformat(text))


def validate(model: type[_M], data: Mapping[str, object]) -> _M:
    """Build ``model`` from untrusted ``data``; a validation failure becomes ``InvalidParam``.

    The error message and ``field`` name the first offending field, so every surface (HTTP, tool,
    CLI) can report it as a 400 rather than a 500.
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidParam(f"{field or 'input'}: {first['msg']}", field=field) from exc


def meta_get(conn: sqlite3.Connection, key: str) -> str | None:
    """Read one value from the ``meta`` key/value table."""
    with locked(conn):
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def meta_get_or_create(conn: sqlite3.Connection, key: str, make: str) -> str:
    """Read ``key`` from ``meta``; store ``make`` first if it is absent (atomically)."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, make)
        )
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0])
