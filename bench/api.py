"""API benchmark: req/s, p50 and p99 per route at 16 and 32 connections, response sizes,
start-up time and RSS of a real ``smart-spawn serve`` on 127.0.0.1. Prints one JSON object.

    python bench/api.py [--seconds 5] [--warmup 1] [--connections 16,32] [--loadgen auto]

The server is started with the same parser and handler as ``smart-spawn serve`` (``python -m
smart_spawn_plugin.server.serve``) on a free port, with the per-client rate limit lifted and
request logging off (``--log-level warning``). Load comes from a *separate process*: ``wrk``
when it is on PATH (``apt-get install wrk``; ``--loadgen wrk``), else a closed-loop Python
load generator on raw asyncio sockets (``--loadgen python``; it needs a core of its own, so on
a 2-core machine it under-reports). Routes, as in issue 12:

* ``GET /api/status``; ``POST /api/roles/compose``; cached ``GET /api/pick`` (one URL);
  ``GET /api/models?category=coding``; ``GET /api/recommend`` (one URL, cached);
* ``uncached_pick``: the response cache off (``SMART_SPAWN_CACHE_TTL_S=0``), eight tasks in
  rotation, so every request is classified and picked.

Also measured: response sizes (lean by default and with ``explain=full``); start-up to the first
200 on ``/api/pick`` from a fresh home (cold: the catalog is built) and again on the same home
(warm), with bytecode compiled beforehand as after a normal install (ours by ``compileall``,
the dependencies' by one untimed start; this machine sets ``PYTHONDONTWRITEBYTECODE``),
``--startup-runs`` times each (a fresh home per pair): the medians in ``startup_s``, every
sample with the server's CPU seconds up to that 200 (which, unlike wall time, hardly depends on
what else the machine runs) in ``startup_samples``; RSS (``VmRSS``) idle after start-up and
after all the load, and the peak (``VmHWM``); the server's CPU time per request
(``server_cpu_us_per_request``, from ``/proc``), which unlike req/s hardly depends on what else
the machine is running.
``original`` holds the original Smart Spawn's figures (issue 12's table) for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import loadgen

PICK_TASK = "Refactor the auth module to use JWT"
TASKS = [
    PICK_TASK,
    "Write a haiku about autumn",
    "Prove that the square root of 2 is irrational",
    "Summarise this research paper on transformers",
    "Describe what is in this screenshot",
    "Translate this paragraph to French",
    "Build a React dashboard with charts",
    "Find the bug in this SQL query",
]
COMPOSE_BODY = json.dumps(
    {"task": "Build a React dashboard", "persona": "frontend-engineer", "stack": ["react"]}
)
ROUTES: dict[str, tuple[str, str, str | None]] = {
    "status": ("GET", "/api/status", None),
    "roles_compose": ("POST", "/api/roles/compose", COMPOSE_BODY),
    "cached_pick": ("GET", f"/api/pick?task={quote(PICK_TASK)}", None),
    "models_coding": ("GET", "/api/models?category=coding", None),
    "recommend": ("GET", f"/api/recommend?task={quote(PICK_TASK)}", None),
}
#: the original Smart Spawn (TypeScript, Hono on Bun) on this machine, from issue 12
ORIGINAL: dict[str, Any] = {
    "rps": {
        "status": {"16": 5486, "32": 6150},
        "roles_compose": {"16": 3561, "32": 4849},
        "cached_pick": {"16": 6271, "32": 6856},
    },
    "bytes": {"models_coding": 45 * 1024, "recommend": int(3.4 * 1024), "roles_compose": 1536},
    "startup_s": {"cold": 0.59, "warm": 0.56},
    "rss_mib": {"idle": 181, "after_load": 549},
}
TARGETS: dict[str, Any] = {
    "rps": "≥ original",
    "bytes": "≤ original (lean default)",
    "startup_s": 0.5,
    "rss_mib": {"idle": 100, "after_load": 200},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(method: str, path: str, body: str | None, host: str = "127.0.0.1") -> bytes:
    return loadgen.request(method, path, body, host)


def _fetch(port: int, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        raw = _request(method, path, body).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
        s.sendall(raw)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, payload = data.partition(b"\r\n\r\n")
    return int(head[9:12]), payload


class Server:
    """``smart-spawn serve`` in a child process on a free port."""

    def __init__(self, home: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smart_spawn_plugin.server.serve",
                "--home",
                home,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_first_pick(self, timeout: float = 120.0) -> float:
        """Seconds from process start to the first 200 on ``/api/pick``."""
        deadline = time.monotonic() + timeout
        path = f"/api/pick?task={quote(PICK_TASK)}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}")
            try:
                status, _ = _fetch(self.port, "GET", path)
                if status == 200:
                    return time.perf_counter() - self.started_at
            except OSError:
                time.sleep(0.005)
        raise SystemExit("server did not answer /api/pick")

    def rss_mib(self) -> dict[str, float]:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        out = {}
        for key in ("VmRSS", "VmHWM"):
            found = re.search(rf"^{key}:\s+(\d+) kB", status, re.M)
            if found:
                out[key] = round(int(found.group(1)) / 1024, 1)
        return out

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the server has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 3)


def _wrk(
    server: Server, route: tuple[str, str, str | None], conns: int, args: argparse.Namespace
) -> dict[str, Any]:
    port = server.port
    method, path, body = route
    cmd = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{args.seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if body is not None:
            script.write(
                f"wrk.method = {json.dumps(method)}\nwrk.body = {json.dumps(body)}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
    try:
        cmd += ["-s", script.name, f"http://127.0.0.1:{port}{path}"]
        if args.warmup:  # same URL, discarded: fills caches and JIT-free warm paths alike
            subprocess.run(
                [*cmd[:3], f"-d{max(1, int(args.warmup))}s", *cmd[5:]],
                capture_output=True,
                check=True,
            )
        before = server.cpu_s()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        cpu = server.cpu_s() - before
    finally:
        Path(script.name).unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": total,
        "rps": round(rps, 1),
        "p50_ms": _ms(lat["50"]),
        "p99_ms": _ms(lat["99"]),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": sum(int(g) for g in errors.groups()) if errors else 0,
        "server_cpu_us_per_request": _per_request(cpu, total),
    }


def _python_load(
    port: int, requests: list[bytes], conns: int, args: argparse.Namespace
) -> dict[str, Any]:
    """The shared load generator (``bench/loadgen.py``), with this benchmark's output keys."""
    run = loadgen.run([port], requests, connections=conns, seconds=args.seconds, warmup=args.warmup)
    keys = ("requests", "rps", "p50_ms", "p99_ms", "non_2xx")
    return {**{k: run[k] for k in keys}, "errors": 0}


