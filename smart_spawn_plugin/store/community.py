"""Anonymous community ratings, as the server that receives ``POST /community/report`` keeps them.

Instance ids are never stored: each is replaced by an HMAC-SHA256 under a per-database secret salt
(created on first use in ``meta``), so the table cannot be joined back to a reporter yet each
reporter stays one distinct contributor. Each instance may report at most ``limit_per_hour``
ratings per clock hour; more raise :class:`~smart_spawn_plugin.errors.RateLimited`.

The aggregation into scores (minimum ratings, minimum distinct contributors, per-contributor
caps) lives in :mod:`smart_spawn_plugin.feedback.scores`; this module only groups rows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from smart_spawn_plugin.errors import RateLimited
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import Category
from smart_spawn_plugin.store.db import (
    Database,
    as_utc,
    locked,
    meta_get_or_create,
    ratings_changed,
    to_ts,
    transaction,
    utc_now,
    validate,
)

log = get_logger(__name__)

DEFAULT_LIMIT_PER_HOUR: Final = 100
_SALT_KEY: Final = "community_salt"


class CommunityReport(BaseModel):
    """One anonymous report: a whole-number rating 1-5 for a model in a category."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    model: str = Field(min_length=1, max_length=300)
    category: Category
    rating: int = Field(ge=1, le=5)
    instance_id: str = Field(min_length=1, max_length=200, alias="instanceId")


class Contribution(BaseModel):
    """All ratings one contributor gave one (model, category)."""

    model: str
    category: Category
    instance_hash: str
    count: int
    rating_sum: int


class CommunityStore:
    """Record community reports (rate-limited, hashed) and group them per contributor."""

    def __init__(
        self,
        conn: Database,
        *,
        salt: bytes | None = None,
        limit_per_hour: int = DEFAULT_LIMIT_PER_HOUR,
    ) -> None:
        self._conn = conn
        self._salt = salt
        self._limit = limit_per_hour

    def instance_hash(self, instance_id: str) -> str:
        """The salted hash under which ``instance_id`` is stored and rate-limited."""
        if self._salt is None:
            self._salt = bytes.fromhex(
                meta_get_or_create(self._conn, _SALT_KEY, secrets.token_hex(32))
            )
        return hmac.new(self._salt, instance_id.encode(), hashlib.sha256).hexdigest()

    def report(self, *, now: datetime | None = None, **fields: object) -> None:
        """Validate and record one report (fields as the wire body: model, category, rating,
        instanceId).

        Raises ``InvalidParam`` for a bad field and ``RateLimited`` (with ``retry_after`` seconds
        until the next hour) when the instance has used up this hour's allowance.
        """
        report = validate(CommunityReport, fields)
        moment = as_utc(now or utc_now())
        window = moment.replace(minute=0, second=0, microsecond=0)
        digest = self.instance_hash(report.instance_id)
        with transaction(self._conn) as conn:
            row = conn.execute(
                "SELECT count FROM community_rate_limits WHERE instance_hash = ? "
                "AND window_start = ?",
                (digest, to_ts(window)),
            ).fetchone()
            if row is not None and row[0] >= self._limit:
                retry = int((window + timedelta(hours=1) - moment).total_seconds()) + 1
                log.info("community_report_rate_limited", retry_after=retry)
                raise RateLimited(
                    f"Rate limit exceeded ({self._limit}/hr)", retry_after=max(1, retry)
                )
            conn.execute(
                """INSERT INTO community_rate_limits (instance_hash, window_start, count)
                VALUES (?, ?, 1)
                ON CONFLICT(instance_hash, window_start)
                DO UPDATE SET count = community_rate_limits.count + 1""",
                (digest, to_ts(window)),
            )
            # Past windows are useless; drop them so the table stays small (the original never did).
            conn.execute(
                "DELETE FROM community_rate_limits WHERE window_start < ?", (to_ts(window),)
            )
            conn.execute(
                """INSERT INTO community_ratings
                    (model, category, rating, instance_hash, created_at)
                VALUES (?, ?, ?, ?, ?)""",
                (report.model, report.category, report.rating, digest, to_ts(moment)),
            )
            ratings_changed(conn)

    def contributions(
        self, *, category: Category | None = None, since: datetime | None = None
    ) -> list[Contribution]:
        """Ratings grouped per (model, category, contributor), optionally for one category."""
        sql = (
            "SELECT model, category, instance_hash, COUNT(*), SUM(rating) "
            "FROM community_ratings WHERE 1 = 1"
        )
        args: list[object] = []
        if category is not None:
            sql += " AND category = ?"
            args.append(category)
        if since is not None:
            sql += " AND created_at >= ?"
            args.append(to_ts(since))
        sql += " GROUP BY category, model, instance_hash"
        with locked(self._conn) as conn:
            rows = conn.execute(sql, args).fetchall()
        return [
            Contribution(
                model=row[0], category=row[1], instance_hash=row[2], count=row[3], rating_sum=row[4]
            )
            for row in rows
        ]
