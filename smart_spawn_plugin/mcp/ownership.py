"""Which MCP server owns a running run, and whether that owner is still alive.

Several MCP servers may share one runs store (two clients each starting ``smart-spawn mcp`` on
one home; or servers on several hosts sharing a PostgreSQL runs database). At start-up each
recovers runs left ``running`` by a crash — but only runs whose owner is gone, never another
live server's. Two ways to tell, one :class:`Ownership` protocol:

- :class:`FileOwnership` (the default): an OS file lock. Each server holds an exclusive
  ``flock`` on ``<home>/owners/<owner>.lock`` for its lifetime; the kernel drops it when the
  process exits, however it exits (kill -9 included). "Gone" is exact and immediate — no lease
  to wait out, no clock to trust — but only on this host: an owner id names its host, and an
  owner on another host cannot be judged here, so its runs are left alone (with a warning).
- :class:`LeaseOwnership` (``SMART_SPAWN_REDIS_URL`` set): a Redis lease per server
  (``store.lease``), renewed by a heartbeat. Any server on any host can tell: an owner whose
  lease expired (``ttl`` seconds after its last heartbeat) is gone. While Redis cannot be asked,
  nobody is judged gone.

Owner ids are ``<pid>-<random hex>@<host>``; ids from before hosts were named
(``<pid>-<hex>``) are taken to be on this host.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import uuid
from pathlib import Path
from typing import IO, Final, Protocol

from smart_spawn_plugin.errors import StoreUnavailable
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.store.lease import Lease

log = get_logger(__name__)

OWNERS_DIR: Final = "owners"
#: Seconds a Redis lease outlives its owner's last heartbeat (it beats every third of that).
LEASE_TTL_S: Final = 30.0
_LOCAL_PART: Final = re.compile(r"[0-9]+-[0-9a-f]+")


def this_host() -> str:
    """This machine's name, reduced to the characters an owner id may hold."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "localhost"


def new_owner_id() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:12]}@{this_host()}"


class Ownership(Protocol):
    """This process's owner id and a liveness test of any owner id."""

    owner: str

    def alive(self, owner: str | None) -> bool:
        """Whether ``owner`` is still running (``False`` for ``None`` or a malformed id; always
        ``True`` for this process's own id until :meth:`close`)."""
        ...

    def close(self) -> None:
        """This process is stopping: its runs become recoverable."""
        ...


class FileOwnership:
    """This process's owner id, held alive by a lock file until :meth:`close`."""

    def __init__(self, home: Path) -> None:
        self.dir = home / OWNERS_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.host = this_host()
        self.owner = new_owner_id()
        self._file: IO[bytes] | None = self._path(self.owner.partition("@")[0]).open("wb")
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _path(self, local: str) -> Path:
        return self.dir / f"{local}.lock"

    def alive(self, owner: str | None) -> bool:
        if owner is None:
            return False
        if owner == self.owner:
            return self._file is not None
        local, _, host = owner.partition("@")
        if not _LOCAL_PART.fullmatch(local):
            return False  # not an id we make: nobody can hold it
        if host and host != self.host:
            log.warning("run_owner_on_another_host", owner=owner, hint="set SMART_SPAWN_REDIS_URL")
            return True  # cannot be judged from here: leave its runs alone
        path = self._path(local)
        try:
            probe = path.open("rb")
        except FileNotFoundError:
            return False
        with probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(probe, fcntl.LOCK_UN)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # the owner is gone: tidy its lock file
        return False

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(FileNotFoundError):
                self._path(self.owner.partition("@")[0]).unlink()
            self._file.close()
            self._file = None


class LeaseOwnership:
    """This process's owner id, held alive by a Redis lease until :meth:`close`."""

    def __init__(self, redis_url: str, *, ttl: float = LEASE_TTL_S) -> None:
        self.owner = new_owner_id()
        self.lease = Lease.open(redis_url, f"mcp-owner:{self.owner}", ttl=ttl)

    def alive(self, owner: str | None) -> bool:
        if owner is None:
            return False
        try:
            return self.lease.held(f"mcp-owner:{owner}")
        except StoreUnavailable as exc:
            log.warning("run_owner_unknown", owner=owner, error=exc.message)
            return True  # cannot tell: never fail a run that may still be running

    def close(self) -> None:
        self.lease.release()


def open_ownership(home: Path, redis_url: str | None) -> Ownership:
    """A Redis lease when ``redis_url`` is set (owners on any host can be judged), else the
    file lock in ``home``."""
    return LeaseOwnership(redis_url) if redis_url else FileOwnership(home)
