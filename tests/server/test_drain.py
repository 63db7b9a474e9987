"""Graceful shutdown: SIGTERM lets a request in flight finish (and store its rating), refuses new
connections, then the replica exits."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import time

from tests.cluster import cluster


def test_sigterm_drains_a_request_in_flight(tmp_path) -> None:
    body = json.dumps({"model": "openai/gpt-4o", "category": "coding", "rating": 5}).encode()
    head = (
        "POST /api/spawn-log/outcome HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with cluster(tmp_path, 1, database_url=None, redis_url=None) as group:
        replica = group[0]
        assert replica.proc is not None
        with socket.create_connection(("127.0.0.1", replica.port), timeout=30) as s:
            s.sendall(head + body[:10])  # the request is in flight: half its body sent
            # wait until the server has read the request line (a probe on another connection
            # would count against nothing: the server answers health before we go on)
            with socket.create_connection(("127.0.0.1", replica.port), timeout=30) as probe:
                probe.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert probe.recv(12).startswith(b"HTTP/1.1 200")
            replica.proc.send_signal(signal.SIGTERM)
            assert _refused_soon(replica.port)  # no new connections once draining
            s.sendall(body[10:])
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        # uvicorn re-raises the captured SIGTERM once it has drained: exit by that signal
        assert replica.proc.wait(timeout=30) in (0, -signal.SIGTERM)
    with sqlite3.connect(replica.home / "smart-spawn.db") as db:
        stored = db.execute("SELECT COUNT(*) FROM ratings WHERE model = 'openai/gpt-4o'").fetchone()
    db.close()
    assert stored[0] == 1


def _refused_soon(port: int) -> bool:
    """Whether the listening socket closes (connections refused) within a generous bound."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return True
        time.sleep(0.01)
    return False
