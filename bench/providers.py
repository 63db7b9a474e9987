"""Provider-aware routing overhead: ``pick`` through the providers layer (quota availability
from the spawn log, shifts, overrides) against the plain recommender, over a seeded spawn log
of N rows with two quota-tracked providers. Prints one JSON object.

Two figures: repeated picks (the routing state is memoised while nothing is written), and a
pick right after a spawn is logged (the state is re-read: one aggregate query of the spawn log
window — the worst case of a busy agent).

    python bench/providers.py [--rows N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.providers.routing import ProviderAwareRecommender
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.db import utc_now
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord

TASK = "write a python function that parses ISO 8601 dates"
PROVIDERS = {
    "entries": {
        "anthropic": {
            "baseUrl": "http://127.0.0.1:9/v1",
            "models": ["anthropic/claude-test"],
            "quota": {"quotaSource": "self-tracked", "quotaType": "tokens", "limit": 1e12},
        },
        "openrouter": {
            "kind": "openrouter",
            "baseUrl": "https://openrouter.ai/api/v1",
            "quota": {"quotaSource": "self-tracked", "quotaType": "budget", "limit": 1e9},
        },
    }
}


async def _time(recommender: object, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        await recommender.pick(PickRequest(task=TASK))  # type: ignore[attr-defined]
        out.append((time.perf_counter() - start) * 1000)
    return out


async def _after_write(recommender: object, log: SpawnLogStore, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        log.log(SpawnRecord(model="anthropic/claude-test", category="coding", status="ok",
                            prompt_tokens=10, completion_tokens=3, cost_usd=0.0001))  # fmt: skip
        start = time.perf_counter()
        await recommender.pick(PickRequest(task=TASK))  # type: ignore[attr-defined]
        out.append((time.perf_counter() - start) * 1000)
    return out


async def main(rows: int, rounds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), providers=PROVIDERS)
        with Runtime.open(settings) as services:
            log = SpawnLogStore(services.db)
            now = utc_now()
            for i in range(rows):
                model = "anthropic/claude-test" if i % 3 else "openai/gpt-5.6-terra"
                log.log(SpawnRecord(model=model, category="coding", status="ok",
                                    prompt_tokens=1000, completion_tokens=300, cost_usd=0.01,
                                    created_at=now - timedelta(minutes=7 * i)))  # fmt: skip
            routed = services.recommender
            assert isinstance(routed, ProviderAwareRecommender)
            plain = routed.inner
            await _time(plain, 3)
            await _time(routed, 3)  # warm caches
            base = await _time(plain, rounds)
            layered = await _time(routed, rounds)
            written = await _after_write(routed, log, rounds)
            await services.aclose_http()
    return {
        "bench": "providers",
        "spawnLogRows": rows,
        "rounds": rounds,
        "pickMsP50": round(statistics.median(base), 3),
        "pickWithProvidersMsP50": round(statistics.median(layered), 3),
        "overheadMsP50": round(statistics.median(layered) - statistics.median(base), 3),
        "pickWithProvidersMsMax": round(max(layered), 3),
        "pickAfterSpawnLoggedMsP50": round(statistics.median(written), 3),
        "pickAfterSpawnLoggedMsMax": round(max(written), 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.rows, args.rounds))))
