"""Helpers shared by the server tests."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from smart_spawn_plugin.server.app import Api
from smart_spawn_plugin.server.deps import ServerState
from tests.engines import wait_http


def client_for(app: Api, client: tuple[str, int] = ("127.0.0.1", 50000)) -> httpx.AsyncClient:
    """An in-process client; ``client`` is the socket peer address the app sees."""
    transport = httpx.ASGITransport(app=app, client=client)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def state(app: Api) -> ServerState:
    result: ServerState = app.state.server
    return result


def error(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response (asserting the envelope)."""
    body = response.json()
    assert set(body) == {"error"}, body
    err: dict[str, Any] = body["error"]
    assert isinstance(err["code"], str) and err["message"]
    return err


#: a bound on waiting for a server to answer, not a performance assertion
STARTUP_LIMIT_S = 60.0


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], log_path: Path, base: str) -> Iterator[str]:
    """Run ``command`` (a ``smart-spawn serve``), output to ``log_path``; yield ``base`` once
    ``/api/health`` answers 200 (fail with the log if it exits first); stop it with SIGINT."""
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_http(proc, f"{base}/api/health", STARTUP_LIMIT_S, "server", log_path)
            yield base
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
