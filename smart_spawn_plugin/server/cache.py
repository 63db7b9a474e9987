"""The response cache of the five cacheable GETs, under ``/api`` and at the root alike.

Only successful (200) GET responses of ``/models``, ``/pick``, ``/recommend``, ``/compare`` and
``/status`` are stored, keyed by the route *without* its ``/api`` prefix, the raw query string
and the caller's ``user_key`` (so one user's personalised pick is never served to another). The
store is a bounded ``cachetools.TTLCache``. :meth:`ResponseCache.invalidate` empties it and bumps
a generation counter, so a response computed before an invalidation is never stored after it;
the server calls it when a rating or a refresh changes rankings. Hits carry ``X-Cache: HIT``.
"""

from __future__ import annotations

from typing import Final

from cachetools import TTLCache

from smart_spawn_plugin.server.errors import route_of
from smart_spawn_plugin.server.middleware import (
    CACHEABLE,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
)

CacheKey = tuple[str, bytes, str]
Entry = tuple[int, list[tuple[bytes, bytes]], bytes]
_HIT: Final = (b"x-cache", b"HIT")
_MISS: Final = (b"x-cache", b"MISS")


class ResponseCache:
    """A bounded TTL cache of whole responses with generation-checked invalidation."""

    def __init__(self, *, ttl: float, maxsize: int) -> None:
        self.enabled = ttl > 0
        self._store: TTLCache[CacheKey, Entry] = TTLCache(maxsize=maxsize, ttl=max(ttl, 1e-3))
        self.generation = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> Entry | None:
        entry = self._store.get(key) if self.enabled else None
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: CacheKey, entry: Entry, generation: int) -> None:
        """Store ``entry`` unless the cache was invalidated since ``generation``."""
        if self.enabled and generation == self.generation:
            self._store[key] = entry

    def invalidate(self) -> None:
        """Forget every stored response (rankings changed)."""
        self.generation += 1
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)


class CacheMiddleware:
    """Serve cacheable GETs from :class:`ResponseCache`; store successful ones."""

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.cache.enabled:
            await self.app(scope, receive, send)
            return
        route = route_of(scope["path"])
        if route not in CACHEABLE:
            await self.app(scope, receive, send)
            return
        user = str(scope.get("state", {}).get("user_key", "local"))
        key: CacheKey = (route, bytes(scope.get("query_string", b"")), user)
        entry = self.cache.get(key)
        if entry is not None:
            status, headers, body = entry
            await send(
                {"type": "http.response.start", "status": status, "headers": [*headers, _HIT]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        generation = self.cache.generation
        start: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []
        storable = True

        async def capture(message: Message) -> None:
            nonlocal start, storable
            if message["type"] == "http.response.start":
                start = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
                storable = int(message["status"]) == 200
                message["headers"] = [*start, _MISS]
            elif message["type"] == "http.response.body" and storable:
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False) and start is not None:
                    self.cache.put(key, (200, start, b"".join(chunks)), generation)
            await send(message)

        await self.app(scope, receive, capture)
