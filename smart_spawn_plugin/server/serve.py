"""``smart-spawn serve [--host 127.0.0.1] [--port 3000]``: the HTTP API through uvicorn.

The CLI (``smart_spawn_plugin.cli.servers``) adds :func:`add_serve_parser` to its tree and
calls :func:`serve`; ``python -m smart_spawn_plugin.server.serve`` runs the same parser and
handler standalone. Importing this module imports no third-party package (the CLI builds its
parser from it on every start), so the rest is imported inside the functions.
The default host is loopback (the original bound 0.0.0.0 unconditionally); pass
``--host 0.0.0.0`` in a container. uvicorn runs on uvloop (when installed) with httptools and
these limits (``settings.ServerSettings``, env ``SMART_SPAWN_*``):

* request line + headers at most ``max_header_bytes`` (32 KiB) → 431 and close;
* a complete request head within ``header_timeout_s`` (10 s) of connecting or of its first byte
  → else 408 and close (silent and slow clients cannot hold sockets);
* idle keep-alive connections closed after ``keep_alive_s`` (5 s);
* at most ``max_connections`` (512) connections + running requests → 503 beyond;
* bodies at most 1 MiB (413), query strings at most 16 KiB (400), 200 requests/min per client.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smart_spawn_plugin.runtime import Runtime

if TYPE_CHECKING:
    from smart_spawn_plugin.settings import ServerSettings

DEFAULT_HOST = "127.0.0.1"


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be an integer, got {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {port}")
    return port


def add_serve_parser(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``serve`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("serve", help="serve the HTTP routing API")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"bind address (default {DEFAULT_HOST})")
    p.add_argument(
        "--port",
        type=_port,
        default=None,
        help="port (default $PORT or 3000)",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level (default info: one line per request)",
    )
    p.add_argument("--log-json", action="store_true", help="JSON log lines")


def serve(args: argparse.Namespace, runtime: Runtime) -> None:
    """Serve the API over ``runtime`` until interrupted; returns ``None``."""
    from smart_spawn_plugin.errors import SmartSpawnError
    from smart_spawn_plugin.log import configure

    try:
        import uvicorn
    except ImportError as exc:
        raise SmartSpawnError(
            "smart-spawn serve needs the server extra: pip install 'smart-spawn[server]'"
        ) from exc

    from smart_spawn_plugin.server.app import create_app

    configure(level=args.log_level.upper(), json=args.log_json)
    config = runtime.settings.server
    if args.log_level in ("warning", "error"):
        config = config.model_copy(update={"access_log": False})
    app = create_app(runtime, config)
    port = args.port if args.port is not None else config.port
    options = uvicorn_options(config, host=args.host, port=port, log_level=args.log_level)
    uvicorn.Server(uvicorn.Config(app, **options)).run()


def uvicorn_options(
    config: ServerSettings, *, host: str, port: int, log_level: str = "info"
) -> dict[str, Any]:
    """The ``uvicorn.Config`` keyword arguments of ``serve``, limits included (module
    docstring)."""
    from smart_spawn_plugin.server.protocol import BoundedHttpToolsProtocol

    http = BoundedHttpToolsProtocol.configured(
        max_head_bytes=config.max_header_bytes, head_timeout=config.header_timeout_s
    )
    return {
        "host": host,
        "port": port,
        "log_level": log_level,
        "http": http,
        "timeout_keep_alive": config.keep_alive_s,
        "limit_concurrency": config.max_connections,
        "access_log": False,  # our CoreMiddleware logs each request through structlog
        "server_header": False,
        "proxy_headers": False,  # client addresses: see ServerSettings.trusted_proxies
        # SIGTERM: stop accepting, let requests in flight finish (at most this long), then stop.
        "timeout_graceful_shutdown": config.drain_timeout_s,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point with the same parser and handler as ``smart-spawn serve``."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--home", default=None)
    known, rest = pre.parse_known_args(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="smart-spawn")
    sub = parser.add_subparsers(dest="command")
    add_serve_parser(sub)
    args = parser.parse_args(["serve", *rest])
    from smart_spawn_plugin.runtime import Runtime

    with Runtime.open(home=known.home, recommender="local") as runtime:
        serve(args, runtime)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
