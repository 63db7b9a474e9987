"""Sliding-window rate limits per client, bounded in memory.

Each limiter keeps, per client key, the times of its last ``limit`` accepted requests (a deque of
at most ``limit`` entries) in a ``cachetools.TTLCache`` of at most ``max_clients`` keys that
forgets a client a window after its last request — so memory is bounded (the original's Maps
grew forever). A request over the limit gets 429 ``RATE_LIMITED`` with
``Retry-After = ceil(window − age of the oldest request)`` (at least 1 s).

The client key is the socket peer address. ``X-Forwarded-For`` is believed only when the peer is
one of the configured trusted proxies (addresses or CIDR networks); the client is then the
right-most address that is not itself a trusted proxy, reading *every* ``X-Forwarded-For`` header
line in order (a proxy may add its own line instead of appending to the client's, and the first
line is whatever the client chose to send). Entries that are not IP addresses are skipped.

``POST /refresh`` has its own :class:`RefreshGuard` (used by the route, after the key check):
wrong keys count against a per-client failure limit (429 once used up), and only a right key
counts against the refresh limit, so wrong guesses never lock the right key out.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Final

from cachetools import TTLCache

from smart_spawn_plugin.errors import RateLimited
from smart_spawn_plugin.server.middleware import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    send_error,
)
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.shared import SharedState

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


class TrustedProxies:
    """A set of proxy addresses and networks (``10.0.0.0/8``, ``::1``)."""

    def __init__(self, entries: list[str]) -> None:
        self.networks = [ipaddress.ip_network(e.strip(), strict=False) for e in entries]
        self.any = bool(self.networks)

    def __contains__(self, address: object) -> bool:
        if not self.any or not isinstance(address, str):
            return False
        ip = _ip(address)
        return ip is not None and any(ip in net for net in self.networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _all_values(scope: Scope, name: bytes) -> list[str]:
    """Every comma-separated value of every ``name`` header line, in order."""
    out: list[str] = []
    for key, value in scope.get("headers", ()):
        if key == name:
            out.extend(part.strip() for part in bytes(value).decode("latin-1").split(","))
    return out


def client_key(scope: Scope, trusted: TrustedProxies) -> str:
    """The rate-limit key of a request: the peer address, or — behind a trusted proxy — the
    right-most ``X-Forwarded-For`` address (over all header lines) that is not a trusted proxy."""
    client = scope.get("client")
    peer = str(client[0]) if client else UNKNOWN
    if peer not in trusted:
        return peer
    for hop in reversed(_all_values(scope, b"x-forwarded-for")):
        ip = _ip(hop)
        if ip is not None and str(ip) not in trusted:
            return str(ip)
    return peer  # only proxies in the chain (or no header): the proxy itself is the client


class RefreshGuard:
    """The limits of ``POST /refresh``: ``refresh_fail_limit`` wrong keys per client per
    ``refresh_window_s`` (429 after that, for wrong keys only) and ``refresh_limit`` accepted
    refreshes per client per window."""

    def __init__(self, config: ServerSettings, trusted: TrustedProxies) -> None:
        self.trusted = trusted
        self.failures = SlidingWindow(
            config.refresh_fail_limit, config.refresh_window_s, max_clients=config.max_clients
        )
        self.accepted = SlidingWindow(
            config.refresh_limit, config.refresh_window_s, max_clients=config.max_clients
        )

    def failed(self, scope: Scope) -> int:
        """Record a wrong key; 0 while failures are within the limit, else seconds to wait."""
        return self.failures.hit(client_key(scope, self.trusted))

    def accept(self, scope: Scope) -> int:
        """Record a refresh with the right key; 0 if allowed, else seconds to wait."""
        return self.accepted.hit(client_key(scope, self.trusted))


class RateLimitMiddleware:
    """The global limit on every request (``/refresh`` adds its own :class:`RefreshGuard`)."""

    def __init__(
        self, app: ASGIApp, config: ServerSettings, shared: SharedState | None = None
    ) -> None:
        self.app = app
        #: one budget across every replica (Redis), else the in-process window below
        self.shared = shared
        self.config = config
        self.trusted = TrustedProxies(config.trusted_proxies)
        self.general = SlidingWindow(
            config.rate_limit, config.rate_window_s, max_clients=config.max_clients
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = client_key(scope, self.trusted)
        if self.shared is not None:
            cfg = self.config
            wait = await self.shared.hit("general", key, cfg.rate_limit, cfg.rate_window_s)
        else:
            wait = self.general.hit(key)
        if wait:
            extra = [(b"retry-after", str(wait).encode())]
            await send_error(send, RateLimited("Too many requests", retry_after=wait), extra)
            return
        await self.app(scope, receive, send)
