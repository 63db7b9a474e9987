"""The response cache of the five cacheable GETs, under ``/api`` and at the root alike.

Only successful (200) GET responses of ``/models``, ``/pick``, ``/recommend``, ``/compare`` and
``/status`` are stored, keyed by the route *without* its ``/api`` prefix, the raw query string
and the caller's ``user_key`` (so one user's personalised pick is never served to another). The
middleware sits before routing and dependency injection: a hit is answered from the stored
bytes (status, headers and body serialised once) without touching FastAPI. The store is a
bounded ``cachetools.TTLCache``. Hits carry ``X-Cache: HIT``.

**Invalidation is targeted.** A route whose answer depends on feedback tags its response with
the category it answered for (``scope["state"]["cache_category"]``; ``/pick`` and
``/recommend`` do); untagged responses (``/models``, ``/compare``, ``/status``) depend on the
catalog only. Then:

* a rating by user *u* in category *c* (:meth:`ResponseCache.invalidate_user_category`) drops
  only *u*'s entries tagged *c* — other users' picks and *u*'s picks in other categories stay;
* a community report in *c* (:meth:`ResponseCache.invalidate_category`) drops every user's
  entries tagged *c*;
* a refresh, or a write anywhere else in the process (:meth:`ResponseCache.rankings_changed`,
  the recommender's change listener), drops everything.

Each invalidation is stamped with an epoch, and a response is stored only if nothing that
covers it was invalidated since its request began — so an answer computed before a rating is
never stored after it.

**State outside the request.** A route whose answer also depends on state no write here
announces — ``/pick`` follows the providers' availability (quota use, shifts, overrides) — is
registered with :meth:`ResponseCache.vary`: its entries are keyed by that state's fingerprint
too, so an answer is never served once the state changed, and an answer is stored only if the
fingerprint did not move while it was computed.

**Across replicas** (``SMART_SPAWN_REDIS_URL``) each replica keeps its own cache and they share
a numbered change log (``store.shared``). A write request records what it invalidated here
(``user``/``category`` scopes, or everything) and publishes that before its response starts;
before serving from its cache every replica asks for the changes numbered after the last one it
saw and applies each with the same targeted rules (and epoch stamps) as a local one — so a
rating in one category by one user drops only that user's entries for that category on every
replica, and a rating acknowledged by one replica is never answered with an old pick by
another. A replica that cannot tell exactly what it missed (the log was trimmed past it, Redis
lost its data or was unreachable for a while) drops everything once. Its own changes it skips.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
from smart_spawn_plugin.store.shared import EVERYTHING, SharedState

#: (route, raw query, user_key) — plus the route's variant (see ``vary``) when it has one
CacheKey = tuple[Hashable, ...]
#: what else a route's answer depends on, fingerprinted (see :meth:`ResponseCache.vary`)
Variant = Callable[[], Awaitable[Hashable]]
#: (user_key, category) a feedback-dependent response was computed for; category None = none
Tag = tuple[str, str | None]
Entry = tuple[int, list[tuple[bytes, bytes]], bytes, Tag]
_HIT: Final = (b"x-cache", b"HIT")
_MISS: Final = (b"x-cache", b"MISS")
_ANY_USER: Final = "*"
#: invalidation stamps kept before the oldest are folded into one "everything" stamp
_MAX_STAMPS: Final = 10_000
#: the changes the current write request made here, to publish to the other replicas
_RECORDED: ContextVar[list[str] | None] = ContextVar("smart_spawn_cache_changes", default=None)


def _record(change: str) -> None:
    recorded = _RECORDED.get()
    if recorded is not None:
        recorded.append(change)


def encode(tag: Tag) -> str:
    """A scope (user or ``*``, category) as a change in the shared log."""
    return json.dumps(list(tag))


class ResponseCache:
    """A bounded TTL cache of whole responses (bytes) with targeted, epoch-checked
    invalidation (see the module docstring)."""

    def __init__(self, *, ttl: float, maxsize: int, shared: SharedState | None = None) -> None:
        self.enabled = ttl > 0
        self.shared = shared
        self._shared_seen: int | None = None
        self._shared_lost = False
        self._own: set[int] = set()
        self._store: TTLCache[CacheKey, Entry] = TTLCache(maxsize=maxsize, ttl=max(ttl, 1e-3))
        self.epoch = 0
        self._all_at = 0
        self._stamps: dict[Tag, int] = {}
        self.hits = 0
        self.misses = 0
        self._targeted = False
        self._variants: dict[str, Variant] = {}

    def vary(self, route: str, variant: Variant) -> None:
        """Key ``route``'s entries (route without ``/api``) also by ``await variant()``."""
        self._variants[route] = variant

    async def key_of(self, route: str, query: bytes, user: str) -> CacheKey:
        """The entry key of a request (its route's variant awaited when it has one)."""
        variant = self._variants.get(route)
        if variant is None:
            return (route, query, user)
        return (route, query, user, await variant())

    def rankings_changed(self) -> None:
        """The recommender's change listener: drop everything, unless the change is a targeted
        write (see :meth:`targeted_write`), whose caller invalidates precisely."""
        if not self._targeted:
            self.invalidate()

    @contextmanager
    def targeted_write(self) -> Iterator[None]:
        """Suspend :meth:`rankings_changed` for one synchronous write."""
        self._targeted = True
        try:
            yield
        finally:
            self._targeted = False

    @property
    def generation(self) -> int:
        """The current epoch (kept under its old name for callers that read it)."""
        return self.epoch

    def get(self, key: CacheKey) -> Entry | None:
        entry = self._store.get(key) if self.enabled else None
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def _stale(self, tag: Tag, since: int) -> bool:
        if self._all_at > since:
            return True
        category = tag[1]
        if category is None:
            return False
        return (
            self._stamps.get(tag, 0) > since or self._stamps.get((_ANY_USER, category), 0) > since
        )

    def put(self, key: CacheKey, entry: Entry, since: int) -> None:
        """Store ``entry`` (computed by a request that began at epoch ``since``) unless
        something covering it was invalidated meanwhile."""
        if self.enabled and not self._stale(entry[3], since):
            self._store[key] = entry

    def _stamp(self, tag: Tag) -> None:
        self.epoch += 1
        if len(self._stamps) >= _MAX_STAMPS:
            self._stamps.clear()
            self._all_at = self.epoch  # conservative: in-flight answers are not stored
        self._stamps[tag] = self.epoch

    def _drop(self, match: Tag) -> int:
        user, category = match
        doomed = [
            key
            for key, entry in list(self._store.items())
            if entry[3][1] == category and (user == _ANY_USER or entry[3][0] == user)
        ]
        for key in doomed:
            self._store.pop(key, None)
        return len(doomed)

    def invalidate_user_category(self, user_key: str, category: str) -> int:
        """Forget ``user_key``'s responses that answered for ``category`` (a rating); the
        number of entries dropped."""
        _record(encode((user_key, category)))
        self._stamp((user_key, category))
        return self._drop((user_key, category))

    def invalidate_category(self, category: str) -> int:
        """Forget every user's responses that answered for ``category`` (a community report)."""
        _record(encode((_ANY_USER, category)))
        self._stamp((_ANY_USER, category))
        return self._drop((_ANY_USER, category))

    def invalidate(self) -> None:
        """Forget every stored response (the catalog changed)."""
        _record(EVERYTHING)
        self._clear()

    def _clear(self) -> None:
        self.epoch += 1
        self._all_at = self.epoch
        self._stamps.clear()
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)

    def apply(self, change: str) -> None:
        """Apply a change another replica published (see :func:`encode`); one this replica
        cannot read drops everything (never stale)."""
        try:
            user, category = json.loads(change) if change != EVERYTHING else (None, None)
        except (ValueError, TypeError):
            user = category = None
        if isinstance(user, str) and isinstance(category, str):
            self._stamp((user, category))
            self._drop((user, category))
        else:
            self._clear()

    async def follow(self) -> None:
        """Apply the changes the other replicas published since the last look."""
        if self.shared is None:
            return
        answer = await self.shared.changes(self._shared_seen)
        if answer is None:  # the log cannot be asked: serve this replica's cache meanwhile
            self._shared_lost = self._shared_lost or self._shared_seen is not None
            self._shared_seen = None
            return
        now, changes = answer
        if self._shared_seen is None:  # first look, or back after an outage
            if self._shared_lost:
                self._shared_lost = False
                self.apply(EVERYTHING)
        elif changes is None:
            self.apply(EVERYTHING)
        else:
            for number, change in changes:
                if number not in self._own:  # ours were applied here when they were made
                    self.apply(change)
        self._own = {n for n in self._own if n > now}
        self._shared_seen = now

    async def publish(self, changes: list[str]) -> None:
        """Tell the other replicas what changed here (before the response that says so)."""
        if self.shared is not None and changes:
            self._own.update(await self.shared.publish(changes))


