from __future__ import annotations

from datetime import UTC, datetime

from smart_spawn_plugin.models import Catalog, ModelRecord, Pricing, SourceStatus
from smart_spawn_plugin.store.catalog import CatalogStore

T0 = datetime(2025, 6, 1, tzinfo=UTC)
T1 = datetime(2025, 6, 2, tzinfo=UTC)


def _catalog(n: int = 3) -> Catalog:
    models = [
        ModelRecord(
            id=f"prov/model-{i}",
            name=f"Model {i}",
            provider="prov",
            context_length=128_000,
            pricing=Pricing(prompt=1.0 + i, completion=4.0),
            categories=["coding", "general"],
            scores={"coding": 70.0 + i % 20, "general": 60.0},
            benchmarks={"arena": 1200.0 + i},
        )
        for i in range(n)
    ]
    return Catalog(
        models=models,
        last_refresh=T0,
        sources={
            "openrouter": SourceStatus(status="ok", last_pull=T0, count=n, origin="live"),
            "lmarena": SourceStatus(
                status="ok", last_pull=T0, count=40, origin="snapshot", matched=30, match_rate=0.75
            ),
        },
        norm_params={"arena": (1200.0, 50.0)},
    )


def test_load_empty_store_is_none(conn) -> None:
    assert CatalogStore(conn).load() is None
    assert CatalogStore(conn).source_status() == {}


def test_save_load_roundtrip(conn) -> None:
    store = CatalogStore(conn)
    catalog = _catalog(400)
    store.save(catalog)
    loaded = store.load()
    assert loaded == catalog
    assert store.source_status()["lmarena"].match_rate == 0.75


def test_save_replaces_previous_catalog(conn) -> None:
    store = CatalogStore(conn)
    store.save(_catalog(5))
    store.save(_catalog(2))
    loaded = store.load()
    assert loaded is not None
    assert len(loaded.models) == 2
    assert conn.execute("SELECT COUNT(*) FROM catalog").fetchone()[0] == 1


def test_failed_refresh_keeps_last_good(conn) -> None:
    store = CatalogStore(conn)
    good = _catalog(4)
    store.save(good)

    status = store.record_source_failure("lmarena", "HTTP 503", now=T1)

    assert status.status == "stale"
    assert status.error == "HTTP 503"
    assert status.last_pull == T0  # the last good pull is kept
    assert status.count == 40
    assert status.origin == "snapshot"
    loaded = store.load()
    assert loaded is not None
    assert loaded.models == good.models  # the catalog itself is untouched
    assert loaded.sources["lmarena"].status == "stale"
    assert loaded.sources["openrouter"].status == "ok"


def test_failure_of_never_seen_source(conn) -> None:
    status = CatalogStore(conn).record_source_failure("livebench", "timeout")
    assert status == SourceStatus(status="stale", error="timeout", count=0, origin="none")


def test_successful_pull_after_failure_clears_error(conn) -> None:
    store = CatalogStore(conn)
    store.save(_catalog())
    store.record_source_failure("lmarena", "boom")
    store.record_source("lmarena", SourceStatus(status="ok", last_pull=T1, count=41, origin="live"))
    status = store.source_status()["lmarena"]
    assert (status.status, status.error, status.last_pull, status.count) == ("ok", None, T1, 41)
