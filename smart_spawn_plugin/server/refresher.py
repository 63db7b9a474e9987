"""One catalog refresh at a time, shared by ``POST /refresh`` and the 6-hour timer.

:meth:`Refresher.start` starts a refresh in the background and returns ``False`` instead when
one is already running (started here or holding the catalog service's lock elsewhere). When a
refresh finishes, ``on_done`` runs (the server drops its response cache). A failed refresh is
logged and leaves the last good catalog in place — the catalog service never installs a
catalog whose catalog source failed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from smart_spawn_plugin.engine.catalog.service import CatalogService, RefreshReport
from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.log import get_logger

log = get_logger(__name__)


class Refresher:
    """Background refreshes of one :class:`CatalogService`."""

    def __init__(self, catalog: CatalogService, on_done: Callable[[], None]) -> None:
        self.catalog = catalog
        self.on_done = on_done
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
        self.last, self.last_error = report, None
        self.on_done()
        return report

    async def run_periodically(self, interval: float, *, live: bool | None = None) -> None:
        """Refresh every ``interval`` seconds until cancelled, skipping a beat if one is
        already running."""
        while True:
            await asyncio.sleep(interval)
            if self.start(live=live):
                await self.wait()

    async def close(self) -> None:
        """Cancel a running background refresh (on shutdown)."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
