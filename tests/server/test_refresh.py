"""POST /refresh: key auth (constant-time), loopback-only without a key, one at a time, the
background timer."""

from __future__ import annotations

import asyncio

import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.refresher import Refresher
from tests.server.conftest import MakeApp
from tests.server.helpers import client_for, error, state


async def test_refresh_requires_key_when_set(tmp_path, monkeypatch, make_app: MakeApp) -> None:
    monkeypatch.setenv("REFRESH_API_KEY", "s3cret")
    with Runtime.open(home=tmp_path / "keyed") as services:
        app = make_app(services, refresh_limit=10)
        async with client_for(app, client=("203.0.113.5", 1)) as c:
            for headers in ({}, {"authorization": "Bearer nope"}, {"authorization": "s3cret"}):
                r = await c.post("/api/refresh", headers=headers)
                assert r.status_code == 401
                assert error(r)["code"] == "UNAUTHORIZED"
                assert r.headers["cache-control"] == "no-store"
            ok = await c.post("/api/refresh", headers={"authorization": "Bearer s3cret"})
            assert ok.status_code == 200
            assert ok.json() == {"data": {"started": True, "estimatedSeconds": 30}}
            busy = await c.post("/refresh", headers={"authorization": "Bearer s3cret"})
            assert busy.json() == {
                "data": {"started": False, "message": "Refresh already in progress"}
            }
            report = await state(app).refresher.wait()
            assert report is not None and report.model_count > 0


async def test_refresh_without_key_is_loopback_only(make_app: MakeApp) -> None:
    app = make_app()
    async with client_for(app, client=("203.0.113.5", 1)) as remote:
        r = await remote.post("/api/refresh")
        assert r.status_code == 401
    async with client_for(app) as local:
        assert (await local.post("/api/refresh")).status_code == 200
        await state(app).refresher.wait()


class SlowCatalog:
    """A catalog service whose refresh blocks until released, counting calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.refreshing = False

    async def refresh(self, live=None):
        self.calls += 1
        self.refreshing = True
        await self.release.wait()
        self.refreshing = False
        return


async def test_one_refresh_at_a_time_across_timer_and_manual() -> None:
    done = []
    catalog = SlowCatalog()
    refresher = Refresher(catalog, lambda: done.append(1))  # type: ignore[arg-type]
    assert refresher.start() is True
    assert refresher.start() is False
    timer = asyncio.create_task(refresher.run_periodically(0.001))
    for _ in range(20):
        await asyncio.sleep(0)
    assert catalog.calls == 1  # the timer skipped its beat while the manual refresh ran
    catalog.release.set()
    await refresher.wait()
    for _ in range(200):
        if catalog.calls >= 2:
            break
        await asyncio.sleep(0.001)
    timer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await timer
    await refresher.close()
    assert catalog.calls >= 2
    assert done


async def test_lifespan_starts_and_stops_timer(services: Runtime, make_app: MakeApp) -> None:
    services.settings.live_sources = True
    app = make_app(background_refresh=True, refresh_interval_s=3600)

    async def fake_refresh(**_: object) -> None:
        return None

    services.catalog.refresh = fake_refresh  # type: ignore[method-assign,assignment]
    async with app.lifespan():
        assert state(app).refresher.running or state(app).refresher.last is None
    assert not state(app).refresher.running
