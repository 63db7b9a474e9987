"""State the API replicas share: rate-limit budgets, the response cache's change log, the
refresh lock — in process (:class:`LocalState`, one process as
before) or in Redis (:class:`RedisState`, chosen by ``SMART_SPAWN_REDIS_URL``).

Contracts (both implementations):

- ``hit(bucket, key, limit, window)`` — record one request of ``key`` against a sliding window of
  ``limit`` per ``window`` seconds; 0 when allowed, else the whole seconds to wait. In Redis one
  Lua script does the check and the insert atomically, so N replicas spend one budget.
- ``publish(changes)`` / ``changes(since)`` — a numbered log of what changed rankings (opaque
  strings; :data:`EVERYTHING` means "all of it"): a replica publishes what a write invalidated
  before answering the write, and every replica asks for the changes after the last number it
  saw before serving from its cache, then drops just the entries they cover. ``changes``
  answers ``(number now, [(number, change), …])``; the list is ``None`` when the changes
  since ``since`` cannot be told exactly (the log was trimmed past it, Redis lost its data) —
  drop everything — and the whole answer is ``None`` while the log cannot be asked at all. In
  Redis the numbering and the log are one Lua script each (atomic); the log keeps the last
  :data:`LOG_SIZE` changes.
- ``acquire(name, ttl)`` / ``release(name)`` — a lock held by at most one process at a time
  (expires after ``ttl`` seconds should its holder die): one catalog refresh across replicas.
  (MCP run ownership is a heartbeat lease, :mod:`smart_spawn_plugin.store.lease`: a synchronous
  store asks whether an owner is alive, which a first-claim-wins key cannot answer.)
- ``health()`` — ``"ok"``, ``"local"`` (no Redis configured) or ``"degraded: <why>"``.

Redis failures never reach a request: :class:`RedisState` answers from an in-process
:class:`LocalState` while Redis is unreachable (per-process limits and cache, a warning in
``health()``), and tries Redis again after ``retry_s``.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

from cachetools import TTLCache

from smart_spawn_plugin.log import get_logger

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = get_logger(__name__)

_T = TypeVar("_T")
PREFIX: Final = "smart-spawn:"
#: The change that covers everything (a refresh, an untargeted write).
EVERYTHING: Final = "*"
#: Changes the log keeps; a replica further behind than this drops its whole cache.
LOG_SIZE: Final = 1000
#: ``(number now, the changes after ``since`` or None if unknown)``; None when unreachable.
Changes = tuple[int, list[tuple[int, str]] | None]

# KEYS[1] the window's sorted set; ARGV: limit, window (ms), a unique member. Redis's own clock,
# so replicas with skewed clocks still share one window.
_SLIDING_WINDOW: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil((window - (now - tonumber(oldest[2]))) / 1000))
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""
# KEYS: the counter, the log (a sorted set scored by number); ARGV: the changes, then LOG_SIZE.
_PUBLISH: Final = """
local numbers = {}
for i = 1, #ARGV - 1 do
  local n = redis.call('INCR', KEYS[1])
  redis.call('ZADD', KEYS[2], n, n .. ':' .. ARGV[i])
  numbers[i] = n
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[#ARGV]) + 1))
return numbers
"""
# KEYS: the counter, the log; ARGV[1]: the last number seen ('' for none). Answers {now} when
# nothing is new (or nothing was seen), {now, '!'} when the counter went back (Redis lost its
# data), else {now, 'n:change', ...}.
_CHANGES: Final = """
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] == '' then return {now} end
local since = tonumber(ARGV[1])
if since == now then return {now} end
if since > now then return {now, '!'} end
local rows = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. since, now)
table.insert(rows, 1, now)
return rows
"""
_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SharedState(Protocol):
    """What the replicas share (see the module docstring)."""

    async def hit(self, bucket: str, key: str, limit: int, window: float) -> int: ...

    async def publish(self, changes: Sequence[str]) -> list[int]: ...

    async def changes(self, since: int | None) -> Changes | None: ...

    async def acquire(self, name: str, ttl: float) -> bool: ...

    async def release(self, name: str) -> None: ...

    async def health(self) -> str: ...

    async def aclose(self) -> None: ...


class LocalState:
    """In-process state: correct for one process, bounded in memory."""

    def __init__(self, *, max_clients: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._max = max_clients
        self._hits: dict[str, TTLCache[str, deque[float]]] = {}
        self._number = 0
        self._log: deque[tuple[int, str]] = deque(maxlen=LOG_SIZE)
        self._locks: dict[str, float] = {}

    async def hit(self, bucket: str, key: str, limit: int, window: float) -> int:
        return self.hit_now(bucket, key, limit, window)

    def hit_now(self, bucket: str, key: str, limit: int, window: float) -> int:
        table = self._hits.get(bucket)
        if table is None:
            table = self._hits[bucket] = TTLCache(maxsize=self._max, ttl=window, timer=self.clock)
        now = self.clock()
        hits = table.get(key) or deque(maxlen=limit)
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            table[key] = hits
            return max(1, math.ceil(window - (now - hits[0])))
        hits.append(now)
        table[key] = hits  # (re)setting refreshes the entry's TTL
        return 0

    async def publish(self, changes: Sequence[str]) -> list[int]:
        numbers = []
        for change in changes:
            self._number += 1
            self._log.append((self._number, change))
            numbers.append(self._number)
        return numbers

    async def changes(self, since: int | None) -> Changes | None:
        if since is None or since == self._number:
            return self._number, []
        return self._number, exact_since(since, self._number, list(self._log))

    async def acquire(self, name: str, ttl: float) -> bool:
        now = self.clock()
        if self._locks.get(name, 0.0) > now:
            return False
        self._locks[name] = now + ttl
        return True

    async def release(self, name: str) -> None:
        self._locks.pop(name, None)

    async def health(self) -> str:
        return "local"

    async def aclose(self) -> None:
        """Nothing to close."""


class RedisState:
    """State in Redis, falling back to a :class:`LocalState` while Redis is unreachable."""

    def __init__(self, client: Redis, *, retry_s: float = 2.0, timeout_s: float = 0.5) -> None:
        self.client = client
        self.fallback = LocalState()
        self.owner = uuid.uuid4().hex  # this process, as a lock holder and run owner
        self.retry_s = retry_s
        self.timeout_s = timeout_s
        self._down_until = 0.0
        self.last_error: str | None = None
        self._window = client.register_script(_SLIDING_WINDOW)
        self._release = client.register_script(_RELEASE)
        self._publish = client.register_script(_PUBLISH)
        self._changes = client.register_script(_CHANGES)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisState:
        """A client for ``url`` (no connection is made until the first command)."""
        from redis.asyncio import Redis

        timeout = float(options.pop("timeout_s", 0.5))
        client = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
        )
        return cls(client, timeout_s=timeout, **options)

    async def _try(
        self, call: Callable[[], Awaitable[_T]], fallback: Callable[[], Awaitable[_T]]
    ) -> _T:
        """``call()`` on Redis; on a Redis failure, ``fallback()`` (and Redis is left alone for
        ``retry_s`` seconds, so an outage costs one timeout per window, not one per request)."""
        from redis.exceptions import RedisError

        if time.monotonic() < self._down_until:
            return await fallback()
        try:
            result = await call()
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self.retry_s
            if self.last_error is None:
                log.warning("redis_unavailable", error=str(exc), fallback="in-process")
            self.last_error = str(exc) or type(exc).__name__
            return await fallback()
        if self.last_error is not None:
            log.info("redis_available_again")
            self.last_error = None
        return result

    async def hit(self, bucket: str, key: str, limit: int, window: float) -> int:
        async def remote() -> int:
            member = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
            args: list[str | int] = [limit, int(window * 1000), member]
            return int(await self._window(keys=[f"{PREFIX}rl:{bucket}:{key}"], args=args))

        return await self._try(remote, lambda: self.fallback.hit(bucket, key, limit, window))

    async def publish(self, changes: Sequence[str]) -> list[int]:
        """Append ``changes`` to the shared log; their numbers (none while Redis is down: the
        other replicas drop everything once they reach Redis again, see :meth:`changes`)."""

        async def remote() -> list[int]:
            keys = [f"{PREFIX}changes:n", f"{PREFIX}changes:log"]
            args: list[str | int] = [*changes, LOG_SIZE]
            return [int(n) for n in await self._publish(keys=keys, args=args)]

        async def fallback() -> list[int]:
            return []

        return await self._try(remote, fallback) if changes else []

    async def changes(self, since: int | None) -> Changes | None:
        async def remote() -> Changes | None:
            keys = [f"{PREFIX}changes:n", f"{PREFIX}changes:log"]
            args = ["" if since is None else str(since)]
            now, *rows = await self._changes(keys=keys, args=args)
            now = int(now)
            if since is None or since == now:
                return now, []
            if rows == ["!"]:
                return now, None
            logged = []
            for row in rows:
                number, _, change = str(row).partition(":")
                logged.append((int(number), change))
            return now, exact_since(since, now, logged)

        async def unreachable() -> Changes | None:
            return None

        return await self._try(remote, unreachable)

    async def acquire(self, name: str, ttl: float) -> bool:
        async def remote() -> bool:
            done = await self.client.set(
                f"{PREFIX}lock:{name}", self.owner, nx=True, px=int(ttl * 1000)
            )
            return bool(done)

        return await self._try(remote, lambda: self.fallback.acquire(name, ttl))

    async def release(self, name: str) -> None:
        async def remote() -> None:
            await self._release(keys=[f"{PREFIX}lock:{name}"], args=[self.owner])

        await self.fallback.release(name)
        await self._try(remote, _nothing)

    async def health(self) -> str:
        async def remote() -> str:
            await self.client.ping()
            return "ok"

        async def down() -> str:
            return f"degraded: redis unavailable ({self.last_error}); limits and cache per process"

        self._down_until = 0.0  # a health check always asks Redis itself
        return await self._try(remote, down)

    async def aclose(self) -> None:
        await self.client.aclose()


async def _nothing() -> None:
    return None


def exact_since(
    since: int, now: int, logged: list[tuple[int, str]]
) -> list[tuple[int, str]] | None:
    """The changes numbered ``since + 1`` … ``now`` from ``logged``, or None unless every one of
    them is there (the log was trimmed past ``since``, or the numbering went back)."""
    wanted = [entry for entry in logged if since < entry[0] <= now]
    if since > now or [n for n, _ in wanted] != list(range(since + 1, now + 1)):
        return None
    return wanted


def open_shared(redis_url: str | None, *, timeout_s: float = 0.5) -> SharedState:
    """Redis state for ``redis_url`` (commands time out after ``timeout_s``), else in-process
    state. Connects on first use."""
    return RedisState.from_url(redis_url, timeout_s=timeout_s) if redis_url else LocalState()
