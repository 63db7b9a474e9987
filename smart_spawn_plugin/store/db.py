"""Opening a SQLite store (the one open-and-migrate), transactions, timestamps and the small
key/value ``meta`` table. Used by the main store (``store.migrations.open_db``) and the MCP runs
store (``mcp.store.open_runs_db``), each with its own ordered migrations.

Two engines, one protocol
-------------------------
Store classes speak :class:`Database`: ``execute(sql, params)`` with ``?`` placeholders and
results read with ``fetchone``/``fetchall``/``rowcount``, inside :func:`locked` (reads) or
:func:`transaction` (writes). A ``sqlite3.Connection`` is one; so is
:class:`smart_spawn_plugin.store.pg.PgDatabase` (PostgreSQL over a connection pool), an
:class:`Engine` that :func:`locked`, :func:`transaction` and :func:`applied` hand over
to. SQL is written in the subset both understand (``ON CONFLICT``
upserts, ``RETURNING id`` instead of ``lastrowid``, no ``PRAGMA`` outside this module).

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
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar, cast

from pydantic import BaseModel, ValidationError

from smart_spawn_plugin.errors import StoreError, invalid_param

#: How long a writer waits for another process's write lock before failing (milliseconds).
BUSY_TIMEOUT_MS: Final = 5_000
MEMORY: Final = ":memory:"

_M = TypeVar("_M", bound=BaseModel)


class Cursor(Protocol):
    """The part of a DB-API cursor the stores use."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Database(Protocol):
    """What every store class needs of its database: ``sqlite3.Connection`` or ``PgDatabase``."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def close(self) -> None: ...


class Engine(Database, Protocol):
    """A server database (PostgreSQL): sessions, transactions and change detection of its own.

    ``session()`` binds one pooled connection to the calling thread for the block;
    ``transaction()`` runs the block as one serialised write transaction (all or nothing);
    ``applied()`` lists the migrations.
    """

    dialect: str

    def session(self) -> AbstractContextManager[object]: ...

    def transaction(self) -> AbstractContextManager[object]: ...

    def applied(self) -> list[str]: ...

    def ping(self) -> None: ...


#: One schema step; a store's migrations are an ordered sequence of ``(name, step)``. A step
#: takes the store's :class:`Database` (typed ``Any`` so a SQLite-only store's steps, like the
#: MCP runs store's, may name ``sqlite3.Connection``).
Migration = Callable[[Any], None]

_D = TypeVar("_D", bound=Database)


class Connection(sqlite3.Connection):
    """A ``sqlite3.Connection`` that carries the lock serialising its users across threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = threading.RLock()


# Connections not made by open_db (a test's raw sqlite3.connect) share one lock: correct, if slower.
_FOREIGN_LOCK: Final = threading.RLock()


def open_migrated(
    path: Path | str,
    migrations: Sequence[tuple[str, Migration]],
    *,
    row_factory: type[sqlite3.Row] | None = None,
) -> sqlite3.Connection:
    """Open (creating if needed) the SQLite database at ``path`` and apply ``migrations``.

    ``":memory:"`` gives a private in-memory database. For a file, the parent directory is created.
    Pragmas: WAL journal (readers never block the writer), ``synchronous=NORMAL`` (safe with WAL,
    far fewer fsyncs), foreign keys on, and a busy timeout so concurrent processes wait rather
    than fail. Raises :class:`~smart_spawn_plugin.errors.StoreError` if the file cannot be opened
    or a migration fails.
    """
    target = str(path)
    try:
        if target != MEMORY:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            _refuse_empty(Path(target))
        conn = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None, factory=Connection
        )
        if row_factory is not None:
            conn.row_factory = row_factory
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
        if target != MEMORY:
            _check_integrity(conn, target)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store at {target}: {exc}; {RECOVER}") from exc
    except OSError as exc:
        raise StoreError(f"cannot open the store at {target}: {exc}") from exc
    apply_migrations(conn, migrations)
    return conn


#: What a user can do about a damaged store; said in every integrity error.
RECOVER: Final = (
    "restore it from a backup, or move it aside (e.g. `mv FILE FILE.broken`) to start a new store"
)


def _refuse_empty(path: Path) -> None:
    """A zero-byte store file is damage (a truncated copy, a full disk), not a new store: SQLite
    would silently treat it as an empty database and the migrations would make it one. A file
    another process is creating right now is empty for a moment, so look twice."""
    for attempt in range(2):
        try:
            if path.stat().st_size > 0:
                return
        except FileNotFoundError:
            return  # a new store: SQLite creates it
        if attempt == 0:
            time.sleep(0.05)
    raise StoreError(
        f"the store {path} is empty (0 bytes), not a SQLite database: "
        + RECOVER.replace("FILE", str(path))
    )


