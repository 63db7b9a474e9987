"""``smart-spawn mcp``: the MCP server subcommand.

Importing this module registers the subcommand with the CLI (as ``cli_commands`` does for the
routing commands); the MCP SDK itself is imported only when the command runs. The CLI wires it
with one line in ``cli._load_extras``::

    from smart_spawn_plugin.mcp import cli as _mcp_cli  # noqa: F401
"""

from __future__ import annotations

import argparse

from smart_spawn_plugin.cli import EXTRA_PARSERS, command
from smart_spawn_plugin.runtime import Runtime


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``smart-spawn mcp [--transport stdio|http] [--port N]``."""
    p = sub.add_parser("mcp", help="run the MCP server (stdio; or streamable HTTP on 127.0.0.1)")
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (127.0.0.1 only)")


@command("mcp")
def mcp_command(args: argparse.Namespace, services: Runtime) -> None:
    """Serve until the client disconnects (stdio) or the process is stopped (HTTP)."""
    from smart_spawn_plugin.mcp_server import serve

    serve(services, transport=args.transport, port=args.port)


if add_parser not in EXTRA_PARSERS:
    EXTRA_PARSERS.append(add_parser)
