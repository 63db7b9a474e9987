"""The store's schema, as ordered migration functions recorded in ``_migrations``.

Add a migration by appending a new ``@migration`` function at the end (``m00N_…``); never edit or
reorder one that has shipped. :func:`migrate` applies, in order, each migration not yet recorded,
each in its own transaction together with its ``_migrations`` row, so a crash leaves the schema at
a clean step boundary. Running it again is a no-op. :func:`open_db` opens the main store with
them (through the one open-and-migrate, :func:`~smart_spawn_plugin.store.db.open_migrated`).

The same list runs on SQLite and on PostgreSQL (``store/pg.py``), so write each step in the
portable subset: one statement per ``execute``; SQLite's spellings ``INTEGER PRIMARY KEY
AUTOINCREMENT`` and ``REAL`` are respelled for PostgreSQL, nothing else is; no ``PRAGMA``, no
``executescript``, no SQLite-only functions; upserts as ``ON CONFLICT … DO UPDATE`` with the
table named in ``SET`` expressions; new ids read with ``RETURNING id``. ``tests/store`` runs every
store test on both engines.

Times are stored as fixed-width ISO 8601 UTC text (see :func:`~smart_spawn_plugin.store.db.to_ts`),
so ``ORDER BY``/range filters on them are time order. Every table that holds a user's data carries
``user_key`` first in its indexes: a shared server keeps each API key's rows apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from smart_spawn_plugin.store.db import Database, Migration, apply_migrations, open_migrated

#: The ordered migrations: (name, function).
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration, named after the function."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _run(conn: Database, *statements: str) -> None:
    # One execute per statement: executescript() would COMMIT the migration's transaction early.
    for statement in statements:
        conn.execute(statement)


@migration
def m001_meta_and_catalog(conn: Database) -> None:
    """``meta`` key/value, the catalog snapshot (one row of Catalog JSON), source health."""
    _run(
        conn,
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # One row: the whole catalog is read in one query and one pydantic parse, which is the
        # fastest way to load ~400 models; nothing queries single models in SQL.
        """CREATE TABLE catalog (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            body TEXT NOT NULL,
            version TEXT NOT NULL,
            model_count INTEGER NOT NULL,
            last_refresh TEXT,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE source_status (
            source TEXT PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('ok', 'stale')),
            last_pull TEXT,
            count INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            origin TEXT NOT NULL DEFAULT 'none',
            matched INTEGER,
            match_rate REAL,
            updated_at TEXT NOT NULL
        )""",
    )


@migration
def m002_spawn_log(conn: Database) -> None:
    """One row per sub-agent spawn, with the prices at spawn time and the recorded usage."""
    _run(
        conn,
        """CREATE TABLE spawn_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_key TEXT NOT NULL DEFAULT 'local',
            model TEXT NOT NULL,
            category TEXT NOT NULL,
            budget TEXT,
            mode TEXT NOT NULL DEFAULT 'single',
            role TEXT NOT NULL DEFAULT 'primary',
            source TEXT NOT NULL DEFAULT 'api',
            context TEXT,
            prompt_price REAL NOT NULL DEFAULT 0,
            completion_price REAL NOT NULL DEFAULT 0,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd REAL,
            duration_ms INTEGER,
            status TEXT NOT NULL DEFAULT 'planned',
            escalated INTEGER,
            run_id TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX spawn_log_user_time ON spawn_log (user_key, created_at)",
        "CREATE INDEX spawn_log_user_run ON spawn_log (user_key, run_id)",
    )


