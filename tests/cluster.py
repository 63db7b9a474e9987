"""N ``smart-spawn serve`` replicas on loopback, sharing one store (a PostgreSQL URL or one SQLite
file) and, optionally, one Redis — real processes, started and stopped by tests and by
``bench/replicas.py``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.engines import free_port


def smart_spawn_exe() -> str:
    exe = Path(sys.executable).parent / "smart-spawn"
    return str(exe) if exe.exists() else "smart-spawn"


@dataclass
class Replica:
    name: str
    port: int
    home: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.home / f"serve-{self.name}.log").open("ab")
        self.proc = subprocess.Popen(
            [smart_spawn_exe(), "serve", "--port", str(self.port), "--log-level", "warning"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                text = (self.home / f"serve-{self.name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"replica {self.name} exited: {text}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/api/ready", timeout=2.0).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"replica {self.name} not ready after {timeout}s")

    def kill(self) -> None:
        """kill -9: no shutdown, no draining."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Cluster:
    replicas: list[Replica] = field(default_factory=list)

    def __getitem__(self, i: int) -> Replica:
        return self.replicas[i]


@contextlib.contextmanager
def cluster(
    root: Path,
    count: int,
    *,
    database_url: str | None,
    redis_url: str | None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """Start ``count`` replicas; without ``database_url`` they share one SQLite file."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMART_SPAWN_")}
    shared_home = root / "shared-home"
    group = Cluster()
    for i in range(count):
        home = shared_home if database_url is None else root / f"home-{i}"
        home.mkdir(parents=True, exist_ok=True)
        env = {**base, "SMART_SPAWN_HOME": str(home), **(extra_env or {})}
        if database_url:
            env["SMART_SPAWN_DATABASE_URL"] = database_url
        if redis_url:
            env["SMART_SPAWN_REDIS_URL"] = redis_url
        replica = Replica(name="ABCDEFGH"[i], port=free_port(), home=home, env=env)
        group.replicas.append(replica)
    try:
        for replica in group.replicas:
            replica.start()
        for replica in group.replicas:
            replica.wait_ready()
        yield group
    finally:
        for replica in group.replicas:
            replica.stop()
