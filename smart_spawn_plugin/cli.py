"""The ``smart-spawn`` command: routing decisions and catalog upkeep from the terminal.

Human-readable output by default, ``--json`` for machines. Bad arguments print one line on
stderr and exit non-zero (2 for usage errors, 1 for everything else); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, NoReturn

from pydantic import ValidationError

from smart_spawn_plugin import __version__
from smart_spawn_plugin.cli_render import render
from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.log import configure as configure_logging
from smart_spawn_plugin.models import BUDGETS, CAPABILITIES, CATEGORIES, STRATEGIES, TIERS
from smart_spawn_plugin.runtime import Runtime

Handler = Callable[[argparse.Namespace, Runtime], object]
COMMANDS: Final[dict[str, Handler]] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return register


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _selection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--budget", choices=BUDGETS, help="budget tier (default: settings)")
    p.add_argument("--category", choices=CATEGORIES, help="skip classification")
    p.add_argument("--exclude", type=_csv, default=[], help="comma-separated model ids")
    p.add_argument(
        "--require", type=_csv, default=[], help=f"capabilities: {','.join(CAPABILITIES)}"
    )
    p.add_argument("--min-context", type=int, default=0, help="minimum context window (tokens)")
    p.add_argument("--context", type=_csv, default=[], help="context tags, e.g. typescript,react")
    p.add_argument("--strategy", choices=STRATEGIES, default="balanced")
    p.add_argument(
        "--weights", type=_weights, default=None, help="category weights, e.g. coding=2,reasoning=1"
    )
    p.add_argument("--max-latency", type=float, default=None, help="best_under_latency seconds")
    p.add_argument("--max-price", type=float, default=None, help="max blended $/1M tokens")


def _weights(value: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in _csv(value):
        name, sep, weight = part.partition("=")
        if not sep or name not in CATEGORIES:
            raise argparse.ArgumentTypeError(f"bad weight {part!r}: use category=number")
        try:
            out[name] = float(weight)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"bad weight {part!r}: not a number") from exc
    return out


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``smart-spawn pick: error: …`` and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="smart-spawn", description="Pick the best LLM for every sub-agent, and run them."
    )
    parser.add_argument("--version", action="version", version=f"smart-spawn {__version__}")
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")
    parser.add_argument("--home", type=Path, default=None, help="data directory")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    p = sub.add_parser("pick", help="the best model for a task")
    p.add_argument("task", nargs="?", help="task text (or use --category)")
    p.add_argument("--fallbacks", type=int, default=2)
    _selection_args(p)

    p = sub.add_parser("recommend", help="several diverse models for a task")
    p.add_argument("task", nargs="?")
    p.add_argument("--count", type=int, default=3)
    _selection_args(p)

    p = sub.add_parser("models", help="list models")
    p.add_argument("--category", choices=CATEGORIES)
    p.add_argument("--tier", choices=TIERS)
    p.add_argument("--sort", default="score", help="score, cost, efficiency or a category")
    p.add_argument("--limit", type=int, default=20)

    p = sub.add_parser("compare", help="compare 2-5 models")
    p.add_argument("models", nargs="+")

    p = sub.add_parser("classify", help="classify tasks (arguments, or one per line on stdin)")
    p.add_argument("tasks", nargs="*")

    sub.add_parser("status", help="catalog and source health")

    p = sub.add_parser("refresh", help="rebuild the catalog")
    p.add_argument("--source-dir", type=Path, default=None, help="raw source files directory")
    p.add_argument("--live", action="store_true", help="fetch sources over the network")
    p.add_argument("--import-csv", type=Path, action="append", default=[], help="OpenMark CSV")

    for extra in EXTRA_PARSERS:
        extra(sub)
    return parser


#: Further subcommands register here (serve, spawn, chat, mcp …) from their own modules.
EXTRA_PARSERS: list[Callable[[argparse._SubParsersAction[Any]], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    _load_extras()
    configure_logging(level="WARNING")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        services = Runtime.open(home=args.home)
        with services:
            result = COMMANDS[args.command](args, services)
            if result is not None:
                if args.json:
                    text = json.dumps(_jsonable(result), ensure_ascii=False, indent=2)
                else:
                    text = render(args.command, result)
                return _emit(text)
        return 0
    except SmartSpawnError as exc:
        print(f"smart-spawn: error: {exc.message}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        print(f"smart-spawn: error: {where}: {first['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _emit(text: str) -> int:
    """Print ``text``; a reader that went away (``| head``) ends the command quietly, status 1,
    as the Python docs advise (stdout is pointed at devnull so the exit flush cannot fail)."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def _jsonable(result: object) -> object:
    from pydantic import BaseModel

    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True, exclude_none=False)
    if isinstance(result, list):
        return [_jsonable(r) for r in result]
    return result


def _load_extras() -> None:
    # Extra command modules register parsers and handlers on import; imported lazily here so
    # `import smart_spawn_plugin.cli` stays cheap and side-effect free.
    from smart_spawn_plugin import cli_commands, cli_dashboard  # noqa: F401

    if cli_dashboard.register not in EXTRA_PARSERS:
        EXTRA_PARSERS.append(cli_dashboard.register)
        COMMANDS["dashboard"] = cli_dashboard.run


__all__ = ["COMMANDS", "EXTRA_PARSERS", "InvalidParam", "command", "main"]