def _load(
    server: Server, route: tuple[str, str, str | None], conns: int, args: argparse.Namespace
) -> dict[str, Any]:
    """One load run, with the server's CPU time per request. CPU per request barely moves with
    other load on the machine, unlike req/s. (With the Python load generator the warm-up's CPU
    is included but not its requests: an upper bound.)"""
    if args.loadgen == "wrk":
        return _wrk(server, route, conns, args)
    before = server.cpu_s()
    run = _python_load(server.port, [_request(*route)], conns, args)
    run["server_cpu_us_per_request"] = _per_request(server.cpu_s() - before, run["requests"])
    return run


def _per_request(cpu_s: float, requests: int) -> float:
    return round(cpu_s / max(1, requests) * 1e6, 1)


#: where the servers' bytecode is cached (set by ``main``), as after a normal install
PYCACHE: dict[str, str] = {}


def _env(cache: bool = True) -> dict[str, str]:
    # Bytecode cached as after a normal install (pip compiles wheels), like cli_startup.py:
    # this machine sets PYTHONDONTWRITEBYTECODE, which would time the compiler (~0.1 s of our
    # modules per start) instead of the server.
    env = {
        k: v
        for k, v in os.environ.items()
        if (not k.startswith("SMART_SPAWN_") or k == "SMART_SPAWN_EMBEDDINGS")
        and k != "PYTHONDONTWRITEBYTECODE"
    }  # SMART_SPAWN_EMBEDDINGS passes: the classifier's heads change start-up and picks
    env.update(PYCACHE)
    env["SMART_SPAWN_RATE_LIMIT"] = str(10**9)
    env["SMART_SPAWN_CACHE_TTL_S"] = "60" if cache else "0"
    env["SMART_SPAWN_MAX_CONNECTIONS"] = "4096"
    return env


