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
    assert len(catalog.models) > 400
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
    services.catalog.current()
    results = await asyncio.gather(
        services.catalog.refresh(), services.catalog.refresh(), return_exceptions=True
    )
    assert all(not isinstance(r, BaseException) for r in results)
    assert not services.catalog.refreshing
