"""``smart-spawn dashboard``: open the browser dashboard, starting the server if needed.

If a smart-spawn server already answers on ``--host``/``--port`` the command opens
``http://HOST:PORT/dashboard`` and returns; otherwise it serves the API and the dashboard in
this process (as ``smart-spawn serve`` does) and opens the page once the server is up.
``--no-browser`` only prints the address (for SSH sessions and tests).

:func:`register` adds the subcommand (its group in ``cli.app.COMMAND_GROUPS``); :func:`run`
is its handler. httpx and the server load when the command runs.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Final

from smart_spawn_plugin.cli.base import Context, Subcommands, command

DEFAULT_HOST: Final = "127.0.0.1"
#: How long the browser opener waits for a starting server (it gives up silently after).
STARTUP_WAIT_S: Final = 60.0


def register(sub: Subcommands) -> None:
    """Add ``dashboard``."""
    from smart_spawn_plugin.server.serve import _port

    p = command(sub, "dashboard", run, help="open the browser dashboard (serving it if needed)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"server address (default {DEFAULT_HOST})")
    p.add_argument("--port", type=_port, default=None, help="port (default $PORT or 3000)")
    p.add_argument("--no-browser", action="store_true", help="print the address, open nothing")
    p.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="server log level (default warning)",
    )
    p.add_argument("--log-json", action="store_true", help="JSON log lines")


def dashboard_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a display address
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/dashboard"


def server_running(url: str) -> bool:
    """Whether a smart-spawn server answers its health check at ``url``'s origin."""
    import httpx

    health = url.rsplit("/dashboard", 1)[0] + "/api/health"
    try:
        response = httpx.get(health, timeout=1.0)
        return response.status_code == 200 and response.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError):
        return False


def _open_when_ready(url: str, open_browser: bool) -> None:
    deadline = time.monotonic() + STARTUP_WAIT_S
    while time.monotonic() < deadline:
        if server_running(url):
            print(f"smart-spawn dashboard: {url}", file=sys.stderr, flush=True)
            if open_browser:
                import webbrowser

                webbrowser.open(url)
            return
        time.sleep(0.2)


def run(ctx: Context) -> None:
    """Open the dashboard; serve it first when no server answers (blocks until interrupted)."""
    args = ctx.args
    runtime = ctx.runtime(recommender="local")  # the server always routes in process
    if args.port is None:
        args.port = runtime.settings.server.port
    url = dashboard_url(args.host, args.port)
    if server_running(url):
        print(url, flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)
        return
    from smart_spawn_plugin.server.serve import serve

    opener = threading.Thread(target=_open_when_ready, args=(url, not args.no_browser), daemon=True)
    opener.start()
    serve(args, runtime)
