"""Dashboard page latency (server time) on the bundled catalog.

    python bench/dashboard.py [--repeat 30]

Builds the app over a fresh temporary home (catalog from the bundled snapshot, a few logged
spawns), runs its lifespan (catalog and classifier before serving, then the dashboard's
background warm-up, awaited, as ``smart-spawn serve`` does), then
requests every page in process through the whole ASGI stack (middleware included). For each
page: the first request after start-up (``first_ms``) and p50/p95/max over ``--repeat`` more.
``cold_first_ms`` is the landing page on an app whose lifespan never ran (templates and the
classifier loaded by that request). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smart_spawn_plugin.log import configure
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord, SpawnUsage

PAGES = {
    "try": "/dashboard",
    "try_card": "/dashboard?task=Refactor+the+auth+module+to+use+JWT",
    "try_swarm": "/dashboard?task=Research+vector+databases%2C+then+write+a+report"
    "+and+build+a+demo&view=swarm",
    "frontier": "/dashboard/frontier?category=coding&budget=medium",
    "sources": "/dashboard/sources",
    "spend": "/dashboard/spend",
    "ratings": "/dashboard/ratings",
    "config": "/dashboard/config",
}


def _seed(services: Runtime) -> None:
    log = SpawnLogStore(services.db)
    for i in range(40):
        row = log.log(
            SpawnRecord(
                model="openai/gpt-5-mini",
                category="coding",
                prompt_price=0.25,
                completion_price=2.0,
            )
        )
        log.finish(
            row.id, SpawnUsage(prompt_tokens=1000 + i, completion_tokens=300, duration_ms=900)
        )


async def _time(client: httpx.AsyncClient, path: str) -> float:
    start = time.perf_counter()
    response = await client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return elapsed


async def main(repeat: int) -> dict[str, object]:
    config = ServerSettings(access_log=False, background_refresh=False, rate_limit=1_000_000)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp, Runtime.open(home=Path(tmp)) as services:
        services.catalog.current()
        _seed(services)
        cold = create_app(services, config)
        transport = httpx.ASGITransport(app=cold)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            results["cold_first_ms"] = round(await _time(client, PAGES["try"]), 2)

    with tempfile.TemporaryDirectory() as tmp, Runtime.open(home=Path(tmp)) as services:
        _seed(services)
        app = create_app(services, config)
        start = time.perf_counter()
        async with app.lifespan():
            results["startup_ms"] = round((time.perf_counter() - start) * 1000, 1)
            # the dashboard's warm-up runs after start-up (server.startup): time it, then measure
            # pages as a browser sees them a few seconds after start
            await app.state.warmup.done.wait()
            results["background_warmup_ms"] = round((time.perf_counter() - start) * 1000, 1)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                pages: dict[str, dict[str, float]] = {}
                for name, path in PAGES.items():
                    first = await _time(client, path)
                    runs = sorted([await _time(client, path) for _ in range(repeat)])
                    pages[name] = {
                        "first_ms": round(first, 2),
                        "p50_ms": round(statistics.median(runs), 2),
                        "p95_ms": round(runs[min(len(runs) - 1, int(len(runs) * 0.95))], 2),
                        "max_ms": round(runs[-1], 2),
                    }
        results["pages"] = pages
    landing = pages["try"]["first_ms"]
    results["first_page_under_100ms"] = landing < 100
    results["models"] = len(services.catalog.current().models)
    results["repeat"] = repeat
    results["python"] = platform.python_version()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    configure(level="WARNING")  # logs to stderr; stdout carries only the JSON
    print(json.dumps(asyncio.run(main(parser.parse_args().repeat)), indent=2))
