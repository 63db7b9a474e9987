"""SQLite store: :func:`open_db` plus one store class per table group.

Importing this package opens nothing; :func:`open_db` does. :class:`Stores` bundles the store
classes over one connection for callers that want them all.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from smart_spawn_plugin.store.catalog import CatalogStore
from smart_spawn_plugin.store.community import CommunityStore
from smart_spawn_plugin.store.db import open_db
from smart_spawn_plugin.store.outbox import OutboxStore
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore

__all__ = [
    "CatalogStore",
    "CommunityStore",
    "OutboxStore",
    "RatingsStore",
    "SpawnLogStore",
    "Stores",
    "open_db",
]


@dataclass(frozen=True)
class Stores:
    """Every store over one connection (see :mod:`smart_spawn_plugin.store.db` on threads)."""

    conn: sqlite3.Connection
    catalog: CatalogStore = field(init=False)
    spawns: SpawnLogStore = field(init=False)
    ratings: RatingsStore = field(init=False)
    community: CommunityStore = field(init=False)
    outbox: OutboxStore = field(init=False)

    def __post_init__(self) -> None:
        # frozen dataclass: object.__setattr__ is the documented way to fill derived fields.
        object.__setattr__(self, "catalog", CatalogStore(self.conn))
        object.__setattr__(self, "spawns", SpawnLogStore(self.conn))
        object.__setattr__(self, "ratings", RatingsStore(self.conn))
        object.__setattr__(self, "community", CommunityStore(self.conn))
        object.__setattr__(self, "outbox", OutboxStore(self.conn))

    @classmethod
    def open(cls, path: Path | str) -> Stores:
        """Open the database at ``path`` (migrating it) and bundle its stores."""
        return cls(open_db(path))