class CacheMiddleware:
    """Serve cacheable GETs from :class:`ResponseCache`; store successful ones."""

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] != "GET" and self.cache.shared is not None:
            await self._publishing(scope, receive, send)
            return
        if scope["type"] != "http" or scope["method"] != "GET" or not self.cache.enabled:
            await self.app(scope, receive, send)
            return
        route = route_of(scope["path"])
        if route not in CACHEABLE:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        user = str(state.get("user_key", "local"))
        query = bytes(scope.get("query_string", b""))
        await self.cache.follow()
        key = await self.cache.key_of(route, query, user)
        entry = self.cache.get(key)
        if entry is not None:
            status, headers, body, _ = entry
            await send(
                {"type": "http.response.start", "status": status, "headers": [*headers, _HIT]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        since = self.cache.epoch
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
                    category = state.get("cache_category")
                    tag: Tag = (user, None if category is None else str(category))
                    # the variant moved while the answer was computed: it answers another key
                    if len(key) == 3 or await self.cache.key_of(route, query, user) == key:
                        self.cache.put(key, (200, start, b"".join(chunks), tag), since)
            await send(message)

        await self.app(scope, receive, capture)

    async def _publishing(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run a write, recording what it invalidated here; publish that to the other replicas
        before the response starts."""
        recorded: list[str] = []
        token = _RECORDED.set(recorded)

        async def announce(message: Message) -> None:
            if message["type"] == "http.response.start" and recorded:
                changes = recorded.copy()
                recorded.clear()
                await self.cache.publish(changes)
            await send(message)

        try:
            await self.app(scope, receive, announce)
        finally:
            _RECORDED.reset(token)
