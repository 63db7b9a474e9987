import asyncio

import httpx
import pytest

from smart_spawn_plugin.runtime import Runtime


@pytest.fixture
def services(tmp_path):
    with Runtime.open(home=tmp_path / "home") as s:
        yield s


def test_first_run_builds_from_snapshot_and_saves(services, tmp_path):
    catalog = services.catalog.current()
    assert len(catalog.models) > 350  # text chat models only (issue 10, defect 8)
    # a second process reads the saved catalog instead of rebuilding
    with Runtime.open(home=tmp_path / "home") as again:
        assert again.catalog.store is not None
        stored = again.catalog.store.load()
        assert stored is not None and len(stored.models) == len(catalog.models)


async def test_live_refresh_failure_keeps_last_good_catalog(services):
    before = services.catalog.current()

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="maintenance")

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        report = await services.catalog.refresh(live=True, http=http)
    assert not report.ok
    assert "openrouter" in report.errors
    after = services.catalog.current()
    assert len(after.models) == len(before.models)
    assert after.sources["openrouter"].status == "stale"
    assert "503" in (after.sources["openrouter"].error or "")


async def test_one_refresh_at_a_time(services):
    """Two refreshes started together never overlap: the second only reaches the sources once
    the first has finished. Every source request parks on a gate the test opens, so an
    overlapping second refresh would show up as a second catalog request while the gate is shut.
    """
    services.catalog.current()
    gate = asyncio.Event()
    catalog_requests: list[str] = []

    async def parked(request: httpx.Request) -> httpx.Response:
        if request.url.host == "openrouter.ai":
            catalog_requests.append(str(request.url))
        await gate.wait()
        return httpx.Response(503, text="maintenance")

    async with httpx.AsyncClient(transport=httpx.MockTransport(parked)) as http:
        first = asyncio.create_task(services.catalog.refresh(live=True, http=http))
        second = asyncio.create_task(services.catalog.refresh(live=True, http=http))
        # Give both tasks every chance to reach the sources (a bounded number of event-loop
        # turns, not a wall-clock wait): without the lock both would be parked on the gate.
        for _ in range(200):
            await asyncio.sleep(0)
        assert len(catalog_requests) == 1, "a second refresh ran while the first was running"
        assert services.catalog.refreshing
        gate.set()
        reports = await asyncio.gather(first, second)
    assert len(catalog_requests) == 2  # the second refresh ran, after the first
    assert [r.errors.keys() >= {"openrouter"} for r in reports] == [True, True]
    assert not services.catalog.refreshing


def test_effort_of_for_the_executor(services):
    """Issue 10, defect 3: the executor's ``effort_lookup`` reads the scored effort."""
    catalog = services.catalog.current()
    with_effort = next(m for m in catalog.models if m.effort is not None)
    assert services.catalog.effort_of(with_effort.id) == with_effort.effort
    assert services.catalog.effort_of("openrouter/" + with_effort.id) == with_effort.effort
    assert services.catalog.effort_of("nope/missing") is None


async def test_live_refresh_failure_in_a_new_process_keeps_the_stored_catalog(tmp_path):
    """A CLI ``refresh --live`` with no network opens the store and refreshes at once: the stored
    catalog (here with one model less than the snapshot builds, as after an import) must survive,
    with its lastRefresh, and the report must say which sources failed."""
    home = tmp_path / "home"
    with Runtime.open(home=home) as first:
        built = first.catalog.current()
        trimmed = built.model_copy(update={"models": built.models[1:]})
        assert first.catalog.store is not None
        first.catalog.store.save(trimmed)

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no network", request=request)

    with Runtime.open(home=home) as fresh:
        async with httpx.AsyncClient(transport=httpx.MockTransport(offline)) as http:
            report = await fresh.catalog.refresh(live=True, http=http)
        kept = fresh.catalog.current()
    assert not report.ok
    assert "openrouter" in report.errors
    assert report.model_count == len(trimmed.models)
    assert [m.id for m in kept.models] == [m.id for m in trimmed.models]
    assert kept.last_refresh == trimmed.last_refresh
    with Runtime.open(home=home) as later:
        assert later.catalog.store is not None
        stored = later.catalog.store.load()
        assert stored is not None and len(stored.models) == len(trimmed.models)
