"""The catalog service: the current scored catalog, and refreshing it.

``current()`` is what every surface reads: the catalog saved in the store, or — on a fresh
machine — one built from the bundled snapshot (then saved). ``refresh()`` pulls sources (live
when enabled and reachable, raw files from ``source_dir``, else the bundled snapshot), builds a
new catalog and saves it. A source that fails is marked stale and its bundled figures are used
instead; if the catalog source itself fails, the last good catalog stays (the stored one when
nothing was loaded yet), with its ``last_refresh``, and the report is not ``ok``. Only one
refresh runs at a time (an ``asyncio.Lock`` shared by the timer and manual calls).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pydantic import Field

from smart_spawn_plugin.engine.select.selection import ScoreAdjuster, Selector
from smart_spawn_plugin.errors import InvalidParam, SourceError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import Catalog, SourceStatus, Wire, bare_model_id
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.catalog import CatalogStore

if TYPE_CHECKING:
    import httpx

    from smart_spawn_plugin.engine.catalog.sources.base import SourceData

log = get_logger(__name__)

OPENMARK_DIR: Final = "openmark"


class RefreshReport(Wire):
    """What a refresh did."""

    ok: bool
    model_count: int
    origin: str
    seconds: float
    sources: dict[str, SourceStatus] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)


class CatalogService:
    """Holds the current catalog and a selector over it; refreshes on demand."""

    def __init__(self, settings: Settings, store: CatalogStore | None = None) -> None:
        self.settings = settings
        self.store = store
        self._catalog: Catalog | None = None
        self._selector: Selector | None = None
        self._lock = asyncio.Lock()
        self._stamp: str | None = None  # the store's write stamp of the catalog in memory

    @property
    def openmark_dir(self) -> Path:
        return self.settings.home / OPENMARK_DIR

    def current(self) -> Catalog:
        """The current catalog: in memory, else from the store, else built from the snapshot."""
        if self._catalog is None:
            stamp = self.store.stamp() if self.store is not None else None
            stored = self.store.load() if self.store is not None else None
            if stored is not None and stored.models:
                self._catalog, self._stamp = stored, stamp
            else:
                from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot

                self._install(self._build(load_snapshot(), {})[0])
        assert self._catalog is not None
        return self._catalog

    def selector(self, adjuster: ScoreAdjuster | None = None) -> Selector:
        """A selector over the current catalog (cached when no adjuster is given)."""
        catalog = self.current()
        if adjuster is not None:
            return Selector(catalog, adjuster)
        if self._selector is None or self._selector.catalog is not catalog:
            self._selector = Selector(catalog)
        return self._selector

    def effort_of(self, model_id: str) -> str | None:
        """The reasoning effort a model was scored at (for an executor's ``effort_lookup``:
        sent as ``reasoning.effort`` so the model runs as it was measured); None when the
        catalog has no such model or no measured effort for it."""
        model = self.selector().by_id.get(bare_model_id(model_id))
        return model.effort if model is not None else None

    @property
    def refreshing(self) -> bool:
        return self._lock.locked()

    async def refresh(
        self,
        *,
        source_dir: Path | None = None,
        live: bool | None = None,
        import_csv: Iterable[Path] = (),
        http: httpx.AsyncClient | None = None,
    ) -> RefreshReport:
        """Rebuild the catalog. Order of preference per source: raw files in ``source_dir``,
        a live pull (when ``live``, default ``settings.live_sources``), the bundled snapshot."""
        # The sources, enrichment and httpx load here, not at import: reading the stored catalog
        # (every pick) needs none of them, and the CLI starts faster without.
        from smart_spawn_plugin.engine.catalog.enrichment import CATALOG_SOURCE
        from smart_spawn_plugin.engine.catalog.sources.registry import (
            from_source_dir,
            load_snapshot,
        )

        if source_dir is not None and not source_dir.is_dir():
            raise InvalidParam(f"source dir {source_dir} does not exist", field="source_dir")
        for path in import_csv:
            self.import_openmark(path)
        async with self._lock:
            start = time.perf_counter()
            pulls: dict[str, SourceData] = dict(load_snapshot())
            errors: dict[str, str] = {}
            origin = "snapshot"
            if source_dir is not None:
                pulls.update(await asyncio.to_thread(from_source_dir, source_dir))
                origin = "files"
            elif live if live is not None else self.settings.live_sources:
                origin = "live"
                pulled = await self._fetch(http)
                for name, result in pulled.items():
                    if isinstance(result, SourceError):
                        errors[name] = result.message
                    else:
                        pulls[name] = result
            catalog, _ = await asyncio.to_thread(self._build, pulls, errors)
            if CATALOG_SOURCE in errors:
                # Without the catalog source nothing new is known about models or prices: keep
                # the last good catalog (the stored one in a fresh process) and its lastRefresh;
                # only the per-source status records the failure.
                kept = self.current()
                catalog = kept.model_copy(update={"sources": catalog.sources})
            self._install(catalog)
            seconds = round(time.perf_counter() - start, 3)
            log.info(
                "catalog_refreshed", origin=origin, models=len(catalog.models), seconds=seconds
            )
            return RefreshReport(
                ok=CATALOG_SOURCE not in errors,
                model_count=len(catalog.models),
                origin=origin,
                seconds=seconds,
                sources=catalog.sources,
                errors=errors,
            )

    async def _fetch(self, http: httpx.AsyncClient | None) -> dict[str, SourceData | SourceError]:
        import httpx

        from smart_spawn_plugin.engine.catalog.sources.registry import fetch_all

        timeout = self.settings.source_timeout
        if http is not None:
            return await fetch_all(http, timeout=timeout, settings=self.settings)
        async with httpx.AsyncClient(timeout=httpx.Timeout(timeout)) as client:
            return await fetch_all(client, timeout=timeout, settings=self.settings)

    def _build(
        self, pulls: dict[str, SourceData], errors: dict[str, str]
    ) -> tuple[Catalog, dict[str, object]]:
        from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
        from smart_spawn_plugin.engine.catalog.sources.openmark import OpenMarkSource

        extra = []
        if self.openmark_dir.is_dir() and any(self.openmark_dir.glob("*.csv")):
            extra.append(OpenMarkSource().from_files(self.openmark_dir))
        catalog, reports = build_catalog(pulls, extra=extra)
        for name, message in errors.items():
            previous = catalog.sources.get(name) or SourceStatus()
            catalog.sources[name] = previous.model_copy(
                update={"status": "stale", "error": message}
            )
        return catalog, dict(reports)

    def _install(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._selector = None
        if self.store is not None:
            self.store.save(catalog)
            self._stamp = self.store.stamp()

    def follow(self) -> bool:
        """Load the stored catalog if another process (another replica's refresh) saved a newer
        one since this one was loaded; return whether it did."""
        if self.store is None or self._catalog is None:
            return False
        stamp = self.store.stamp()
        if stamp is None or stamp == self._stamp:
            return False
        stored = self.store.load()
        if stored is None or not stored.models:
            return False
        self._catalog, self._stamp, self._selector = stored, stamp, None
        log.info("catalog_followed", models=len(stored.models))
        return True

    def import_openmark(self, path: Path) -> Path:
        """Validate an OpenMark CSV and copy it into the home directory so every later refresh
        includes it. Raises InvalidParam naming the file when it cannot be parsed."""
        if not path.is_file():
            raise InvalidParam(f"--import-csv: {path} is not a file", field="import_csv")
        try:
            from smart_spawn_plugin.engine.catalog.sources.openmark import parse_openmark_csv

            task_name, *_ = parse_openmark_csv(path.read_text(encoding="utf-8"))
        except (SourceError, UnicodeDecodeError) as exc:
            raise InvalidParam(f"--import-csv: {path}: {exc}", field="import_csv") from exc
        self.openmark_dir.mkdir(parents=True, exist_ok=True)
        target = self.openmark_dir / f"{task_name}.csv"
        shutil.copyfile(path, target)
        return target
