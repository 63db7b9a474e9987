"""Scale-out benchmark: requests/s and p99 of ``GET /api/pick`` over 1 and 3 ``smart-spawn serve``
replicas, on SQLite (one shared file, in-process limits and cache) and on PostgreSQL + Redis.

    python bench/replicas.py [--replicas 1,3] [--connections 32] [--seconds 5] [--warmup 1]
    python bench/api.py --replicas 1,3          (the same, through the API benchmark)

PostgreSQL and Redis are real servers from Debian's packages, started in temporary directories
(tests/engines.py); the replicas are real processes (tests/cluster.py). A separate load-generator
process keeps N keep-alive connections spread round-robin over the replicas (closed loop). The
mix is uncached picks (``SMART_SPAWN_CACHE_TTL_S=0``, tasks rotating, so every request is
classified and ranked, and reads the ratings version) with every
``--write-every``-th request (default 10; 0 for none) a rating write, which invalidates every
replica's memoised scores. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import loadgen
from tests.cluster import cluster
from tests.engines import postgres, redis

TASKS = [
    "Refactor the auth module to use JWT",
    "Write a haiku about autumn",
    "Prove that the square root of 2 is irrational",
    "Summarise this research paper on transformers",
    "Translate this paragraph to French",
    "Find the bug in this SQL query",
]
RATING = json.dumps({"model": "openai/gpt-4o", "category": "coding", "rating": 4})
OUTCOME = loadgen.request("POST", "/api/spawn-log/outcome", RATING)


@contextlib.contextmanager
def _engines(kind: str) -> Iterator[tuple[str | None, str | None]]:
    if kind == "sqlite":
        yield None, None
        return
    with postgres() as pg, redis() as rd:
        yield pg.create("bench"), rd.url


def run_one(kind: str, count: int, args: argparse.Namespace) -> dict[str, object]:
    env = {"SMART_SPAWN_RATE_LIMIT": str(10**9), "SMART_SPAWN_CACHE_TTL_S": "0"}
    picks = [loadgen.request("GET", f"/api/pick?task={quote(t)}") for t in TASKS]
    with (
        tempfile.TemporaryDirectory() as root,
        _engines(kind) as (db, cache),
        cluster(Path(root), count, database_url=db, redis_url=cache, extra_env=env) as group,
    ):
        run = loadgen.run(
            [r.port for r in group.replicas], picks, connections=args.connections,
            seconds=args.seconds, warmup=args.warmup, every=args.write_every,
            every_request=OUTCOME,
        )  # fmt: skip
    keys = ("requests", "rps", "p50_ms", "p99_ms", "statuses")
    result: dict[str, object] = {k: run[k] for k in keys}
    result.update(backend=kind, replicas=count)
    return result


def run_replicas(counts: list[int], args: argparse.Namespace) -> dict[str, object]:
    """Every (backend, replica count) run, and what limits the figures."""
    runs = [run_one(kind, n, args) for kind in ("sqlite", "postgresql+redis") for n in counts]
    every = args.write_every
    return {
        "endpoint": "GET /api/pick (uncached)"
        + (f" + 1 in {every} POST /api/spawn-log/outcome" if every else ""),
        "load_average_at_end": os.getloadavg(),
        "connections": args.connections,
        "seconds": args.seconds,
        "machine": {"cpus": os.cpu_count()},
        "runs": runs,
        "note": (
            "On this 2-core machine (shared with other work: see load_average_at_end) the load "
            "generator, every replica and PostgreSQL and Redis share two cores. Picks are "
            "CPU-bound Python (classify + rank), so more replicas than cores add little "
            "throughput and more scheduling contention (p99 grows). PostgreSQL + Redis add two "
            "round trips per pick — the ratings version (a primary-key read, blocking the event "
            "loop) and the shared rate-limit script — which caps one replica well below "
            "SQLite's in-process reads. With ratings in the mix every rating drops every "
            "replica's memoised scores and the next pick per replica re-reads all of the user's "
            "ratings and builds a fresh selector with them: that engine cost, not the store, "
            "dominates the write mix on both backends."
        ),
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicas", default="1,3", help="comma-separated replica counts")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--write-every", type=int, default=10, help="every Nth request rates (0: none)")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    counts = [int(n) for n in str(args.replicas).split(",") if n.strip()]
    print(json.dumps(run_replicas(counts, args), indent=2))


if __name__ == "__main__":
    main()
