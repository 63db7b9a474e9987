"""Smoke test: ``smart-spawn serve`` on 127.0.0.1 on a free port, called over real HTTP."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.helpers import serving


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_command(port: int, home: Path) -> list[str]:
    """The real console script, ``smart-spawn serve``, from the environment under test."""
    exe = Path(sys.executable).with_name("smart-spawn")
    return [
        str(exe),
        "--home",
        str(home),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


@pytest.fixture
def server(tmp_path: Path, warm_home: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMART_SPAWN_")}
    base = f"http://127.0.0.1:{port}"
    with serving(_serve_command(port, warm_home), env, tmp_path / "server.log", base):
        yield base


def test_serve_over_real_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as c:
        pick = c.get("/api/pick", params={"task": "refactor a rust crate"})
        assert pick.status_code == 200
        assert pick.json()["data"]["id"]
        assert pick.headers["x-content-type-options"] == "nosniff"
        assert (
            c.get("/api/pick", params={"task": "refactor a rust crate"}).headers["x-cache"] == "HIT"
        )
        assert c.get("/status").json()["data"]["modelCount"] > 0
        bad = c.get("/api/pick", params={"task": "x", "budget": "lots"})
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "INVALID_PARAM"
        assert c.get("/api/openapi.json").status_code == 200
        body = c.post("/api/spawn-log", json={"model": "a/b", "category": "coding"})
        assert body.json() == {"data": {"logged": True, "id": 1}}