def _check_integrity(conn: sqlite3.Connection, target: str) -> None:
    """``PRAGMA quick_check`` (O(size), a few ms for a store of this size): damaged pages are
    found at open, with one line naming the file, instead of as a 500 on some later write."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"the store {target} failed its integrity check ({exc}): "
            + RECOVER.replace("FILE", target)
        ) from exc
    problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
    if problems:
        conn.close()
        raise StoreError(
            f"the store {target} failed its integrity check ({problems[0]}): "
            + RECOVER.replace("FILE", target)
        )


def applied(conn: Database) -> list[str]:
    """Names of the migrations already applied, in the order they were applied."""
    if not isinstance(conn, sqlite3.Connection):
        return cast(Engine, conn).applied()
    with locked(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        rows = conn.execute("SELECT name FROM _migrations ORDER BY rowid").fetchall()
    return [str(row[0]) for row in rows]


def apply_migrations(conn: Database, migrations: Sequence[tuple[str, Migration]]) -> list[str]:
    """Apply every pending migration in order; return the names applied now (empty if none).

    Each runs in its own transaction together with its ``_migrations`` row, so a crash leaves
    the schema at a clean step boundary. Idempotent. Raises
    :class:`~smart_spawn_plugin.errors.StoreError` if a migration fails; that migration is
    rolled back and later ones are not attempted.
    """
    done = set(applied(conn))
    ran: list[str] = []
    for name, fn in migrations:
        if name in done:
            continue
        with transaction(conn):
            # Re-check inside the write lock: another process may have just applied it.
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                continue
            fn(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, to_ts(utc_now()))
            )
        ran.append(name)
    return ran


def lock_of(conn: Database) -> threading.RLock:
    """The lock that serialises users of ``conn``."""
    return conn.lock if isinstance(conn, Connection) else _FOREIGN_LOCK


@contextmanager
def locked(conn: _D) -> Iterator[_D]:
    """Hold the connection's lock; translate SQLite errors into ``StoreError``. (On a server
    :class:`Engine`: hold one pooled connection for the block.)"""
    if not isinstance(conn, sqlite3.Connection):
        with cast(Engine, conn).session():
            yield conn
        return
    with lock_of(conn):
        try:
            yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"store operation failed: {exc}") from exc


@contextmanager
def transaction(conn: _D) -> Iterator[_D]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction: all of it commits, or none of it.

    Nested use joins the outer transaction. ``IMMEDIATE`` takes the write lock up front, so two
    writers never both read, then both fail to upgrade (SQLITE_BUSY mid-transaction). A server
    :class:`Engine` gives the same contract (see ``PgDatabase.transaction``).
    """
    if not isinstance(conn, sqlite3.Connection):
        with cast(Engine, conn).transaction():
            yield conn
        return
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
        raise invalid_param(exc) from exc


#: The ``meta`` row counting changes to the rating tables (see :func:`ratings_changed`).
RATINGS_VERSION: Final = "ratings_version"


def ratings_changed(conn: Database) -> None:
    """Bump the ratings version; call it inside the transaction that writes ``ratings`` or
    ``community_ratings``, so the bump commits (or rolls back) with the write itself."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
        "SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)",
        (RATINGS_VERSION,),
    )


def data_version(conn: Database) -> int:
    """The ratings version: a number that grows with every committed write to the rating
    tables, by any process or replica (0 before the first) — one primary-key read on either
    engine, so the memoised feedback scores can ask it before every pick. Writes elsewhere
    (the spawn log, the catalog) do not move it."""
    with locked(conn):
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (RATINGS_VERSION,)).fetchone()
    return 0 if row is None else int(row[0])


def write_marker(conn: Database) -> int | None:
    """A marker that changes after another connection (another process) commits to a SQLite
    database (``PRAGMA data_version``, no table touched; this connection's own writes are
    :func:`own_changes`); None on a server :class:`Engine`, which has no such cheap marker (a
    caller memoising on it bounds staleness by time there)."""
    if not isinstance(conn, sqlite3.Connection):
        return None
    with locked(conn):
        row = conn.execute("PRAGMA data_version").fetchone()
    return int(row[0])


def own_changes(conn: Database) -> int | None:
    """Rows changed through this SQLite connection so far (no query; the other half of
    :func:`write_marker`); None on a server :class:`Engine`."""
    return conn.total_changes if isinstance(conn, sqlite3.Connection) else None


def meta_get(conn: Database, key: str) -> str | None:
    """Read one value from the ``meta`` key/value table."""
    with locked(conn):
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def meta_get_or_create(conn: Database, key: str, make: str) -> str:
    """Read ``key`` from ``meta``; store ``make`` first if it is absent (atomically)."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, make)
        )
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0])
