"""Routing commands: pick, recommend, models, compare, classify, status, refresh.

``pick``, ``recommend`` and ``compare`` go through the runtime's Recommender, the one path
every adapter picks through, so the user's ratings (``smart-spawn feedback``) and a configured
remote API apply here as everywhere. Views live in :mod:`.routing_views`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import smart_spawn_plugin.cli.routing_views as views
from smart_spawn_plugin.cli.base import Context, Subcommands, command, csv
from smart_spawn_plugin.vocab import BUDGET_CHOICES, CAPABILITIES, CATEGORIES, STRATEGIES, TIERS

if TYPE_CHECKING:
    from smart_spawn_plugin.engine.select.requests import PickRequest

SORTS = "score, cost, efficiency or a category name"


def weights(value: str) -> dict[str, float]:
    """``coding=2,reasoning=1`` → category weights (argparse ``type=``)."""
    out: dict[str, float] = {}
    for part in csv(value):
        name, sep, weight = part.partition("=")
        if not sep or name not in CATEGORIES:
            raise argparse.ArgumentTypeError(
                f"bad weight {part!r}: use category=number with a category of "
                f"{', '.join(CATEGORIES)}"
            )
        try:
            out[name] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad weight {part!r}: not a number") from None
    return out


def _selection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", nargs="?", help="the task, in plain words (or give --category)")
    p.add_argument(
        "--budget",
        choices=BUDGET_CHOICES,
        help="price tier, or auto (from the task's complexity; default: settings, medium)",
    )
    p.add_argument("--category", choices=CATEGORIES, help="use this category; skip classifying")
    p.add_argument(
        "--exclude", type=csv, default=[], metavar="IDS", help="model ids to leave out, a,b"
    )
    p.add_argument(
        "--require",
        type=csv,
        default=[],
        metavar="CAPS",
        help=f"needed capabilities, comma-separated: {', '.join(CAPABILITIES)}",
    )
    p.add_argument(
        "--min-context", type=int, default=0, metavar="TOKENS", help="minimum context window"
    )
    p.add_argument(
        "--context", type=csv, default=[], metavar="TAGS", help="context tags, e.g. python,react"
    )
    p.add_argument(
        "--strategy", choices=STRATEGIES, default="balanced", help="ranking (default balanced)"
    )
    p.add_argument(
        "--weights",
        type=weights,
        default=None,
        metavar="CAT=N,…",
        help="blend categories, e.g. coding=2,reasoning=1",
    )
    p.add_argument(
        "--max-latency",
        type=float,
        default=None,
        metavar="SECONDS",
        help="latency bound for --strategy best_under_latency",
    )
    p.add_argument(
        "--max-price", type=float, default=None, metavar="USD", help="max blended $ per 1M tokens"
    )


def register(sub: Subcommands) -> None:
    """Add pick, recommend, models, compare, classify, status and refresh."""
    p = command(
        sub,
        "pick",
        pick,
        help="the best model for a task",
        view=views.decision,
        description="The best model for a task, with the evidence, your ratings and runner-ups.",
    )
    _selection_args(p)
    p.add_argument(
        "--fallbacks", type=int, default=2, metavar="N", help="fallback models (default 2)"
    )

    p = command(sub, "recommend", recommend, help="several diverse models for a task",
                view=views.recommendations)  # fmt: skip
    _selection_args(p)
    p.add_argument("--count", type=int, default=3, metavar="N", help="how many (1-5, default 3)")

    p = command(sub, "models", models, help="list and sort the catalog", view=views.model_list)
    p.add_argument("--category", choices=CATEGORIES, help="only models scored on this category")
    p.add_argument("--tier", choices=TIERS, help="only this price tier")
    p.add_argument("--sort", default="score", metavar="KEY", help=f"{SORTS} (default score)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="rows (default 20)")

    p = command(sub, "compare", compare, help="compare 2-5 models side by side",
                view=views.comparison)  # fmt: skip
    p.add_argument("models", nargs="+", metavar="MODEL", help="model ids (spaces or commas)")

    p = command(
        sub,
        "classify",
        classify,
        help="classify tasks into categories",
        view=views.classifications,
        description="Classify task texts (arguments, or one per line on stdin). "
        "--json prints one JSON object per task.",
        json_lines=True,
    )
    p.add_argument("tasks", nargs="*", metavar="TASK", help="task texts (default: stdin lines)")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help='read JSON lines {"task": ...} from stdin (tasks may contain newlines)',
    )

    command(sub, "status", status, help="catalog and per-source health", view=views.status)

    p = command(sub, "refresh", refresh, help="rebuild the catalog", view=views.refreshed)
    p.add_argument(
        "--source-dir", type=Path, default=None, metavar="DIR", help="raw source files directory"
    )
    p.add_argument("--live", action="store_true", help="fetch the sources over the network")
    p.add_argument(
        "--import-csv",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="an OpenMark CSV export to merge (repeatable)",
    )


def _request(ctx: Context, default_budget: str) -> PickRequest:
    from smart_spawn_plugin.engine.select.requests import PickRequest
    from smart_spawn_plugin.errors import MissingParam

    args = ctx.args
    task = (args.task or "").strip() or None
    if task is None and not args.category:
        raise MissingParam("give a task (or --category)", field="task")
    return PickRequest(
        task=task,
        category=args.category,
        budget=args.budget or default_budget,
        exclude=args.exclude,
        require=args.require,
        min_context=args.min_context,
        context=args.context,
        strategy=args.strategy,
        category_weights=args.weights,
        max_latency_s=args.max_latency,
        max_price=args.max_price,
        fallbacks=getattr(args, "fallbacks", 2),
    )


def pick(ctx: Context) -> object:
    runtime = ctx.runtime()
    request = _request(ctx, runtime.settings.default_budget)
    return ctx.run(runtime.pick(request)).decision


def recommend(ctx: Context) -> object:
    runtime = ctx.runtime()
    request = _request(ctx, runtime.settings.default_budget)
    return ctx.run(runtime.recommend(request, ctx.args.count))


def models(ctx: Context) -> object:
    from smart_spawn_plugin.engine.select.queries import list_models

    args = ctx.args
    return list_models(
        ctx.runtime().catalog.current(),
        category=args.category,
        tier=args.tier,
        sort=args.sort,
        limit=args.limit,
    )


def compare(ctx: Context) -> object:
    """Side by side; an unknown id is a usage error naming it (with close matches)."""
    import difflib

    from smart_spawn_plugin.errors import InvalidParam

    ids = [part.strip() for arg in ctx.args.models for part in arg.split(",") if part.strip()]
    runtime = ctx.runtime()
    result = runtime.compare(ids)
    if result.missing:
        known = [m.id for m in runtime.catalog.current().models]
        hints = [
            f"{bad} (did you mean {', '.join(close)}?)" if close else bad
            for bad in result.missing
            for close in [difflib.get_close_matches(bad, known, n=2, cutoff=0.6)]
        ]
        raise InvalidParam(f"unknown model: {'; '.join(hints)}", field="models")
    return result


def _jsonl_tasks(text: str) -> list[str]:
    """The ``task`` of each JSON line (blank lines skipped); InvalidParam names a bad line."""
    from smart_spawn_plugin.errors import InvalidParam

    tasks: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InvalidParam(f"stdin line {number}: not JSON ({exc})", field="task") from exc
        task = row.get("task") if isinstance(row, dict) else None
        if not isinstance(task, str) or not task.strip():
            raise InvalidParam(
                f'stdin line {number}: expected {{"task": "<non-empty text>"}}', field="task"
            )
        tasks.append(task)
    return tasks


def classify(ctx: Context) -> object:
    from smart_spawn_plugin.engine.classify.classifier import classify as classify_text
    from smart_spawn_plugin.errors import InvalidParam, MissingParam

    if ctx.args.jsonl:
        if ctx.args.tasks:
            raise InvalidParam("--jsonl reads stdin; give no task arguments", field="task")
        tasks = _jsonl_tasks(sys.stdin.read())
    else:
        tasks = [t for t in ctx.args.tasks if t.strip()] or [
            line for line in sys.stdin.read().splitlines() if line.strip()
        ]
    if not tasks:
        raise MissingParam("give task texts as arguments or one per line on stdin", field="task")
    out: list[dict[str, object]] = []
    for task in tasks:
        result = classify_text(task)
        row: dict[str, object] = {
            "task": task,
            "category": result.category,
            "confidence": round(result.confidence, 3),
            "signals": result.signals.model_dump(mode="json"),
            "reason": result.reason,
        }
        if result.override:
            row["override"] = result.override
        out.append(row)
    return out


def status(ctx: Context) -> object:
    from smart_spawn_plugin.engine.catalog.status import status_of

    return status_of(ctx.runtime().catalog.current())


def refresh(ctx: Context) -> object:
    from smart_spawn_plugin.errors import InvalidParam

    args = ctx.args
    if args.source_dir is not None and not args.source_dir.is_dir():
        raise InvalidParam(f"--source-dir {args.source_dir} is not a directory", field="source_dir")
    report = ctx.run(
        ctx.runtime().catalog.refresh(
            source_dir=args.source_dir,
            live=True if args.live else None,
            import_csv=args.import_csv,
        )
    )
    if not report.ok:
        # the catalog source failed: the last good catalog was kept, and the command failed
        # (under --json the report still goes to stdout, as a failed spawn's run does)
        if ctx.json:
            print(report.model_dump_json(by_alias=True, indent=2), flush=True)
        from smart_spawn_plugin.cli.failures import CommandFailed

        failed = "; ".join(f"{name}: {error}" for name, error in report.errors.items())
        raise CommandFailed(
            f"refresh failed ({failed}); kept the last good catalog ({report.model_count} models)"
        )
    return report
