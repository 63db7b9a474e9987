"""The closed-loop HTTP load generator of ``bench/api.py`` and ``bench/replicas.py``.

:func:`run` starts this file as a *separate process* (so the load does not share the caller's
interpreter or GIL) and returns the JSON it prints. The child opens ``connections`` keep-alive
connections spread round-robin over ``ports`` on 127.0.0.1; each sends the next of ``requests``
(raw HTTP/1.1 bytes, rotating) as soon as its previous answer arrived — or, when ``every`` is
set, ``every_request`` in place of every ``every``-th one — for ``warmup`` + ``seconds``
seconds, timing only requests sent after the warm-up. It uses raw asyncio sockets and the
standard library only (``Content-Length`` bodies; no chunked responses): on a 2-core machine it
needs a core of its own, so it under-reports there.

Output: ``requests``, ``rps``, ``p50_ms``, ``p99_ms``, ``statuses`` ({status: count}) and
``non_2xx`` (answers with a status of 300 or more).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any


def request(method: str, path: str, body: str | None = None, host: str = "127.0.0.1") -> bytes:
    """One raw HTTP/1.1 request (keep-alive, a JSON body when given)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
    data = b""
    if body is not None:
        data = body.encode()
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return (head + "\r\n").encode() + data


def run(
    ports: list[int],
    requests: list[bytes],
    *,
    connections: int,
    seconds: float,
    warmup: float,
    every: int = 0,
    every_request: bytes = b"",
) -> dict[str, Any]:
    """Load ``ports`` from a child process (see the module docstring); its figures."""
    config = {
        "ports": ports,
        "requests": [r.decode("latin-1") for r in requests],
        "connections": connections,
        "seconds": seconds,
        "warmup": warmup,
        "every": every,
        "every_request": every_request.decode("latin-1"),
    }
    out = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(config),
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + warmup + 120,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


async def _load(config: dict[str, Any]) -> tuple[list[float], dict[int, int]]:
    ports: list[int] = config["ports"]
    reqs = [r.encode("latin-1") for r in config["requests"]]
    every: int = config["every"]
    special = str(config["every_request"]).encode("latin-1")
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker(i: int, start: float, stop: float) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[i % len(ports)])
        n = i
        while True:
            t0 = time.perf_counter()
            if t0 >= stop:
                break
            writer.write(special if every and n % every == every - 1 else reqs[n % len(reqs)])
            n += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            t1 = time.perf_counter()
            if t0 >= start:
                latencies.append(t1 - t0)
                statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    now = time.perf_counter()
    start, stop = now + config["warmup"], now + config["warmup"] + config["seconds"]
    await asyncio.gather(*(worker(i, start, stop) for i in range(config["connections"])))
    return latencies, statuses


def main() -> None:
    config = json.loads(sys.stdin.read())
    latencies, statuses = asyncio.run(_load(config))
    latencies.sort()
    n = len(latencies)

    def pct(q: float) -> float | None:
        return round(latencies[min(n - 1, int(q * n))] * 1000, 3) if n else None

    print(
        json.dumps(
            {
                "requests": n,
                "rps": round(n / config["seconds"], 1),
                "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
                "statuses": statuses,
                "non_2xx": sum(v for k, v in statuses.items() if k >= 300),
            }
        )
    )


if __name__ == "__main__":
    main()
