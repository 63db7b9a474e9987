"""The composition root: settings, store and catalog service wired once for an entry point.

Entry points (CLI, server, MCP, plugin) open one :class:`Services` and pass it down. Nothing is
opened at import time; :meth:`Services.open` creates the home directory and the database.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from smart_spawn_plugin.engine.catalog.service import CatalogService
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.catalog import CatalogStore
from smart_spawn_plugin.store.db import open_db


@dataclass
class Services:
    settings: Settings
    db: sqlite3.Connection
    catalog: CatalogService
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(
        cls, settings: Settings | None = None, *, home: Path | None = None, **overrides: Any
    ) -> Services:
        """Settings (explicit overrides > env > defaults), the SQLite store, the catalog."""
        if home is not None:
            overrides["home"] = home
        settings = settings or Settings(**overrides)
        settings.home.mkdir(parents=True, exist_ok=True)
        db = open_db(settings.db_path)
        return cls(settings, db, CatalogService(settings, CatalogStore(db)))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
