"""The ``smart-spawn`` parser and run loop (``cli.app``, ``cli.base``, ``cli.failures``)."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

import pytest

from smart_spawn_plugin.cli import app
from smart_spawn_plugin.cli.base import CliParser, Context, command
from smart_spawn_plugin.cli.failures import CommandFailed, explain
from smart_spawn_plugin.errors import InvalidParam, NoModel
from tests.cli.conftest import Run

#: Every test starts from a home holding the built catalog (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("warm_home")

HEAVY = ("pydantic", "rich", "httpx", "structlog", "fastapi", "mcp", "smart_spawn_plugin.engine")


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_parsers(sub))
    return found


def test_building_the_parser_imports_nothing_heavy() -> None:
    """``--version``/``--help`` speed rests on this: the tree needs only the standard library."""
    code = (
        "import sys; from smart_spawn_plugin.cli.app import build_parser; build_parser(); "
        f"print([m for m in sys.modules if m.startswith({HEAVY!r})])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"


def test_every_command_and_option_has_help() -> None:
    parser = app.build_parser()
    missing = [
        f"{p.prog} {'/'.join(a.option_strings) or a.dest}"
        for p in _parsers(parser)
        for a in p._actions
        if a.help is None and not isinstance(a, argparse._SubParsersAction)
    ]
    assert missing == []
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert set(helps) >= set(
        [
            "pick",
            "recommend",
            "models",
            "compare",
            "classify",
            "status",
            "refresh",
            "spawn",
            "chat",
            "feedback",
            "roles",
            "serve",
            "mcp",
        ]
    )
    assert all(helps.values())


def test_every_command_has_a_handler_and_global_flags() -> None:
    parser = app.build_parser()
    for p in _parsers(parser)[1:]:
        flags = {s for a in p._actions for s in a.option_strings}
        assert {"--json", "--home", "--verbose"} <= flags, p.prog
    args = parser.parse_args(["models", "--json", "--home", "/tmp/x", "-vv"])
    assert (args.json, str(args.home), args.verbose) == (True, "/tmp/x", 2)
    assert callable(args.handler)
    args = parser.parse_args(["--json", "-v", "models"])  # not reset by the subparser
    assert (args.json, args.verbose) == (True, 1)


def test_a_registered_group_runs(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The registration API end to end: a module with ``register(sub)`` in the table."""

    class Group:
        @staticmethod
        def register(sub: object) -> None:
            p = command(sub, "hello", hello, help="say hello", view=view)  # type: ignore[arg-type]
            p.add_argument("name", help="who")

    def hello(ctx: Context) -> object:
        return {"greeting": f"hello {ctx.args.name}"}

    def view(result: dict[str, str], term: object) -> None:
        term.line(result["greeting"].upper())  # type: ignore[attr-defined]

    monkeypatch.setattr(app, "COMMAND_GROUPS", (*app.COMMAND_GROUPS, Group))
    assert run("hello", "world") == (0, "HELLO WORLD\n", "")
    code, out, _ = run("hello", "world", "--json")
    assert code == 0 and json.loads(out) == {"greeting": "hello world"}


def test_usage_errors_exit_2_in_one_line(run: Run) -> None:
    code, out, err = run("pick", "x", "--limit", "3")
    assert code == 2 and out == ""
    assert err == "smart-spawn: error: unrecognized arguments: --limit 3\n"
    code, _, err = run()
    assert code == 2 and "required: COMMAND" in err


def test_the_translator() -> None:
    from smart_spawn_plugin import errors
    from smart_spawn_plugin.cli import failures

    assert (failures.USAGE, failures.FAILURE) == (errors.EXIT_USAGE, errors.EXIT_FAILURE)
    assert explain(InvalidParam("bad budget", field="budget")) == ("bad budget", 2)
    assert explain(NoModel("nothing fits"))[1] == 1
    assert explain(CommandFailed("run failed")) == ("run failed", 1)
    message, status = explain(FileNotFoundError(2, "No such file or directory", "/x.csv"))
    assert (message, status) == ("No such file or directory: /x.csv", 1)
    message, status = explain(RuntimeError("boom"))
    assert status == 1 and message.startswith("unexpected RuntimeError: boom")


def test_unexpected_errors_are_one_line_unless_very_verbose(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smart_spawn_plugin.cli import routing

    def broken(ctx: Context) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(routing, "status", broken)
    code, _, err = run("status")
    assert code == 1 and err == "smart-spawn: error: unexpected RuntimeError: boom " \
        "(-vv shows the traceback)\n"  # fmt: skip
    code, _, err = run("status", "-vv")
    assert code == 1 and "Traceback" in err


def test_parser_class_is_used_for_nested_commands() -> None:
    parser = app.build_parser()
    roles = next(p for p in _parsers(parser) if p.prog.endswith("roles compose"))
    assert isinstance(roles, CliParser)


def test_a_local_pick_loads_no_network_logging_or_terminal_library(tmp_path: object) -> None:
    """``pick``'s start-up budget on a warm home: no httpx (remote API and refresh only),
    structlog (first log line only), rich (terminals only), FastAPI or MCP on the path of a
    local pick printed to a pipe."""
    warm = [sys.executable, "-m", "smart_spawn_plugin", "--home", str(tmp_path), "status"]
    subprocess.run(warm, capture_output=True, check=True, timeout=120)  # builds the catalog
    code = (
        "import sys; from smart_spawn_plugin.cli import main; "
        f"status = main(['--home', {str(tmp_path)!r}, 'pick', 'refactor the parser']); "
        "print([m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'structlog', 'rich', 'fastapi', 'mcp', 'uvicorn')], status, file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert proc.stderr.strip().splitlines()[-1] == "[] 0"
    assert re.match(r"[a-z0-9-]+/[a-z0-9.:-]+  ", proc.stdout)  # the pick's id, then its name
