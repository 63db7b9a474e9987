"""What the server does at start and just after: ready the first pick, load the rest later.

Start-up to the first answer was dominated by work no API request needs: importing and building
FastAPI (~0.15 s), importing the dashboard, compiling its templates and loading the planner's
tables (~1.3 s). Now:

* **before serving** (:func:`ready`, in the lifespan): the stored catalog, read once, and the
  task classifier — the two things every pick needs, so the first pick costs what later ones do;
  the fast path answers every API route from then on (``fastpath``);
* **after the first response** (or :data:`IDLE_S` without any request), in a thread
  (:meth:`Warmup.run`): the classifier's embedding engines (their own thread), FastAPI
  (``app.Api.fastapi``), the dashboard (its routes added then), its
  templates and the planner; then ``gc.freeze()`` moves everything loaded so far (catalog,
  classifier, templates) out of the cyclic GC's reach: a full collection otherwise rescans
  those long-lived objects and stalls a request ~150 ms every few dozen dashboard pages
  (``bench/dashboard.py``). Refcounting still frees them when replaced.

A request that needs FastAPI or the dashboard before that builds them itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.log import get_logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI

    from smart_spawn_plugin.runtime import Runtime

log = get_logger(__name__)

#: seconds the background warm-up waits for a first request before starting anyway
IDLE_S: Final = 1.0


def ready(runtime: Runtime) -> None:
    """Load what the first pick needs: the current catalog (stored, not rebuilt, when current)
    and the task classifier. Blocking; the lifespan runs it in a thread. The classifier's
    embedding engines (USE: ~0.9 s, ~0.25 s from the home's prepared copy; GIL-bound) wait for
    the warm-up: picks until then are classified without them (and say so)."""
    from smart_spawn_plugin.engine.classify.classifier import classify, defer_heads

    runtime.catalog.current()
    defer_heads()
    classify("load the classifier")


class Warmup:
    """The app's deferred loading: the dashboard's routes (added once, on first need) and the
    background warm-up. ``first_response`` is set by the app once it has answered;
    ``done`` when the warm-up has finished (benchmarks wait on it)."""

    def __init__(self, fastapi: Callable[[], FastAPI]) -> None:
        """``fastapi`` returns the app's FastAPI app, building it on first call."""
        self.fastapi = fastapi
        self.first_response = asyncio.Event()
        self.done = asyncio.Event()
        self._lock = threading.Lock()
        self._dashboard = False

    def include_dashboard(self) -> None:
        """Import the dashboard and add its routes to FastAPI's app (once; thread-safe)."""
        with self._lock:
            if self._dashboard:
                return
            from smart_spawn_plugin.server.dashboard import routes

            self.fastapi().include_router(routes.router)
            self._dashboard = True

    def _warm(self) -> None:
        from smart_spawn_plugin.engine.classify.classifier import preload_heads
        from smart_spawn_plugin.server.dashboard.render import warm_up

        preload_heads()  # the classifier's embedding engines, in their own thread
        self.include_dashboard()  # builds FastAPI first
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
