"""Overhead of the OpenAI-compatible endpoint: what routing and relaying add to a completion.

    python bench/openai_compat.py [--requests 200]

Serves the app with uvicorn on 127.0.0.1 over a temp home, with the fake OpenAI-compatible
upstream of the tests (instant answers) on 127.0.0.1, and times sequential requests from one
keep-alive client:

* ``upstream``: straight to the fake upstream (the floor);
* ``direct``: through ``/v1/chat/completions`` naming a catalog id (no pick: relay only);
* ``routed``: ``smart-spawn/auto``, tasks rotating (classify + pick + relay + spawn log);
* ``stream``: ``smart-spawn/auto`` streamed, time to the whole body.

Prints one JSON object: p50/p99 milliseconds per mode and the routed overhead over upstream.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from tests.fakes.live_server import LiveServer
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply

TASKS = [
    "Refactor the auth module to use JWT",
    "Write a haiku about autumn",
    "Prove that the square root of 2 is irrational",
    "Summarise this research paper on transformers",
    "Translate this paragraph to French",
    "Find the bug in this SQL query",
]


def _times(client: httpx.Client, url: str, bodies: list[dict[str, Any]]) -> list[float]:
    spent = []
    for body in bodies:
        start = time.perf_counter()
        response = client.post(url, json=body)
        response.read()
        response.raise_for_status()
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def _summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.pop("OPENROUTER_API_KEY", None)
    messages = [[{"role": "user", "content": t}] for t in TASKS]
    with tempfile.TemporaryDirectory() as home, FakeOpenAIServer() as upstream:
        upstream.default = FakeReply(content="a short answer of a few words")
        runtime = Runtime.open(home=Path(home), recommender="local", base_url=upstream.base_url)
        config = ServerSettings(access_log=False, background_refresh=False, rate_limit=10**6)
        app = create_app(runtime, config)
        results: dict[str, Any] = {"requests": args.requests}
        with LiveServer(app, cleanup=runtime.aclose_http) as server, httpx.Client() as client:
            n = args.requests

            def bodies(model: str, **extra: Any) -> list[dict[str, Any]]:
                return [
                    {"model": model, "messages": messages[i % len(messages)], **extra}
                    for i in range(n)
                ]

            endpoint = server.base_url + "/v1/chat/completions"
            _times(client, endpoint, bodies("smart-spawn/auto")[:10])  # warm up
            runs = {
                "upstream": (upstream.base_url + "/chat/completions", bodies("openai/gpt-4o")),
                "direct": (endpoint, bodies("openai/gpt-4o")),
                "routed": (endpoint, bodies("smart-spawn/auto")),
                "stream": (endpoint, bodies("smart-spawn/auto", stream=True)),
            }
            for name, (url, payloads) in runs.items():
                results[name] = _summary(_times(client, url, payloads))
        runtime.close()
    results["routed_overhead_p50_ms"] = round(
        results["routed"]["p50_ms"] - results["upstream"]["p50_ms"], 2
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
