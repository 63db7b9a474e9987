"""Leases in Redis: a name this process holds alive with a heartbeat, and a test of whether
anyone holds a given name — so a process on another host can tell a live holder from a dead one.

:class:`Lease` sets ``smart-spawn:lease:<name>`` with a time-to-live of ``ttl`` seconds and
renews it from a daemon thread every ``ttl / 3`` seconds; :meth:`Lease.release` stops the
heartbeat and deletes the key. A holder that dies (kill -9, a lost host) stops renewing, and
its key expires ``ttl`` seconds later at the latest: from then on :meth:`Lease.held` says
``False``. Redis's own clock times the expiry, so hosts with skewed clocks agree.

The client is Redis's synchronous one: the callers (the MCP runs store) are synchronous, and
the heartbeat must not depend on an event loop being responsive. Failures: a heartbeat that
cannot reach Redis logs a warning and tries again at the next beat; :meth:`Lease.held` raises
``StoreUnavailable`` — the caller decides what "cannot tell" means (the runs store then leaves
the run alone).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.errors import StoreUnavailable
from smart_spawn_plugin.log import get_logger

if TYPE_CHECKING:
    from redis import Redis

log = get_logger(__name__)

PREFIX: Final = "smart-spawn:lease:"
#: Seconds before Redis is retried after it failed to answer (the 503's Retry-After).
RETRY_AFTER_S: Final = 5


class Lease:
    """``name`` held in Redis by this process until :meth:`release` (see the module
    docstring). Construct with :meth:`open`."""

    def __init__(self, client: Redis, name: str, ttl: float) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.client = client
        self.name = name
        self.ttl = ttl
        self._stop = threading.Event()
        self._failing = False
        self.beat()
        self._thread = threading.Thread(target=self._run, name=f"lease-{name}", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, url: str, name: str, *, ttl: float = 30.0, timeout_s: float = 2.0) -> Lease:
        """Take the lease ``name`` on the Redis server at ``url`` and start its heartbeat."""
        from redis import Redis

        client = Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, decode_responses=True
        )
        return cls(client, name, ttl)

    def beat(self) -> bool:
        """Renew the lease now; ``False`` (and a warning, once per outage) if Redis failed."""
        from redis.exceptions import RedisError

        try:
            self.client.set(PREFIX + self.name, "1", px=max(1, int(self.ttl * 1000)))
        except (RedisError, OSError) as exc:
            if not self._failing:
                log.warning("lease_renewal_failed", lease=self.name, error=str(exc))
            self._failing = True
            return False
        if self._failing:
            log.info("lease_renewed_again", lease=self.name)
        self._failing = False
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            self.beat()

    def held(self, name: str) -> bool:
        """Whether some process holds the lease ``name`` now (``True`` for this one's own
        while it is not released). Raises ``StoreUnavailable`` if Redis cannot be asked."""
        from redis.exceptions import RedisError

        if name == self.name and not self._stop.is_set():
            return True
        try:
            return bool(self.client.exists(PREFIX + name))
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(
                f"cannot reach Redis to check the lease {name!r}: {exc}", retry_after=RETRY_AFTER_S
            ) from exc

    def release(self) -> None:
        """Stop the heartbeat and drop the lease (its holder is stopping). Idempotent."""
        from redis.exceptions import RedisError

        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=self.ttl)
        try:
            self.client.delete(PREFIX + self.name)
        except (RedisError, OSError) as exc:  # it expires on its own within ttl
            log.warning("lease_release_failed", lease=self.name, error=str(exc))
        self.client.close()