def _startup(home: str) -> dict[str, float]:
    """One start: wall seconds to the first 200 on ``/api/pick``, and the server's CPU seconds
    by then."""
    server = Server(home, _env())
    try:
        wall = server.wait_first_pick()
        return {"s": round(wall, 3), "cpu_s": round(server.cpu_s(), 3)}
    finally:
        server.stop()


def _startups(home: str, runs: int) -> dict[str, list[dict[str, float]]]:
    """``runs`` pairs of starts, each on a fresh home: cold (the catalog is built), then warm
    (stored catalog). The last pair runs on ``home``, which the load runs then reuse."""
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(runs):
            where = home if i == runs - 1 else str(Path(scratch) / f"home{i}")
            cold.append(_startup(where))
            warm.append(_startup(where))
    return {"cold": cold, "warm": warm}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return round(ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", default="16,32")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--routes", default=",".join([*ROUTES, "uncached_pick"]))
    parser.add_argument("--startup-runs", type=int, default=3, help="cold and warm starts each")
    parser.add_argument("--replicas", default=None, help="e.g. 1,3: bench/replicas.py instead")
    parser.add_argument("--write-every", type=int, default=10, help="--replicas: rate every Nth")
    args = parser.parse_args()
    if args.replicas is not None:  # N replicas, SQLite vs PostgreSQL + Redis (bench/replicas.py)
        from bench.replicas import run_replicas

        args.connections = int(str(args.connections).split(",")[-1])
        counts = [int(n) for n in args.replicas.split(",") if n.strip()]
        print(json.dumps(run_replicas(counts, args), indent=2))
        return
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    if args.loadgen == "wrk":
        args.seconds = max(1, round(args.seconds))
    conns_list = [int(c) for c in args.connections.split(",")]
    wanted = args.routes.split(",")
    result: dict[str, Any] = {
        "loadgen": args.loadgen,
        "seconds": args.seconds,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as pyc:
        PYCACHE["PYTHONPYCACHEPREFIX"] = pyc
        package = Path(__file__).resolve().parent.parent / "smart_spawn_plugin"
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(package)], env=_env(), check=True
        )
        with tempfile.TemporaryDirectory() as scratch:  # third-party bytecode, as after install
            _startup(scratch)
        samples = _startups(home, max(1, args.startup_runs))
        startup = {kind: _median([s["s"] for s in runs]) for kind, runs in samples.items()}
        server = Server(home, _env())
        try:
            server.wait_first_pick()
            time.sleep(0.5)
            rss = {"idle": server.rss_mib()}
            sizes: dict[str, Any] = {}
            for name, (method, path, body) in ROUTES.items():
                status, payload = _fetch(server.port, method, path, body)
                joiner = "&" if "?" in path else "?"
                _, full = _fetch(server.port, method, f"{path}{joiner}explain=full", body)
                sizes[name] = {
                    "status": status,
                    "bytes": len(payload),
                    "explain_full_bytes": len(full),
                }
            routes: dict[str, Any] = {}
            for name in (n for n in ROUTES if n in wanted):
                routes[name] = {str(c): _load(server, ROUTES[name], c, args) for c in conns_list}
            rss["after_load"] = server.rss_mib()
        finally:
            server.stop()
        if "uncached_pick" in wanted:
            uncached = Server(home, _env(cache=False))
            try:
                uncached.wait_first_pick()
                reqs = [_request("GET", f"/api/pick?task={quote(t)}", None) for t in TASKS]
                routes["uncached_pick"] = {}
                for c in conns_list:
                    before = uncached.cpu_s()
                    run = _python_load(uncached.port, reqs, c, args)
                    used = uncached.cpu_s() - before
                    run["server_cpu_us_per_request"] = _per_request(used, run["requests"])
                    routes["uncached_pick"][str(c)] = run
                routes["uncached_pick"]["loadgen"] = "python (rotating tasks)"
            finally:
                uncached.stop()
    result.update({"routes": routes, "bytes": sizes, "startup_s": startup, "rss_mib": rss})
    result["startup_samples"] = samples
    result["original"] = ORIGINAL
    result["targets"] = TARGETS
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
