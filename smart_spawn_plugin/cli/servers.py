"""``smart-spawn serve`` (the HTTP API) and ``smart-spawn mcp`` (the MCP server).

The parsers are here; FastAPI/uvicorn and the MCP SDK are imported only when the command
runs (``serve`` and ``mcp_server.serve`` say what to install when they are missing).
"""

from __future__ import annotations

from smart_spawn_plugin.cli.base import Context, Subcommands, command


def register(sub: Subcommands) -> None:
    """Add serve (its options are the server's own, from ``server.serve``) and mcp."""
    from smart_spawn_plugin.server.serve import add_serve_parser

    add_serve_parser(sub)
    sub.choices["serve"].set_defaults(handler=serve, view=None, json_lines=False)

    p = command(sub, "mcp", mcp, help="run the MCP server (stdio; or streamable HTTP on 127.0.0.1)")
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="default stdio")
    p.add_argument(
        "--port", type=int, default=8765, help="HTTP port, 127.0.0.1 only (default 8765)"
    )


def serve(ctx: Context) -> None:
    """Serve the API until interrupted (it always routes in process, as ``server.serve``)."""
    from smart_spawn_plugin.server.serve import serve as serve_api

    serve_api(ctx.args, ctx.runtime(recommender="local"))


def mcp(ctx: Context) -> None:
    """Serve MCP until the client disconnects (stdio) or the process is stopped (HTTP)."""
    from smart_spawn_plugin.mcp_server import serve as serve_mcp

    serve_mcp(ctx.runtime(), transport=ctx.args.transport, port=ctx.args.port)
