"""Bounded soak of a real ``smart-spawn serve``: mixed picks, ratings and bad inputs; prints JSON.

    python bench/soak.py [--seconds 30] [--connections 16] [--seed 7]

Starts ``python -m smart_spawn_plugin.server.serve`` (the ``smart-spawn serve`` parser and
handler) on 127.0.0.1 on a free port in a fresh home, with the per-client rate limit lifted,
then runs ``--connections`` closed-loop clients for ``--seconds``. Each request is drawn (seeded)
from a mix of:

* reads: a cached pick (one URL), uncached picks (rotating tasks, budgets, context tags),
  recommend, models, compare, status, health, roles/compose, decompose, swarm;
* writes: ratings (``POST /spawn-log/outcome``, each acknowledged one remembered), community
  reports, spawn-log entries;
* bad inputs that must be 4xx, never 5xx: over-long ``context``, ``minContext`` out of range,
  a lone UTF-16 surrogate, invalid JSON, a body over 1 MiB, control characters, unknown enum
  values, deep nesting, an over-long query string, a missing task.

Reported: requests, status counts, ``5xx`` (must be 0), ``hangs`` (no answer within
``--timeout`` seconds), p50/p99 latency (all requests and ``/health`` alone — the event loop's
responsiveness while heavy work runs), bad inputs that were not 4xx, and ``lost_rows``: ratings
acknowledged with 200 but missing from the store after the server has stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

TASKS = [
    "Refactor the auth module to use JWT",
    "Write a haiku about autumn",
    "Prove that the square root of 2 is irrational",
    "Summarise this research paper on transformers",
    "Describe what is in this screenshot",
    "Translate this paragraph to French",
    "Build a React dashboard with charts",
    "Find the bug in this SQL query",
    "Plan a migration from MySQL to PostgreSQL and then write the scripts and test them",
]
CATEGORIES = ["coding", "reasoning", "creative", "research", "general", "fast-cheap", "vision"]
BUDGETS = ["low", "medium", "high", "any"]


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    hangs: int = 0
    transport_errors: Counter[str] = field(default_factory=Counter)
    bad_not_4xx: Counter[str] = field(default_factory=Counter)
    five_xx: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)


Request = tuple[str, str, str, dict[str, Any]]  # kind, method, path, httpx kwargs


def _draw(rng: random.Random, models: list[str]) -> Request:
    roll = rng.random()
    task = rng.choice(TASKS)
    if roll < 0.25:
        return "pick_cached", "GET", "/api/pick", {"params": {"task": TASKS[0]}}
    if roll < 0.40:
        params = {"task": task, "budget": rng.choice(BUDGETS)}
        if rng.random() < 0.3:
            params["context"] = rng.choice(["react", "python,django", "rust,tokio,async"])
        return "pick", "GET", "/api/pick", {"params": params}
    if roll < 0.45:
        return "recommend", "GET", "/api/recommend", {"params": {"task": task, "count": "3"}}
    if roll < 0.48:
        return "models", "GET", "/api/models", {"params": {"category": rng.choice(CATEGORIES)}}
    if roll < 0.50:
        pair = ",".join(rng.sample(models, 2))
        return "compare", "GET", "/api/compare", {"params": {"models": pair}}
    if roll < 0.53:
        return "status", "GET", "/api/status", {}
    if roll < 0.58:
        return "health", "GET", "/api/health", {}
    if roll < 0.61:
        body = {"task": task, "persona": "software-engineer", "stack": ["react"]}
        return "compose", "POST", "/api/roles/compose", {"json": body}
    if roll < 0.64:
        path = rng.choice(["/api/decompose", "/api/swarm"])
        return "plan", "POST", path, {"json": {"task": TASKS[-1], "budget": "medium"}}
    if roll < 0.78:
        body = {
            "model": rng.choice(models),
            "category": rng.choice(CATEGORIES),
            "rating": rng.randint(1, 5),
        }
        return "rating", "POST", "/api/spawn-log/outcome", {"json": body}
    if roll < 0.81:
        body = {
            "model": rng.choice(models),
            "category": rng.choice(CATEGORIES),
            "rating": rng.randint(1, 5),
            "instanceId": f"i{rng.randint(0, 9)}",
        }
        return "community", "POST", "/api/community/report", {"json": body}
    if roll < 0.84:
        body = {"model": rng.choice(models), "category": rng.choice(CATEGORIES)}
        return "spawn_log", "POST", "/api/spawn-log", {"json": body}
    return _bad(rng)


def _bad(rng: random.Random) -> Request:
    """One request that must be answered 4xx."""
    options: list[Request] = [
        ("bad", "GET", "/api/pick", {"params": {"task": "x", "context": "t," * 5000}}),
        ("bad", "GET", "/api/pick", {"params": {"task": "x", "minContext": "99999999999"}}),
        ("bad", "GET", "/api/pick", {"params": {"task": "x", "budget": "huge"}}),
        ("bad", "GET", "/api/pick", {"params": {"task": "a\x00b"}}),
        ("bad", "GET", "/api/pick", {}),
        ("bad", "GET", "/api/health", {"params": {"junk": "y" * 20_000}}),
        ("bad", "GET", "/api/recommend", {"params": {"task": "x", "require": "telepathy"}}),
        ("bad", "GET", "/api/compare", {"params": {"models": "only-one"}}),
        (
            "bad",
            "POST",
            rng.choice(["/api/decompose", "/api/swarm", "/api/roles/compose"]),
            {
                "content": b'{"task": "a \\ud800 b"}',
                "headers": {"content-type": "application/json"},
            },
        ),
        ("bad", "POST", "/api/decompose", {"content": b"{not json"}),
        # (``"stack": "react"`` on roles/compose is issue 11 item 19, the composer's own
        # validation; not part of this mix until that lands)
        ("bad", "POST", "/api/spawn-log/outcome", {"json": {"model": "a/b", "rating": 9}}),
        ("bad", "POST", "/api/spawn-log/outcome", {"json": {"model": "../../etc", "rating": 3}}),
        ("bad", "POST", "/api/swarm", {"content": b"[" * 5000 + b"]" * 5000}),
        ("bad", "POST", "/api/decompose", {"content": b"x" * (1024 * 1024 + 10)}),
    ]
    return rng.choice(options)


async def _client(
    http: httpx.AsyncClient, rng: random.Random, models: list[str], stop: float, tally: Tally
) -> None:
    while time.monotonic() < stop:
        kind, method, path, kwargs = _draw(rng, models)
        tally.kinds[kind] += 1
        start = time.perf_counter()
        try:
            response = await http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            tally.hangs += 1
            continue
        except httpx.HTTPError as exc:
            tally.transport_errors[f"{kind} {path}: {type(exc).__name__}"] += 1
            continue
        elapsed = time.perf_counter() - start
        tally.latencies.append(elapsed)
        if kind == "health":
            tally.health.append(elapsed)
        status = response.status_code
        tally.statuses[status] += 1
        if status >= 500:
            tally.five_xx[f"{method} {path} {status}"] += 1
        if kind == "bad" and not 400 <= status < 500:
            tally.bad_not_4xx[f"{method} {path} {status}"] += 1
        if kind == "rating" and status == 200:
            data = response.json()["data"]
            tally.acknowledged[(data["model"], data["category"], int(data["rating"]))] += 1


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}")
            try:
                if (await http.get("/api/pick", params={"task": "coding"})).status_code == 200:
                    return
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
    raise SystemExit("server did not start")


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    home = tempfile.mkdtemp(prefix="soak-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMART_SPAWN_")}
    env["SMART_SPAWN_RATE_LIMIT"] = str(10**9)
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [
            sys.executable,
            "-m",
            "smart_spawn_plugin.server.serve",
            "--home",
            home,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tally = Tally()
    try:
        await _wait_ready(base, server)
        limits = httpx.Limits(max_connections=args.connections)
        async with httpx.AsyncClient(base_url=base, timeout=args.timeout, limits=limits) as http:
            listed = (await http.get("/api/models", params={"limit": "60"})).json()["data"]
            models = [m["id"] for m in listed]
            stop = time.monotonic() + args.seconds
            rngs = [random.Random(args.seed * 1000 + i) for i in range(args.connections)]
            await asyncio.gather(*(_client(http, r, models, stop, tally) for r in rngs))
    finally:
        server.terminate()
        try:
            exit_code: int | None = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            exit_code = None
    stored: Counter[tuple[str, str, int]] = Counter()
    from smart_spawn_plugin.settings import Settings

    with sqlite3.connect(Settings(home=Path(home)).db_path) as db:
        for model, category, rating in db.execute("SELECT model, category, rating FROM ratings"):
            stored[(model, category, int(rating))] += 1
    lost = sum((tally.acknowledged - stored).values())
    total = sum(tally.statuses.values())
    return {
        "seconds": args.seconds,
        "connections": args.connections,
        "requests": total + tally.hangs + sum(tally.transport_errors.values()),
        "rps": round(total / args.seconds, 1),
        "by_kind": dict(tally.kinds),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "5xx": sum(tally.five_xx.values()),
        "5xx_detail": dict(tally.five_xx),
        "hangs": tally.hangs,
        "transport_errors": dict(tally.transport_errors),
        "bad_inputs_not_4xx": dict(tally.bad_not_4xx),
        "p50_ms": _pct(tally.latencies, 0.50),
        "p99_ms": _pct(tally.latencies, 0.99),
        "health_p50_ms": _pct(tally.health, 0.50),
        "health_p99_ms": _pct(tally.health, 0.99),
        "ratings_acknowledged": sum(tally.acknowledged.values()),
        "ratings_stored": sum(stored.values()),
        "lost_rows": lost,
        "server_exit_code": exit_code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=10.0, help="a hang after this")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    result = asyncio.run(soak(args))
    print(json.dumps(result, indent=2))
    ok = not result["5xx"] and not result["hangs"] and not result["lost_rows"]
    raise SystemExit(0 if ok and not result["bad_inputs_not_4xx"] else 1)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
