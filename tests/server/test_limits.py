"""Connection limits of ``smart-spawn serve`` (issue 11, item 2), against a real uvicorn server
on 127.0.0.1 with the options ``serve`` uses. No timed assertions: each check waits for an
event (a reply, a closed socket) with a generous bound."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.server.serve import uvicorn_options
from smart_spawn_plugin.settings import ServerSettings

BOUND = 20.0  # seconds: only a hang would reach it


@pytest.fixture
def served(services: Runtime) -> Iterator[Any]:
    def start(**fields: Any) -> tuple[int, uvicorn.Server]:
        config = ServerSettings(access_log=False, background_refresh=False, **fields)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        options = uvicorn_options(config, host="127.0.0.1", port=port, log_level="error")
        server = uvicorn.Server(uvicorn.Config(create_app(services, config), **options))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + BOUND
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        started.append((server, thread, sock))
        return port, server

    started: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []
    yield start
    for server, thread, sock in started:
        server.should_exit = True
        thread.join(BOUND)
        sock.close()


def _connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
    conn.settimeout(BOUND)
    return conn


def _read_all(conn: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_oversized_request_head_gets_431_and_is_closed(served: Any) -> None:
    port, _ = served(max_header_bytes=8192)
    with _connect(port) as conn:
        head = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
        with contextlib.suppress(OSError):  # the server may close while we are still sending
            conn.sendall(head)
        reply = _read_all(conn)
    assert reply.startswith(b"HTTP/1.1 431")


def test_normal_head_is_served(served: Any) -> None:
    port, _ = served(max_header_bytes=8192)
    with _connect(port) as conn:
        conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert _read_all(conn).startswith(b"HTTP/1.1 200")


def test_silent_connection_is_closed(served: Any) -> None:
    port, _ = served(header_timeout_s=0.2)
    with _connect(port) as conn:
        reply = _read_all(conn)  # returns only once the server closes the socket
    assert reply.startswith(b"HTTP/1.1 408")


def test_slow_head_is_closed(served: Any) -> None:
    port, _ = served(header_timeout_s=0.3)
    with _connect(port) as conn:
        conn.sendall(b"GET /api/health HTTP/1.1\r\n")  # and never the rest
        assert _read_all(conn).startswith(b"HTTP/1.1 408")


def test_idle_keep_alive_connection_is_closed(served: Any) -> None:
    port, _ = served(keep_alive_s=0.2)
    with _connect(port) as conn:
        conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = _read_all(conn)  # the response, then the close after keep-alive
    assert reply.startswith(b"HTTP/1.1 200")


def test_concurrency_limit_answers_503(served: Any) -> None:
    port, _ = served(max_connections=3)
    idle = [_connect(port) for _ in range(2)]
    try:
        for conn in idle:  # make sure the server has accepted them
            conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.recv(64).startswith(b"HTTP/1.1 200")
        with _connect(port) as extra:
            extra.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert _read_all(extra).startswith(b"HTTP/1.1 503")
    finally:
        for conn in idle:
            conn.close()
