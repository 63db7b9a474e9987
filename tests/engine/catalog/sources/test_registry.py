"""Registry: snapshot, source dir, concurrent fetch with cancellation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from smart_spawn_plugin.engine.catalog.sources import registry
from smart_spawn_plugin.engine.catalog.sources.base import SourceData
from smart_spawn_plugin.errors import SourceError
from smart_spawn_plugin.settings import Settings

from .conftest import FIXTURES


def test_snapshot_has_full_catalog() -> None:
    snap = registry.load_snapshot()
    assert len(snap["openrouter"].catalog) == 414
    assert {"artificial-analysis", "lmarena", "livebench", "hf-leaderboard"} <= set(snap)
    assert all(d.origin == "snapshot" for d in snap.values())


def test_snapshot_roundtrip_deterministic() -> None:
    data = registry.from_source_dir(FIXTURES)
    assert registry.dump_snapshot(data) == registry.dump_snapshot(data)
    back = registry.parse_snapshot(registry.dump_snapshot(data))
    assert back["openrouter"].catalog == data["openrouter"].catalog


def test_source_dir_missing_subdirs(tmp_path: Path) -> None:
    (tmp_path / "livebench").mkdir()
    for f in (FIXTURES / "livebench").iterdir():
        (tmp_path / "livebench" / f.name).write_text(f.read_text())
    assert set(registry.from_source_dir(tmp_path)) == {"livebench"}


async def test_fetch_all_cancels_slow_source(monkeypatch) -> None:
    class Slow:
        name = "openrouter"

        def from_files(self, directory: Path) -> SourceData:
            raise NotImplementedError

        async def fetch(self, http: httpx.AsyncClient) -> SourceData:
            await asyncio.Event().wait()  # never finishes unless cancelled
            raise AssertionError

    monkeypatch.setitem(registry.SOURCES, "openrouter", Slow())
    transport = httpx.MockTransport(lambda r: httpx.Response(503))
    async with httpx.AsyncClient(transport=transport) as http:
        result = await registry.fetch_all(http, timeout=0.05, settings=Settings())
    assert set(result) == set(registry.SOURCES)
    assert all(isinstance(v, SourceError) for v in result.values())
    assert "timed out" in str(result["openrouter"])
    assert "No API key" in str(result["artificial-analysis"])
