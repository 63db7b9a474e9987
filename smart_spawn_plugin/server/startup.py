"""What the server does at start and just after: ready the first pick, load the rest later.

Start-up to the first answer was dominated by work no API request needs: importing the
dashboard, compiling its templates and loading the planner's tables (~1.3 s). Now:

* **before serving** (:func:`ready`, in the lifespan): the stored catalog, read once, and the
  task classifier — the two things every pick needs, so the first pick costs what later ones do;
* **after the first response** (or :data:`IDLE_S` without any request), in a thread
  (:func:`warm_in_background`): the dashboard (imported and its routes added then, see
  :class:`LazyDashboard`), its templates and the planner; then ``gc.freeze()`` moves everything
  loaded so far (catalog, classifier, templates) out of the cyclic GC's reach: a full collection
  otherwise rescans those long-lived objects and stalls a request ~150 ms every few dozen
  dashboard pages (``bench/dashboard.py``). Refcounting still frees them when replaced.

A dashboard request that arrives first loads the dashboard itself (:class:`LazyDashboard`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.server.fastpath import Entry, build_table
from smart_spawn_plugin.server.middleware import DASHBOARD_PREFIX, ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from fastapi import FastAPI

    from smart_spawn_plugin.runtime import Runtime

log = get_logger(__name__)

#: seconds the background warm-up waits for a first request before starting anyway
IDLE_S: Final = 1.0


def ready(runtime: Runtime) -> None:
    """Load what the first pick needs: the current catalog (stored, not rebuilt, when current)
    and the task classifier. Blocking; the lifespan runs it in a thread."""
    from smart_spawn_plugin.engine.classify.classifier import classify

    runtime.catalog.current()
    classify("load the classifier")


class Warmup:
    """The app's deferred loading: the dashboard's routes (added once, on first need) and the
    background warm-up. ``done`` is set when the warm-up has finished (benchmarks wait on it)."""

    def __init__(self, app: FastAPI, table: dict[tuple[str, str], Entry]) -> None:
        self.app = app
        self.table = table
        self.first_response = asyncio.Event()
        self.done = asyncio.Event()
        self._lock = threading.Lock()
        self._dashboard = False

    def include_dashboard(self) -> None:
        """Import the dashboard and add its routes to the app and to the fast path's table, as
        ``create_app`` does for the others (once; thread-safe)."""
        with self._lock:
            if self._dashboard:
                return
            from smart_spawn_plugin.server.dashboard import routes

            self.app.include_router(routes.router)
            self.table.update(build_table(routes.router.routes))
            self._dashboard = True

    def _warm(self) -> None:
        from smart_spawn_plugin.server.dashboard.render import warm_up

        self.include_dashboard()
        warm_up()

    async def run(self) -> None:
        """Wait for the first response (at most :data:`IDLE_S`), warm in a thread, freeze."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.first_response.wait(), IDLE_S)
        try:
            await asyncio.to_thread(self._warm)
        except Exception as exc:  # the pages load on first use instead; never fatal
            log.warning("warmup_failed", error=repr(exc))
        gc.freeze()
        self.done.set()


class LazyDashboard:
    """Middleware just outside the fast path: adds the dashboard's routes before the first
    ``/dashboard`` request reaches FastAPI's router, and tells the warm-up once a first
    response went out (cache hits need no telling: the first response is never one)."""

    def __init__(self, app: ASGIApp, warmup: Warmup) -> None:
        self.app = app
        self.warmup = warmup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DASHBOARD_PREFIX):
            self.warmup.include_dashboard()
        await self.app(scope, receive, send)
        if not self.warmup.first_response.is_set():
            self.warmup.first_response.set()
