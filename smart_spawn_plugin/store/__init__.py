"""SQLite store: :func:`open_db` (the one open-and-migrate) plus one store class per table group.

Importing this package opens nothing; :func:`open_db` does. The runtime
(:mod:`smart_spawn_plugin.runtime`) opens one connection per process and builds the stores it
needs over it.
"""

from __future__ import annotations

from smart_spawn_plugin.store.catalog import CatalogStore
from smart_spawn_plugin.store.community import CommunityStore
from smart_spawn_plugin.store.migrations import open_db
from smart_spawn_plugin.store.outbox import OutboxStore
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore

__all__ = [
    "CatalogStore",
    "CommunityStore",
    "OutboxStore",
    "RatingsStore",
    "SpawnLogStore",
    "open_db",
]
