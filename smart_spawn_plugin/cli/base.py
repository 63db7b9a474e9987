"""What every command module uses: the parser class, :func:`command`, the run :class:`Context`.

A command is one ``command(sub, name, handler, view=…)`` call inside a module's
``register(sub)`` function (see :mod:`smart_spawn_plugin.cli.app` for the table of modules).

- ``handler(ctx) -> object`` does the work and returns the result: a pydantic model, a dict or
  list (printed as JSON with ``--json``), or ``None`` when it printed everything itself.
- ``view(result, term)`` renders that result for people (tables, lines) on a
  :class:`~smart_spawn_plugin.cli.term.Term`; without a view the result is printed as JSON.

This module imports only the standard library: building the whole argument tree must not
import pydantic, the engine or rich (``smart-spawn --version`` stays fast). Handlers import
what they need inside their body.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, TypeVar

if TYPE_CHECKING:
    from smart_spawn_plugin.cli.term import Term
    from smart_spawn_plugin.runtime import Runtime

T = TypeVar("T")
Handler = Callable[["Context"], object]
View = Callable[[Any, "Term"], None]


class CliParser(argparse.ArgumentParser):
    """argparse with one-line errors (``smart-spawn pick: error: …``, status 2) and the global
    flags on every subcommand, so ``smart-spawn pick "task" --json`` works as well as
    ``smart-spawn --json pick "task"``.

    Subcommand parsers inherit this class (argparse creates them with ``type(parent)``); their
    copies of the global flags default to ``SUPPRESS``, so a flag given before the subcommand is
    not reset by the subcommand's parser.
    """

    def __init__(self, *args: Any, root: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_global_flags(self, root=root)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


#: What ``register(sub)`` receives: the subparsers of the ``smart-spawn`` parser.
Subcommands: TypeAlias = "argparse._SubParsersAction[CliParser]"


def add_global_flags(parser: argparse.ArgumentParser, *, root: bool) -> None:
    """``--json``, ``--home``, ``--verbose``: real defaults on the root parser only."""

    def default(value: object) -> object:
        return value if root else argparse.SUPPRESS

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="machine-readable JSON on stdout instead of tables and text",
    )
    group.add_argument(
        "--home",
        type=Path,
        default=default(None),
        metavar="DIR",
        help="data directory (default: $SMART_SPAWN_HOME or ~/.smart-spawn)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="log to stderr: -v info, -vv debug (stdout stays clean)",
    )


def command(
    sub: Subcommands,
    name: str,
    handler: Handler,
    *,
    help: str,  # argparse's own keyword
    view: View | None = None,
    description: str | None = None,
    json_lines: bool = False,
) -> CliParser:
    """Add subcommand ``name`` running ``handler``; returns its parser for the arguments.

    ``help`` is the one-line summary in ``smart-spawn --help``; ``description`` (default: the
    same) heads ``smart-spawn NAME --help``. ``json_lines`` prints a list result as one JSON
    object per line under ``--json`` (streams, e.g. ``classify``).
    """
    parser: CliParser = sub.add_parser(name, help=help, description=description or help)
    parser.set_defaults(handler=handler, view=view, json_lines=json_lines)
    return parser


def csv(value: str) -> list[str]:
    """Comma-separated values, blanks dropped (argparse ``type=``)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def positive_int(value: str) -> int:
    """An integer >= 1 (argparse ``type=``)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


@dataclass
class Context:
    """One command run: the parsed arguments and the process's runtime, opened on first use.

    The only place the CLI meets the composition root (:class:`~smart_spawn_plugin.runtime.
    Runtime`): handlers pick, recommend, compare and rate through it, never around it.
    """

    args: argparse.Namespace
    _runtime: Runtime | None = field(default=None, repr=False)

    @property
    def json(self) -> bool:
        return bool(self.args.json)

    @property
    def home(self) -> Path | None:
        home: Path | None = self.args.home
        return home

    def runtime(self, *, recommender: str | None = None) -> Runtime:
        """Settings, store, catalog and recommender for ``--home`` (opened once; closed by
        :meth:`close`). ``recommender`` forces one (``local`` for the HTTP server) at the open."""
        if self._runtime is None:
            from smart_spawn_plugin.runtime import Runtime

            self._runtime = Runtime.open(home=self.home, recommender=recommender)
        return self._runtime

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run async work at the edge (the CLI is synchronous; the core is async), in one event
        loop that also closes the runtime's HTTP client if the work opened it."""
        import asyncio

        async def main() -> T:
            try:
                return await coro
            finally:
                if self._runtime is not None:
                    await self._runtime.aclose_http()

        return asyncio.run(main())

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None
