"""Scale-out benchmark: requests/s and p99 of ``GET /api/pick`` over 1 and 3 ``smart-spawn serve``
replicas, on SQLite (one shared file, in-process limits and cache) and on PostgreSQL + Redis.

    python bench/replicas.py [--replicas 1,3] [--connections 32] [--seconds 5] [--warmup 1]
    python bench/api.py --replicas 1,3          (the same, through the API benchmark)

PostgreSQL and Redis are real servers from Debian's packages, started in temporary directories
(tests/engines.py); the replicas are real processes (tests/cluster.py). A separate load-generator
process keeps N keep-alive connections spread round-robin over the replicas (closed loop). The
mix is uncached picks (``SMART_SPAWN_CACHE_TTL_S=0``, tasks rotating, so every request is
classified and ranked, and reads the feedback scores' change marker) with every
``--write-every``-th request (default 10; 0 for none) a rating write, which invalidates every
replica's memoised scores. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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

LOADGEN = r"""
import asyncio, json, sys, time
ports, conns, every = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[7])
seconds, warmup = float(sys.argv[3]), float(sys.argv[4])
paths, body = json.loads(sys.argv[5]), sys.argv[6].encode()
get = "GET {} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
post = ("POST /api/spawn-log/outcome HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % len(body)).encode() + body
reqs = [get.format(p).encode() for p in paths]
lat, statuses = [], {}
async def worker(i, start, stop):
    r, w = await asyncio.open_connection("127.0.0.1", ports[i % len(ports)])
    n = i
    while True:
        t0 = time.perf_counter()
        if t0 >= stop:
            break
        w.write(post if every and n % every == every - 1 else reqs[n % len(reqs)]); n += 1
        head = await r.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await r.readexactly(length)
        t1 = time.perf_counter()
        if t0 >= start:
            lat.append(t1 - t0)
            statuses[status] = statuses.get(status, 0) + 1
    w.close()
async def main():
    now = time.perf_counter()
    await asyncio.gather(*(worker(i, now + warmup, now + warmup + seconds) for i in range(conns)))
asyncio.run(main())
lat.sort()
n = len(lat)
pct = lambda q: round(lat[min(n - 1, int(q * n))] * 1000, 3) if n else None
print(json.dumps({"requests": n, "rps": round(n / seconds, 1), "p50_ms": pct(0.50),
                  "p99_ms": pct(0.99), "statuses": statuses}))
"""


@contextlib.contextmanager
def _engines(kind: str) -> Iterator[tuple[str | None, str | None]]:
    if kind == "sqlite":
        yield None, None
        return
    with postgres() as pg, redis() as rd:
        yield pg.create("bench"), rd.url


def run_one(kind: str, count: int, args: argparse.Namespace) -> dict[str, object]:
    env = {"SMART_SPAWN_RATE_LIMIT": str(10**9), "SMART_SPAWN_CACHE_TTL_S": "0"}
    paths = [f"/api/pick?task={quote(t)}" for t in TASKS]
    with (
        tempfile.TemporaryDirectory() as root,
        _engines(kind) as (db, cache),
        cluster(Path(root), count, database_url=db, redis_url=cache, extra_env=env) as group,
    ):
        ports = [r.port for r in group.replicas]
        out = subprocess.run(
            [sys.executable, "-c", LOADGEN, json.dumps(ports), str(args.connections),
             str(args.seconds), str(args.warmup), json.dumps(paths), RATING,
             str(args.write_every)],
            check=True, capture_output=True, timeout=args.seconds + args.warmup + 120,
        )  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout)
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
            "round trips per pick — the rating tables' change marker (a blocking query on the "
            "event loop) and the shared rate-limit script — which caps one replica well below "
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
