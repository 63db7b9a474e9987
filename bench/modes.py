"""Modes benchmark: scheduling overhead per spawn, and swarm parallelism versus the DAG's width.

Everything runs through the real reference ``Gateway`` with smart-spawn registered, the real
``OpenAICompatExecutor`` and HTTP, against the fake OpenAI-compatible server of the tests on
127.0.0.1 (``tests/fakes/openai_server.py``; run from the repository root). Prints one JSON
object::

    .venv/bin/python bench/modes.py [--spawns N] [--width W] [--delay S]

1. **Overhead per spawn** (zero-delay replies), p50/p99 in ms, as layers:
   ``http_ms`` one chat completion straight through the executor (socket + fake server);
   ``sessions_spawn_ms`` a spawn naming its model, until it ends (gateway + executor + HTTP);
   ``smart_spawn_single_ms`` the ``smart_spawn`` tool in single mode (+ routing, role prompt,
   mode bookkeeping, spawn log); ``routing_ms`` the recommender's ``pick`` alone. The
   differences are the ``gateway_overhead_ms`` (spawn − http) and ``smart_spawn_overhead_ms``
   (tool − spawn) medians.
2. **Swarm parallelism**: a caller-given DAG of ``W`` independent nodes (plus the mode's merge)
   and a chain of ``W`` nodes, each reply delayed ``S`` seconds, ``maxParallel`` = 8 ≥ W and
   the gateway's concurrency limit above it. Reported: the fake server's highest number of
   requests in flight, achieved parallelism = Σ spawn durations / wall time, and the ideal for
   the DAG (its width for the fan-out stage; 1 for the chain).
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the fake server lives in tests/ (bench only)
    sys.path.insert(0, str(ROOT))

from smart_spawn_plugin.contract import SpawnRequest  # noqa: E402
from smart_spawn_plugin.engine.select.requests import PickRequest  # noqa: E402
from smart_spawn_plugin.gateway.host import Gateway  # noqa: E402
from smart_spawn_plugin.gateway.messages import ChatMessage  # noqa: E402
from smart_spawn_plugin.log import configure  # noqa: E402
from smart_spawn_plugin.modes import run_mode  # noqa: E402
from smart_spawn_plugin.modes.base import ModeRequest, StepSpec  # noqa: E402
from smart_spawn_plugin.modes.run import RunContext  # noqa: E402
from smart_spawn_plugin.plugin import SmartSpawnPlugin  # noqa: E402
from smart_spawn_plugin.runtime import Runtime  # noqa: E402
from smart_spawn_plugin.settings import Settings  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply  # noqa: E402

TASK = "write a python function that parses ISO 8601 dates"
MAX_PARALLEL = 8


def _stats(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p99 = ordered[max(int(len(ordered) * 0.99) - 1, 0)]
    return {
        "p50": round(statistics.median(ordered), 3),
        "p99": round(p99, 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


async def _timed(samples: list[float], coro: Any) -> Any:
    start = time.perf_counter()
    result = await coro
    samples.append((time.perf_counter() - start) * 1000)
    return result


async def overhead(gateway: Gateway, plugin: SmartSpawnPlugin, n: int) -> dict[str, Any]:
    """Layered per-spawn latency with zero-delay replies (module docstring, part 1)."""
    runtime = plugin.runtime(gateway)
    http: list[float] = []
    spawn: list[float] = []
    tool: list[float] = []
    routing: list[float] = []
    messages = [ChatMessage.system("bench"), ChatMessage.user(TASK)]
    for _ in range(5):  # warm up: connections, the classifier's lazy load, the catalog
        await gateway.executor.complete("bench/model", messages)
        await gateway.call_tool("smart_spawn", {"task": TASK, "mode": "single"})
    for _ in range(n):
        await _timed(http, gateway.executor.complete("bench/model", messages))

        async def spawn_and_wait() -> None:
            accepted = await gateway.spawn(SpawnRequest(task=TASK, model="bench/model"))
            assert accepted.run_id is not None
            await gateway.wait(accepted.run_id)

        await _timed(spawn, spawn_and_wait())
        result = await _timed(
            tool, gateway.call_tool("smart_spawn", {"task": TASK, "mode": "single"})
        )
        assert not result.is_error, result.text_content
        await _timed(routing, runtime.recommender.pick(PickRequest(task=TASK)))
    return {
        "spawns": n,
        "http_ms": _stats(http),
        "sessions_spawn_ms": _stats(spawn),
        "smart_spawn_single_ms": _stats(tool),
        "routing_ms": _stats(routing),
        "gateway_overhead_ms": round(statistics.median(spawn) - statistics.median(http), 3),
        "smart_spawn_overhead_ms": round(statistics.median(tool) - statistics.median(spawn), 3),
    }


async def swarm_run(
    gateway: Gateway,
    plugin: SmartSpawnPlugin,
    server: FakeOpenAIServer,
    steps: list[StepSpec],
    delay: float,
) -> dict[str, Any]:
    """Run one caller-given DAG with ``delay``-second replies; measure concurrency."""
    server.default = FakeReply(content="node result", delay=delay)
    server.max_in_flight = 0
    req = ModeRequest(task="bench swarm", steps=steps, max_parallel=MAX_PARALLEL)
    ctx = RunContext.for_request(gateway, plugin.runtime(gateway).recommender, req)
    start = time.perf_counter()
    result = await run_mode("swarm", req, ctx)
    wall_s = time.perf_counter() - start
    assert result.status == "ok", result.errors
    nodes = [r for r in result.outputs if r.node_id != "merge"]
    busy_s = sum(r.duration_ms for r in result.outputs) / 1000
    node_busy_s = sum(r.duration_ms for r in nodes) / 1000
    return {
        "nodes": len(nodes),
        "spawns": len(result.outputs),
        "wall_s": round(wall_s, 3),
        "max_in_flight": server.max_in_flight,
        "achieved_parallelism": round(busy_s / wall_s, 2),
        "node_parallelism": round(node_busy_s / max(wall_s - delay, 1e-9), 2)
        if len(nodes) > 1
        else None,
        "ideal_wall_s": None,
    }


async def parallelism(
    gateway: Gateway, plugin: SmartSpawnPlugin, server: FakeOpenAIServer, width: int, delay: float
) -> dict[str, Any]:
    """Fan-out (``width`` independent nodes + merge) and chain (``width`` nodes) DAGs."""
    fan = [StepSpec(id=f"n{i}", task=f"research topic {i}") for i in range(1, width + 1)]
    chain = [
        StepSpec(id=f"c{i}", task=f"refine draft {i}", depends_on=[f"c{i - 1}"] if i > 1 else [])
        for i in range(1, width + 1)
    ]
    fan_out = await swarm_run(gateway, plugin, server, fan, delay)
    fan_out.update(dag_width=width, ideal_wall_s=round(2 * delay, 3))
    chained = await swarm_run(gateway, plugin, server, chain, delay)
    chained.update(dag_width=1, ideal_wall_s=round((width + 1) * delay, 3))
    return {"delay_s": delay, "max_parallel": MAX_PARALLEL, "fan_out": fan_out, "chain": chained}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with FakeOpenAIServer() as server, tempfile.TemporaryDirectory() as home:
        server.default = FakeReply(content="done", cost=0.0001)
        settings = Settings(
            home=Path(home),
            baseUrl=server.base_url,
            executorApiKey="sk-bench",
            maxConcurrency=16,
            maxUsdPerRun=1000,
        )
        async with Runtime.open(settings) as runtime:
            plugin = SmartSpawnPlugin(runtime=runtime)
            async with Gateway(settings, plugins=[plugin]) as gateway:
                per_spawn = await overhead(gateway, plugin, args.spawns)
                swarm = await parallelism(gateway, plugin, server, args.width, args.delay)
    return {
        "benchmark": "modes",
        "python": platform.python_version(),
        "overhead": per_spawn,
        "swarm": swarm,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spawns", type=int, default=200)
    parser.add_argument("--width", type=int, default=6)
    parser.add_argument("--delay", type=float, default=0.1)
    args = parser.parse_args()
    configure(level="ERROR")
    out = asyncio.run(run(args))
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
