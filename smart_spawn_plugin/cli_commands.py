"""Handlers of the routing subcommands (pick, recommend, models, compare, classify, status,
refresh). Each takes the parsed arguments and the opened services and returns a pydantic
result, which ``cli.main`` prints as JSON or through ``cli_render``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from smart_spawn_plugin.cli import command
from smart_spawn_plugin.engine.catalog.status import StatusReport, status_of
from smart_spawn_plugin.engine.select.queries import compare, list_models, recommend
from smart_spawn_plugin.engine.select.requests import Decision, PickRequest, RecommendResult
from smart_spawn_plugin.errors import InvalidParam, MissingParam
from smart_spawn_plugin.runtime import Runtime


def _request(args: argparse.Namespace, services: Runtime) -> PickRequest:
    if not args.task and not args.category:
        raise MissingParam("give a task (or --category)", field="task")
    return PickRequest(
        task=args.task,
        category=args.category,
        budget=args.budget or services.settings.default_budget,
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


@command("pick")
def pick(args: argparse.Namespace, services: Runtime) -> Decision:
    return services.catalog.selector().pick(_request(args, services))


@command("recommend")
def recommend_cmd(args: argparse.Namespace, services: Runtime) -> RecommendResult:
    return recommend(services.catalog.selector(), _request(args, services), args.count)


@command("models")
def models(args: argparse.Namespace, services: Runtime) -> object:
    return list_models(
        services.catalog.current(),
        category=args.category,
        tier=args.tier,
        sort=args.sort,
        limit=args.limit,
    )


@command("compare")
def compare_cmd(args: argparse.Namespace, services: Runtime) -> object:
    ids = [part for arg in args.models for part in arg.split(",")]
    return compare(services.catalog.current(), ids)


@command("classify")
def classify_cmd(args: argparse.Namespace, services: Runtime) -> None:
    from smart_spawn_plugin.engine.classify.classifier import classify

    tasks = args.tasks or [line for line in sys.stdin.read().splitlines() if line.strip()]
    if not tasks:
        raise MissingParam("give task texts as arguments or one per line on stdin", field="task")
    for task in tasks:
        result = classify(task)
        out = {
            "task": task,
            "category": result.category,
            "confidence": round(result.confidence, 3),
            "signals": result.signals.model_dump(mode="json"),
        }
        if result.override:
            out["override"] = result.override
        print(json.dumps(out, ensure_ascii=False))


@command("status")
def status(args: argparse.Namespace, services: Runtime) -> StatusReport:
    return status_of(services.catalog.current())


@command("refresh")
def refresh(args: argparse.Namespace, services: Runtime) -> object:
    if args.source_dir is not None and not args.source_dir.is_dir():
        raise InvalidParam(f"--source-dir {args.source_dir} is not a directory", field="source_dir")
    return asyncio.run(
        services.catalog.refresh(
            source_dir=args.source_dir,
            live=True if args.live else None,
            import_csv=args.import_csv,
        )
    )


def _register_extras() -> None:
    # Subcommands owned by other adapters register here; their modules import their heavy
    # dependencies (FastAPI, mcp, the gateway) only when the command runs.
    from smart_spawn_plugin.cli import EXTRA_PARSERS
    from smart_spawn_plugin.server.serve import add_serve_parser, serve

    EXTRA_PARSERS.append(add_serve_parser)
    command("serve")(serve)
    from smart_spawn_plugin import cli_spawn  # noqa: F401  (spawn, chat, feedback, roles)
    from smart_spawn_plugin.mcp import cli as _mcp_cli  # noqa: F401  (mcp)


_register_extras()
