"""The ``smart-spawn`` command line (console script ``smart_spawn_plugin.cli:main``).

Layout: :mod:`.app` builds the parser from :data:`.app.COMMAND_GROUPS` and runs one command;
:mod:`.base` holds the parser class, :func:`.base.command` and the run context; :mod:`.term`
prints lines and tables (rich on a terminal, plain text elsewhere); :mod:`.failures` turns
exceptions into one line and an exit status; one module per command group (:mod:`.routing`,
:mod:`.spawn`, :mod:`.feedback`, :mod:`.roles`, :mod:`.servers`) with its views beside it.

To add commands, write a module with ``register(sub)`` calling ``command(sub, name, handler,
help=…, view=…)`` and name the module in ``COMMAND_GROUPS``. Keep its top-level imports to the
standard library and :mod:`smart_spawn_plugin.vocab`; import the rest inside the handler.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``smart-spawn`` with ``argv`` (default: the process's); returns the exit status."""
    from smart_spawn_plugin.cli.app import main as run

    return run(argv)


__all__ = ["main"]