@migration
def m003_ratings(conn: Database) -> None:
    """Personal ratings on the full 1-5 scale, explicit or derived from an outcome."""
    _run(
        conn,
        """CREATE TABLE ratings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_key TEXT NOT NULL DEFAULT 'local',
            model TEXT NOT NULL,
            category TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            context TEXT,
            source TEXT NOT NULL DEFAULT 'explicit' CHECK (source IN ('explicit', 'implicit')),
            spawn_id INTEGER REFERENCES spawn_log (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX ratings_user_cat_time ON ratings (user_key, category, created_at)",
        "CREATE INDEX ratings_user_time ON ratings (user_key, created_at)",
    )


@migration
def m004_community(conn: Database) -> None:
    """Anonymous community ratings (instance ids only as salted hashes) and their rate limit."""
    _run(
        conn,
        """CREATE TABLE community_ratings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            model TEXT NOT NULL,
            category TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            instance_hash TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        # Serves the per-contributor GROUP BY behind community scores.
        """CREATE INDEX community_cat_model_inst
            ON community_ratings (category, model, instance_hash)""",
        """CREATE TABLE community_rate_limits (
            instance_hash TEXT NOT NULL,
            window_start TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (instance_hash, window_start)
        )""",
        "CREATE INDEX community_rate_limits_window ON community_rate_limits (window_start)",
    )


@migration
def m005_outbox(conn: Database) -> None:
    """Outgoing reports waiting to be delivered, with their retry schedule."""
    _run(
        conn,
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX outbox_due ON outbox (next_attempt_at)",
    )


def migrate(conn: Database) -> list[str]:
    """Apply the main store's pending migrations; return the names applied now."""
    return apply_migrations(conn, MIGRATIONS)


def open_db(path: Path | str) -> Database:
    """Open (creating if needed) the main store at ``path`` with its schema up to date: a SQLite
    file (or ``":memory:"``), or a ``postgresql://`` URL — the same migrations on both.
    Raises :class:`~smart_spawn_plugin.errors.StoreError` if the file cannot be opened
    (``StoreUnavailable`` when the database server cannot be reached)."""
    return open_database(path, MIGRATIONS)


def open_database(target: Path | str, migrations: Sequence[tuple[str, Migration]]) -> Database:
    """Open ``target`` — a SQLite file (or ``":memory:"``) or a ``postgresql://`` URL — and
    apply ``migrations`` (the one open-and-migrate of every store: the main one and the MCP
    runs store). Errors as :func:`open_db`."""
    if is_database_url(target):
        from smart_spawn_plugin.store.pg import PgDatabase  # psycopg loads only when used

        db = PgDatabase.connect(str(target))
        try:
            apply_migrations(db, migrations)
        except BaseException:
            db.close()
            raise
        return db
    return open_migrated(target, migrations)


def is_database_url(target: Path | str) -> bool:
    """Whether ``target`` names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@migration
def m006_source_data_date(conn: Database) -> None:
    """The publisher's own date of each source's figures (freshness in ``status``)."""
    _run(conn, "ALTER TABLE source_status ADD COLUMN data_date TEXT")


@migration
def m007_providers(conn: Database) -> None:
    """Provider state (issue 13): usage marks (``set-usage``/``reset``), shifts (a provider the
    user moved work off, undoable) and routing overrides written by ``optimize --apply``
    (removed by ``--undo``, never deleted: ``active`` goes to 0)."""
    _run(
        conn,
        """CREATE TABLE provider_usage_marks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            provider TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('set', 'reset')),
            value REAL NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX provider_usage_marks_at ON provider_usage_marks (provider, at)",
        """CREATE TABLE provider_shifts (
            provider TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        """CREATE TABLE routing_overrides (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            category TEXT NOT NULL,
            role TEXT NOT NULL,
            from_model TEXT NOT NULL,
            to_model TEXT NOT NULL,
            saving_usd REAL NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX routing_overrides_active ON routing_overrides (active, category)",
    )


@migration
def m008_routing_memory(conn: Database) -> None:
    """Personal routing memory: queries a user forced a tier on or rated, as sparse vectors."""
    _run(
        conn,
        """CREATE TABLE routing_memory (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_key TEXT NOT NULL DEFAULT 'local',
            kind TEXT NOT NULL CHECK (kind IN ('forced', 'rated')),
            query TEXT NOT NULL,
            vector TEXT NOT NULL,
            tier TEXT CHECK (tier IN ('flagship', 'lightweight')),
            model TEXT,
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            created_at TEXT NOT NULL,
            CHECK ((kind = 'forced') = (tier IS NOT NULL)),
            CHECK ((kind = 'rated') = (model IS NOT NULL AND rating IS NOT NULL))
        )""",
        "CREATE INDEX routing_memory_user_time ON routing_memory (user_key, created_at)",
    )
