"""``smart-spawn dashboard``: serves the dashboard when nothing answers, else just points at
the running server; never opens a browser with ``--no-browser``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.cli.dashboard import dashboard_url

STARTUP_LIMIT_S = 60.0  # a bound on waiting, not a performance assertion


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(home: Path, *args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("smart-spawn")), "--home", str(home), *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SMART_SPAWN_")}


def test_dashboard_url_shows_a_reachable_address() -> None:
    assert dashboard_url("127.0.0.1", 3000) == "http://127.0.0.1:3000/dashboard"
    assert dashboard_url("0.0.0.0", 8080) == "http://127.0.0.1:8080/dashboard"  # noqa: S104
    assert dashboard_url("::1", 3000) == "http://[::1]:3000/dashboard"


def test_dashboard_starts_the_server_then_reuses_it(tmp_path: Path) -> None:
    port = _free_port()
    args = ["dashboard", "--no-browser", "--port", str(port)]
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(_cli(tmp_path / "home", *args), env=_env(), stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/dashboard"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                page = httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("dashboard did not start")
                time.sleep(0.2)
        assert page.status_code == 200 and "Try a task" in page.text
        again = subprocess.run(
            _cli(tmp_path / "home2", *args), env=_env(), capture_output=True, text=True, timeout=60
        )
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert f"smart-spawn dashboard: {url}" in (tmp_path / "server.log").read_text()


def test_dashboard_rejects_a_bad_port(tmp_path: Path) -> None:
    done = subprocess.run(
        _cli(tmp_path, "dashboard", "--port", "99999"), env=_env(), capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "port must be 0-65535" in done.stderr and "Traceback" not in done.stderr
