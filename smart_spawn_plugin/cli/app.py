"""The ``smart-spawn`` command: the argument tree, and one run from argv to exit status.

Commands come from the modules in :data:`COMMAND_GROUPS`, each with a
``register(sub: Subcommands) -> None`` that adds its subcommands through
:func:`smart_spawn_plugin.cli.base.command`. Adding a command group is one line in that
tuple; nothing registers itself on import.

Human output by default (tables on a terminal, plain aligned text in a pipe), ``--json`` for
machines; logs (``-v``) go to stderr only. Bad input prints one line on stderr, cause first,
and exits 2 (usage) or 1; never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Final

import smart_spawn_plugin.cli.dashboard as dashboard
import smart_spawn_plugin.cli.feedback as feedback
import smart_spawn_plugin.cli.providers as providers
import smart_spawn_plugin.cli.roles as roles
import smart_spawn_plugin.cli.routing as routing
import smart_spawn_plugin.cli.servers as servers
import smart_spawn_plugin.cli.spawn as spawn
from smart_spawn_plugin import __version__
from smart_spawn_plugin.cli.base import CliParser, Context

#: The command groups, in ``--help`` order. Each module's ``register(sub)`` adds its commands.
COMMAND_GROUPS: Final[tuple[ModuleType, ...]] = (
    routing,
    spawn,
    feedback,
    roles,
    servers,
    dashboard,
    providers,
)

PROG: Final = "smart-spawn"
LOG_LEVELS: Final = ("WARNING", "INFO", "DEBUG")


def build_parser() -> CliParser:
    """The whole argument tree (imports no third-party package)."""
    parser = CliParser(
        prog=PROG,
        root=True,
        description="Pick the best LLM for every sub-agent, and run them.",
        epilog="Global options work before or after the command. "
        "Run 'smart-spawn COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (argparse usage errors exit 2 directly)."""
    args = build_parser().parse_args(argv)
    from smart_spawn_plugin.log import configure

    configure(level=LOG_LEVELS[min(args.verbose, 2)])
    ctx = Context(args)
    try:
        result = args.handler(ctx)
        if result is not None:
            _print_result(ctx, result)
        return 0
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every failure ends as one line; see failures.explain
        return _fail(exc, args.verbose)
    finally:
        ctx.close()


def _fail(exc: Exception, verbose: int) -> int:
    from smart_spawn_plugin.cli.failures import explain

    message, status = explain(exc)
    if verbose >= 2 and message.startswith("unexpected"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    return status


def _print_result(ctx: Context, result: object) -> None:
    if ctx.json:
        data = to_jsonable(result)
        if ctx.args.json_lines and isinstance(data, list):
            text = "\n".join(json.dumps(item, ensure_ascii=False) for item in data)
        else:
            text = json.dumps(data, ensure_ascii=False, indent=2)
        print(text, flush=True)
        return
    if isinstance(result, str):
        print(result, flush=True)
        return
    view = ctx.args.view
    if view is None:
        print(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2), flush=True)
        return
    from smart_spawn_plugin.cli.term import open_term

    view(result, open_term())
    sys.stdout.flush()


def _reader_gone() -> int:
    """A reader that went away (``| head``) ends the command quietly, status 1, as the Python
    docs advise (stdout is pointed at devnull so the exit flush cannot fail)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def to_jsonable(result: object) -> object:
    """pydantic models as their wire JSON (camelCase), lists element-wise, the rest as is."""
    from pydantic import BaseModel

    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True, exclude_none=False)
    if isinstance(result, list):
        return [to_jsonable(r) for r in result]
    return result
