"""One catalog refresh at a time, shared by ``POST /refresh`` and the 6-hour timer.

:meth:`Refresher.start` starts a refresh in the background and returns ``False`` instead when
one is already running (started here or holding the catalog service's lock elsewhere). When a
refresh finishes, ``on_done`` runs (the server drops its response cache). A failed refresh is
logged and leaves the last good catalog in place — the catalog service never installs a
catalog whose catalog source failed.

Across replicas, :meth:`Refresher.try_start` first takes the shared refresh lock
(``store.shared``): one refresh runs across all of them, and the others answer "already in
progress". :meth:`Refresher.follow_periodically` makes every replica load the catalog another
one saved (its stored write stamp changed) and drop its cached responses.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Final

from smart_spawn_plugin.engine.catalog.service import CatalogService, RefreshReport
from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.store.shared import EVERYTHING, SharedState

#: The shared lock's name and lifetime (a holder that dies frees it after this long).
LOCK: Final = "refresh"
LOCK_TTL_S: Final = 600.0

log = get_logger(__name__)


class Refresher:
    """Background refreshes of one :class:`CatalogService`."""

    def __init__(
        self,
        catalog: CatalogService,
        on_done: Callable[[], None],
        shared: SharedState | None = None,
    ) -> None:
        self.catalog = catalog
        self.on_done = on_done
        self.shared = shared
        self._holds_lock = False
        self._task: asyncio.Task[RefreshReport | None] | None = None
        self.last: RefreshReport | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return (self._task is not None and not self._task.done()) or self.catalog.refreshing

    def start(self, *, live: bool | None = None) -> bool:
        """Start a refresh in the background; ``False`` if one is already running."""
        if self.running:
            return False
        self._task = asyncio.get_running_loop().create_task(self._run(live))
        return True

    async def try_start(self, *, live: bool | None = None) -> bool:
        """:meth:`start` once the shared refresh lock is ours; ``False`` when a refresh runs
        here or on another replica."""
        if self.running:
            return False
        if self.shared is not None:
            if not await self.shared.acquire(LOCK, LOCK_TTL_S):
                return False
            self._holds_lock = True
        if not self.start(live=live):
            await self._unlock()
            return False
        return True

    async def _unlock(self) -> None:
        if self._holds_lock and self.shared is not None:
            self._holds_lock = False
            await self.shared.release(LOCK)

    async def follow_periodically(self, interval: float) -> None:
        """Every ``interval`` seconds, load a catalog another replica saved (then ``on_done``)."""
        while True:
            await asyncio.sleep(interval)
            try:
                if not self.running and await asyncio.to_thread(self.catalog.follow):
                    self.on_done()
            except SmartSpawnError as exc:  # the database is down: keep serving this catalog
                log.warning("catalog_follow_failed", error=str(exc))

    async def wait(self) -> RefreshReport | None:
        """Wait for the running refresh, if any; its report (``None`` if it failed)."""
        task = self._task
        return None if task is None else await task

    async def _run(self, live: bool | None) -> RefreshReport | None:
        try:
            report = await self.catalog.refresh(live=live)
        except (SmartSpawnError, OSError, ValueError) as exc:
            self.last_error = str(exc)
            log.warning("refresh_failed", error=str(exc))
            return None
        finally:
            await self._unlock()
        self.last, self.last_error = report, None
        self.on_done()
        if self.shared is not None:
            # the other replicas drop their cached responses
            await self.shared.publish([EVERYTHING])
        return report

    async def run_periodically(self, interval: float, *, live: bool | None = None) -> None:
        """Refresh every ``interval`` seconds until cancelled, skipping a beat if one is
        already running."""
        while True:
            await asyncio.sleep(interval)
            if await self.try_start(live=live):
                await self.wait()

    async def close(self) -> None:
        """Cancel a running background refresh (on shutdown)."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
