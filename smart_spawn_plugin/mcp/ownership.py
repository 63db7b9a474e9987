"""Which MCP server owns a running run, and whether that owner is still alive.

Several MCP servers may share one home (two clients each starting ``smart-spawn mcp``). At
start-up each recovers runs left ``running`` by a crash — but only runs whose owner is gone,
never another live server's. Liveness is an OS file lock: each server holds an exclusive
``flock`` on ``<home>/owners/<owner>.lock`` for its lifetime; the kernel drops it when the
process exits, however it exits (kill -9 included). "Gone" is therefore exact and immediate —
no lease to wait out, no clock to trust. ``flock`` is POSIX; the owners directory is local, like
the SQLite store beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from pathlib import Path
from typing import IO, Final

OWNERS_DIR: Final = "owners"


class Ownership:
    """This process's owner id, held alive by a lock file until :meth:`close`."""

    def __init__(self, home: Path) -> None:
        self.dir = home / OWNERS_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._file: IO[bytes] | None = self._path(self.owner).open("wb")
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _path(self, owner: str) -> Path:
        # owner ids are ours (pid-hex); anything else in the column is treated as gone
        return self.dir / f"{owner}.lock"

    def alive(self, owner: str | None) -> bool:
        """Whether ``owner`` still holds its lock (always True for this process's own id)."""
        if owner is None or not owner.replace("-", "").isalnum():
            return False
        if owner == self.owner and self._file is not None:
            return True
        path = self._path(owner)
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
        """Release the lock (the process is stopping); its runs become recoverable."""
        if self._file is not None:
            with contextlib.suppress(FileNotFoundError):
                self._path(self.owner).unlink()
            self._file.close()
            self._file = None
