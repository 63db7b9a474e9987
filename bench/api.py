"""API throughput benchmark: requests/s and p50/p99 latency of ``GET /api/pick`` on loopback.

    python bench/api.py [--connections 32] [--seconds 5] [--warmup 1]

Starts ``smart-spawn serve`` (the same parser and handler, via ``python -m
smart_spawn_plugin.server.serve``) on 127.0.0.1 on a free port, then a *second process*: a load
generator on raw asyncio sockets keeping N HTTP/1.1 keep-alive connections, each sending the
next request as soon as the previous response is read (closed loop, so load is bounded by N).
Two runs:

* ``cached``: the response cache on, one URL (every request after the first is a hit);
* ``uncached``: ``SMART_SPAWN_CACHE_TTL_S=0``; tasks rotate through a list, so every request is
  classified and picked.

The global rate limit is lifted for the run. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

TASKS = [
    "Refactor the auth module to use JWT",
    "Write a haiku about autumn",
    "Prove that the square root of 2 is irrational",
    "Summarise this research paper on transformers",
    "Describe what is in this screenshot",
    "Translate this paragraph to French",
    "Build a React dashboard with charts",
    "Find the bug in this SQL query",
]

LOADGEN = r"""
import asyncio, json, sys, time
host, port, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seconds, warmup = float(sys.argv[4]), float(sys.argv[5])
paths = json.loads(sys.argv[6])
tmpl = "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: keep-alive\r\n\r\n"
reqs = [tmpl.format(p, host).encode() for p in paths]
lat, errors, statuses = [], 0, {}
async def worker(i, start, stop):
    global errors
    r, w = await asyncio.open_connection(host, port)
    n = i
    while True:
        t0 = time.perf_counter()
        if t0 >= stop:
            break
        w.write(reqs[n % len(reqs)]); n += 1
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
    start, stop = now + warmup, now + warmup + seconds
    await asyncio.gather(*(worker(i, start, stop) for i in range(conns)))
asyncio.run(main())
lat.sort()
n = len(lat)
pct = lambda q: round(lat[min(n - 1, int(q * n))] * 1000, 3) if n else None
print(json.dumps({"requests": n, "rps": round(n / seconds, 1), "p50_ms": pct(0.50),
                  "p99_ms": pct(0.99), "statuses": statuses}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def run(label: str, paths: list[str], args: argparse.Namespace, cache: bool) -> dict[str, object]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMART_SPAWN_")}
    env["SMART_SPAWN_RATE_LIMIT"] = str(10**9)
    env["SMART_SPAWN_CACHE_TTL_S"] = "60" if cache else "0"
    with tempfile.TemporaryDirectory() as home:
        server = subprocess.Popen(
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
        try:
            _wait_ready(port, server)
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    LOADGEN,
                    "127.0.0.1",
                    str(port),
                    str(args.connections),
                    str(args.seconds),
                    str(args.warmup),
                    json.dumps(paths),
                ],
                check=True,
                capture_output=True,
                timeout=args.seconds + args.warmup + 120,
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
    result: dict[str, object] = json.loads(out.stdout)
    result["label"] = label
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    try:
        import httptools  # noqa: F401

        http = "httptools"
    except ImportError:
        http = "h11"
    cached = run("cached", [f"/api/pick?task={quote(TASKS[0])}"], args, cache=True)
    uncached = run("uncached", [f"/api/pick?task={quote(t)}" for t in TASKS], args, cache=False)
    print(
        json.dumps(
            {
                "endpoint": "GET /api/pick",
                "connections": args.connections,
                "seconds": args.seconds,
                "server": {"loop": loop, "http": http, "workers": 1},
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "cached": cached,
                "uncached": uncached,
                "targets_rps": {"cached": 3000, "uncached": 1000},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
