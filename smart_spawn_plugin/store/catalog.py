"""The saved catalog snapshot and the health of each benchmark source.

The ``source_status`` table is the truth about sources: :meth:`CatalogStore.load` overlays it on
the catalog's own ``sources`` map, so a failure recorded after the last save is reported.
"""

from __future__ import annotations

from datetime import datetime

from smart_spawn_plugin.models import Catalog, SourceStatus
from smart_spawn_plugin.store.db import Database, from_ts, locked, to_ts, transaction, utc_now

_UPSERT_SOURCE = """
INSERT INTO source_status
    (source, status, last_pull, count, error, origin, matched, match_rate, data_date, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(source) DO UPDATE SET
    status = excluded.status, last_pull = excluded.last_pull, count = excluded.count,
    error = excluded.error, origin = excluded.origin, matched = excluded.matched,
    match_rate = excluded.match_rate, data_date = excluded.data_date,
    updated_at = excluded.updated_at
"""


class CatalogStore:
    """Saves and loads the enriched catalog (one JSON row) and per-source status rows."""

    def __init__(self, conn: Database) -> None:
        self._conn = conn

    def save(self, catalog: Catalog, *, now: datetime | None = None) -> None:
        """Replace the stored catalog and upsert the status of each of its sources, atomically.

        Sources absent from ``catalog.sources`` keep their stored status.
        """
        stamp = to_ts(now or utc_now())
        body = catalog.model_dump_json(by_alias=True)
        last_refresh = None if catalog.last_refresh is None else to_ts(catalog.last_refresh)
        with transaction(self._conn) as conn:
            conn.execute(
                """INSERT INTO catalog (id, body, version, model_count, last_refresh, updated_at)
                VALUES (1, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET body = excluded.body, version = excluded.version,
                    model_count = excluded.model_count, last_refresh = excluded.last_refresh,
                    updated_at = excluded.updated_at""",
                (body, catalog.version, len(catalog.models), last_refresh, stamp),
            )
            for source, status in catalog.sources.items():
                self._write_status(conn, source, status, stamp)

    def load(self) -> Catalog | None:
        """The last saved catalog with current source statuses, or ``None`` if none was saved."""
        with locked(self._conn) as conn:
            row = conn.execute("SELECT body FROM catalog WHERE id = 1").fetchone()
        if row is None:
            return None
        catalog = Catalog.model_validate_json(row[0])
        catalog.sources.update(self.source_status())
        return catalog

    def stamp(self) -> str | None:
        """When the saved catalog was last written (``None`` if never): another process's
        refresh changes it."""
        with locked(self._conn) as conn:
            row = conn.execute("SELECT updated_at FROM catalog WHERE id = 1").fetchone()
        return None if row is None else str(row[0])

    def source_status(self) -> dict[str, SourceStatus]:
        """Every source's recorded status, keyed by source name."""
        with locked(self._conn) as conn:
            rows = conn.execute(
                """SELECT source, status, last_pull, count, error, origin, matched, match_rate,
                    data_date
                FROM source_status ORDER BY source"""
            ).fetchall()
        return {
            row[0]: SourceStatus(
                status=row[1],
                last_pull=None if row[2] is None else from_ts(row[2]),
                count=row[3],
                error=row[4],
                origin=row[5],
                matched=row[6],
                match_rate=row[7],
                data_date=row[8],
            )
            for row in rows
        }

    def record_source(
        self, source: str, status: SourceStatus, *, now: datetime | None = None
    ) -> None:
        """Record one source's status (after a successful pull, typically)."""
        with transaction(self._conn) as conn:
            self._write_status(conn, source, status, to_ts(now or utc_now()))

    def record_source_failure(
        self, source: str, error: str, *, now: datetime | None = None
    ) -> SourceStatus:
        """Mark ``source`` stale with ``error``; keep the last good pull's time, count and origin.

        A failed refresh must not erase what the last good one brought: the catalog row is left
        alone and only the status changes. Returns the new status.
        """
        stamp = to_ts(now or utc_now())
        with transaction(self._conn) as conn:
            conn.execute(
                """INSERT INTO source_status (source, status, error, updated_at)
                VALUES (?, 'stale', ?, ?)
                ON CONFLICT(source) DO UPDATE SET status = 'stale', error = excluded.error,
                    updated_at = excluded.updated_at""",
                (source, error, stamp),
            )
        return self.source_status()[source]

    @staticmethod
    def _write_status(conn: Database, source: str, status: SourceStatus, stamp: str) -> None:
        conn.execute(
            _UPSERT_SOURCE,
            (
                source,
                status.status,
                None if status.last_pull is None else to_ts(status.last_pull),
                status.count,
                status.error,
                status.origin,
                status.matched,
                status.match_rate,
                status.data_date,
                stamp,
            ),
        )
