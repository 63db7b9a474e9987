"""Personal ratings: the full 1-5 scale, per ``user_key``, with context tags and their source.

Rows are kept raw (one per rating, never pre-aggregated) so scores can apply time decay and be
recomputed under a different formula; ``feedback.scores`` turns them into scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smart_spawn_plugin.models import Category, bare_model_id
from smart_spawn_plugin.store.db import (
    Database,
    from_ts,
    locked,
    ratings_changed,
    to_ts,
    transaction,
    utc_now,
    validate,
)

#: ``explicit``: a user or agent rated the outcome; ``implicit``: derived from the outcome itself.
RatingSource = Literal["explicit", "implicit"]
DEFAULT_USER: Final = "local"
MAX_TAGS: Final = 20

_COLUMNS: Final = "id, user_key, model, category, rating, context, source, spawn_id, created_at"
#: The columns an insert names (the id is the database's; ``RETURNING id`` reads it back).
_INSERTED: Final = _COLUMNS.removeprefix("id, ")


def parse_tags(value: object) -> list[str]:
    """Context tags from a comma string or a list: trimmed, lower-case, unique, in order."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise TypeError("context must be a comma-separated string or a list of strings")
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError("context tags must be strings")
        tag = item.strip().lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


class RatingIn(BaseModel):
    """A rating to record. ``rating`` must be a whole number 1-5; ``category`` a known category."""

    model_config = ConfigDict(extra="forbid")

    user_key: str = Field(default=DEFAULT_USER, min_length=1, max_length=200)
    model: str = Field(min_length=1, max_length=300)
    category: Category
    rating: int = Field(ge=1, le=5)
    context: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    source: RatingSource = "explicit"
    spawn_id: int | None = None
    created_at: datetime | None = None

    @field_validator("context", mode="before")
    @classmethod
    def _tags(cls, value: object) -> list[str]:
        try:
            return parse_tags(value)
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("model")
    @classmethod
    def _strip_router_prefix(cls, value: str) -> str:
        # Same normalisation as the spawn log, so a rating meets the spawns it rates.
        return bare_model_id(value)


class RatingRow(RatingIn):
    """A stored rating."""

    id: int
    created_at: datetime


class RatingsStore:
    """Append ratings and read them back, always scoped to one ``user_key``."""

    def __init__(self, conn: Database) -> None:
        self._conn = conn

    def record(self, **fields: object) -> RatingRow:
        """Validate and store one rating from raw fields (as an HTTP body or tool call gives them).

        Raises :class:`~smart_spawn_plugin.errors.InvalidParam` naming the field when the rating is
        not a whole number 1-5, the category is unknown, or any other field is wrong.
        """
        return self.add(validate(RatingIn, fields))

    def add(self, rating: RatingIn) -> RatingRow:
        """Store an already-validated rating."""
        created = rating.created_at or utc_now()
        with transaction(self._conn) as conn:
            cur = conn.execute(
                f"INSERT INTO ratings ({_INSERTED}) "  # noqa: S608 - constant column list
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    rating.user_key,
                    rating.model,
                    rating.category,
                    rating.rating,
                    ",".join(rating.context) or None,
                    rating.source,
                    rating.spawn_id,
                    to_ts(created),
                ),
            )
            rating_id = int(cur.fetchone()[0])
            ratings_changed(conn)
        return RatingRow(
            **rating.model_dump(exclude={"created_at"}), id=rating_id, created_at=created
        )

    def rows(
        self,
        user_key: str = DEFAULT_USER,
        *,
        category: Category | None = None,
        models: Sequence[str] | None = None,
        since: datetime | None = None,
    ) -> list[RatingRow]:
        """``user_key``'s ratings, oldest first, optionally filtered."""
        sql = f"SELECT {_COLUMNS} FROM ratings WHERE user_key = ?"  # noqa: S608
        args: list[object] = [user_key]
        if category is not None:
            sql += " AND category = ?"
            args.append(category)
        if since is not None:
            sql += " AND created_at >= ?"
            args.append(to_ts(since))
        if models is not None:
            sql += f" AND model IN ({', '.join('?' * len(models))})"
            args.extend(models)
        sql += " ORDER BY created_at, id"
        with locked(self._conn) as conn:
            rows = conn.execute(sql, args).fetchall()
        return [
            RatingRow(
                id=row[0],
                user_key=row[1],
                model=row[2],
                category=row[3],
                rating=row[4],
                context=parse_tags(row[5]),
                source=row[6],
                spawn_id=row[7],
                created_at=from_ts(row[8]),
            )
            for row in rows
        ]

    def delete_user(self, user_key: str) -> int:
        """Forget every rating of ``user_key``; return how many were deleted."""
        with transaction(self._conn) as conn:
            deleted = conn.execute("DELETE FROM ratings WHERE user_key = ?", (user_key,)).rowcount
            if deleted:
                ratings_changed(conn)
        return deleted
