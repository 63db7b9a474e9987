"""Sliding-window rate limits per client, bounded in memory.

Each limiter keeps, per client key, the times of its last ``limit`` accepted requests (a deque of
at most ``limit`` entries) in a ``cachetools.TTLCache`` of at most ``max_clients`` keys that
forgets a client a window after its last request — so memory is bounded (the original's Maps
grew forever). A request over the limit gets 429 ``RATE_LIMITED`` with
``Retry-After = ceil(window − age of the oldest request)`` (at least 1 s).

The client key is the socket peer address. ``X-Forwarded-For`` is believed only when the peer is
one of the configured trusted proxies; the client is then the right-most address in it that is
not itself a trusted proxy (left-most entries are whatever the client chose to send).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Final

from cachetools import TTLCache

from smart_spawn_plugin.errors import RateLimited
from smart_spawn_plugin.server.errors import route_of
from smart_spawn_plugin.server.middleware import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    header,
    send_error,
)
from smart_spawn_plugin.settings import ServerSettings

UNKNOWN: Final = "unknown"


class SlidingWindow:
    """At most ``limit`` hits per ``window`` seconds per key."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: TTLCache[str, deque[float]] = TTLCache(
            maxsize=max_clients, ttl=window, timer=clock
        )

    def hit(self, key: str) -> int:
        """Record a hit for ``key``; return 0 if allowed, else the seconds to wait."""
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = deque(maxlen=self.limit)
        cutoff = now - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if len(hits) >= self.limit:
            self._hits[key] = hits
            return max(1, math.ceil(self.window - (now - hits[0])))
        hits.append(now)
        self._hits[key] = hits  # (re)setting refreshes the entry's TTL
        return 0

    def reset(self) -> None:
        self._hits.clear()


def client_key(scope: Scope, trusted: frozenset[str]) -> str:
    """The rate-limit key of a request: the peer address, or — behind a trusted proxy — the
    right-most untrusted ``X-Forwarded-For`` entry."""
    client = scope.get("client")
    peer = str(client[0]) if client else UNKNOWN
    if peer not in trusted:
        return peer
    forwarded = header(scope, b"x-forwarded-for")
    if forwarded:
        hops = [h.strip() for h in forwarded.decode("latin-1").split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in trusted:
                return hop[:64]
    real = header(scope, b"x-real-ip")
    return real.decode("latin-1").strip()[:64] if real else peer


class RateLimitMiddleware:
    """Global limit on every request; a second, tighter one on ``POST /refresh`` (checked
    before its auth, so guessing the refresh key costs quota)."""

    def __init__(self, app: ASGIApp, config: ServerSettings) -> None:
        self.app = app
        self.trusted = frozenset(config.trusted_proxies)
        self.general = SlidingWindow(
            config.rate_limit, config.rate_window_s, max_clients=config.max_clients
        )
        self.refresh = SlidingWindow(
            config.refresh_limit, config.refresh_window_s, max_clients=config.max_clients
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = client_key(scope, self.trusted)
        wait = self.general.hit(key)
        if not wait and scope["method"] == "POST" and route_of(scope["path"]) == "/refresh":
            wait = self.refresh.hit(key)
        if wait:
            extra = [(b"retry-after", str(wait).encode())]
            await send_error(send, RateLimited("Too many requests", retry_after=wait), extra)
            return
        await self.app(scope, receive, send)
