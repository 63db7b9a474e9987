"""Routing benchmark: decision latency of ``pick`` in-process over the full bundled catalog, and
the time of a full refresh from the bundled snapshot. Prints one JSON object.

    python bench/routing.py [--tasks N] [--rounds R]

Tasks are the labelled prompts in ../shared/data/prompts/dev.jsonl when present (a varied,
real mix of lengths, languages and categories), else a built-in list of agent tasks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
from smart_spawn_plugin.engine.catalog.service import CatalogService
from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.settings import Settings

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "prompts" / "dev.jsonl"
BUILTIN = [
    "Refactor the auth module to use JWT",
    "Research the latest developments in WebGPU",
    "Build me a React dashboard with auth",
    "Write a haiku about autumn rain",
    "Prove that the square root of 2 is irrational",
    "What is in this screenshot?",
    "Translate 'good morning' to French",
    "Summarize this 200-page PDF report",
    "用python实现快速排序",
    "F: design the database schema for a multi-tenant SaaS",
    "L: classify these tweets by sentiment",
]


AGENT = Path(__file__).resolve().parents[1] / "smart_spawn_plugin/data/classifier/ours.jsonl"


def load_tasks(n: int, seed: int, task_set: str = "dev") -> list[str]:
    """``dev``: the labelled real prompts (long, varied); ``agent``: short agent-style tasks."""
    texts = list(BUILTIN)
    source = DEV if task_set == "dev" else AGENT
    if source.is_file():
        lines = source.read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines if line.strip()]
    rng = random.Random(seed)
    rng.shuffle(texts)
    return [t[:2000] for t in texts[:n]]


def _by_category(selector: object, budgets: list[str]) -> list[float]:
    """pick with an explicit category: selection alone, no classification."""
    from smart_spawn_plugin.models import CATEGORIES

    out: list[float] = []
    for i in range(2800):
        req = PickRequest(category=CATEGORIES[i % 7], budget=budgets[i % 4])
        start = time.perf_counter_ns()
        selector.pick(req)  # type: ignore[attr-defined]
        out.append((time.perf_counter_ns() - start) / 1000.0)
    return out


def _stages(selector: object, tasks: list[str], budgets: list[str]) -> dict[str, object]:
    """Where a cold pick's time goes: ``classify`` (the task text for the first time — the
    classifier's memo is cleared first — timed just before the pick, which then finds it
    memoised), ``other`` (resolution inside ``pick``: signals → requirements, budget, prefixes,
    memory), ``explain`` (building the decision: reason, runner-ups, confidence) and
    ``select`` (the rest of ``pick``: filtering and ranking). Bench-only instrumentation: the
    selector's ``resolve`` and the decision builder are wrapped with timers for this pass."""
    from smart_spawn_plugin.engine.classify import classifier
    from smart_spawn_plugin.engine.select import selection

    memo = getattr(classifier, "_classify_cached", None)
    if memo is not None and hasattr(memo, "cache_clear"):
        memo.cache_clear()
    decide, resolve = selection.decide, selector.resolve  # type: ignore[attr-defined]
    spent = {"explain": 0.0, "other": 0.0}

    def timer(name: str, inner: Callable[..., object]) -> Callable[..., object]:
        def timed(*args: object, **kwargs: object) -> object:
            start = time.perf_counter_ns()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[name] += (time.perf_counter_ns() - start) / 1000.0

        return timed

    parts: dict[str, list[float]] = {"classify": [], "select": [], "explain": [], "other": []}
    selection.decide = timer("explain", decide)  # type: ignore[assignment]
    selector.resolve = timer("other", resolve)  # type: ignore[attr-defined]
    try:
        for i, task in enumerate(tasks):
            req = PickRequest(task=task, budget=budgets[i % 4])
            t0 = time.perf_counter_ns()
            classifier.classify(task)
            t1 = time.perf_counter_ns()
            spent["explain"] = spent["other"] = 0.0
            with contextlib.suppress(NoModel):
                selector.pick(req)  # type: ignore[attr-defined]
            t2 = time.perf_counter_ns()
            parts["classify"].append((t1 - t0) / 1000.0)
            parts["other"].append(spent["other"])
            parts["explain"].append(spent["explain"])
            parts["select"].append((t2 - t1) / 1000.0 - spent["explain"] - spent["other"])
    finally:
        selection.decide = decide  # type: ignore[assignment]
        del selector.resolve  # type: ignore[attr-defined]
    total = sum(sum(v) for v in parts.values())
    return {
        name: {
            "p50_us": round(statistics.median(v), 1),
            "p99_us": round(sorted(v)[max(0, int(len(v) * 0.99) - 1)], 1),
            "mean_us": round(statistics.fmean(v), 1),
            "share": round(sum(v) / total, 3),
        }
        for name, v in parts.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--task-set", choices=["dev", "agent"], default="dev")
    args = parser.parse_args()

    t0 = time.perf_counter()
    snapshot = load_snapshot()
    t1 = time.perf_counter()
    catalog, _ = build_catalog(snapshot)
    t2 = time.perf_counter()

    service = CatalogService(Settings(home=Path("/nonexistent-bench-home")))
    service._install(catalog)  # bench only: bypass the store
    tasks = load_tasks(args.tasks, args.seed, args.task_set)
    budgets = ["low", "medium", "high", "any"]
    from smart_spawn_plugin.engine.classify.classifier import classify

    classify(BUILTIN[0])  # the classifier's lazy load, out of every measured pick
    # cold without the warm-up: every first touch of a presorted list is inside a pick
    unwarmed = service.selector()
    first_touch = []
    for i, task in enumerate(tasks[:50]):
        req = PickRequest(task=f"{task} ", budget=budgets[i % 4])
        start = time.perf_counter_ns()
        with contextlib.suppress(NoModel):
            unwarmed.pick(req)
        first_touch.append((time.perf_counter_ns() - start) / 1000.0)
    service._install(catalog)  # a fresh selector for the measured rounds
    selector = service.selector()
    t3 = time.perf_counter()
    selector.warm()  # what a long-lived process does at load (the server after its 1st pick)
    warm_s = time.perf_counter() - t3
    selector.pick(PickRequest(task=tasks[0]))  # as before: one pick ahead of the rounds
    # Round 1 sees every task text for the first time (cold classification); later rounds
    # repeat them, so classification comes from its LRU cache (an agent re-sending a task).
    rounds: list[list[float]] = []
    no_model = 0
    for _ in range(args.rounds):
        samples: list[float] = []
        for i, task in enumerate(tasks):
            req = PickRequest(task=task, budget=budgets[i % 4])
            start = time.perf_counter_ns()
            try:
                selector.pick(req)
            except NoModel:
                no_model += 1
            samples.append((time.perf_counter_ns() - start) / 1000.0)
        rounds.append(samples)
    cold = sorted(rounds[0])
    warm = sorted(x for r in rounds[1:] for x in r) or cold
    by_category = sorted(_by_category(selector, budgets))
    stages = _stages(selector, tasks, budgets)

    def stats(xs: list[float]) -> dict[str, float]:
        return {
            "p50_us": round(statistics.median(xs), 1),
            "p99_us": round(xs[max(0, int(len(xs) * 0.99) - 1)], 1),
            "mean_us": round(statistics.fmean(xs), 1),
            "decisions_per_second": round(len(xs) / (sum(xs) / 1e6), 1),
        }

    out = {
        "benchmark": "routing",
        "python": platform.python_version(),
        "catalog_models": len(catalog.models),
        "task_set": args.task_set,
        "tasks": len(tasks),
        "task_chars_median": statistics.median(len(t) for t in tasks),
        "rounds": args.rounds,
        "no_model": no_model,
        "pick_task_cold": stats(cold),
        "pick_task_repeated": stats(warm),
        "pick_category_only": stats(by_category),
        "cold_stages": stages,
        "selector_warm_s": round(warm_s, 4),
        "pick_first_50_unwarmed": stats(sorted(first_touch)),
        "snapshot_load_s": round(t1 - t0, 4),
        "refresh_from_snapshot_s": round(t2 - t0, 4),
        "build_catalog_s": round(t2 - t1, 4),
    }
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
