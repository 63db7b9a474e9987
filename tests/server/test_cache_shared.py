"""The response cache across replicas (``server.cache`` over ``store.shared``): a write on one
replica drops just the entries it covers on every other — through a real redis-server — and a
replica that cannot tell what it missed drops everything once.

Each replica is the real :class:`CacheMiddleware` over a small ASGI app standing in for the
routes: a GET answers and tags itself with the category in its query (as ``/pick`` does), a
POST makes the targeted invalidation a rating makes (as ``routes_feedback`` does).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import httpx
import pytest

from smart_spawn_plugin.server.cache import CacheMiddleware, ResponseCache
from smart_spawn_plugin.server.middleware import Receive, Scope, Send
from smart_spawn_plugin.store.shared import LOG_SIZE, RedisState


class Replica:
    """One replica's cache in front of the stand-in routes."""

    def __init__(self, shared: RedisState) -> None:
        self.shared = shared
        self.cache = ResponseCache(ttl=600, maxsize=100, shared=shared)
        self.cached = CacheMiddleware(self.routes, self.cache)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.identify), base_url="http://replica"
        )

    async def identify(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The client key, as the auth middleware in front of the cache sets it."""
        query = parse_qs(scope["query_string"].decode())
        scope["state"] = {"user_key": query.get("user", ["local"])[0]}
        await self.cached(scope, receive, send)

    async def routes(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        user = query.get("user", "local")
        if scope["method"] == "POST":  # a rating: targeted, like routes_feedback
            with self.cache.targeted_write():
                self.cache.rankings_changed()
            if "category" in query:
                self.cache.invalidate_user_category(user, query["category"])
            else:
                self.cache.invalidate()
        elif "category" in query:
            scope["state"]["cache_category"] = query["category"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"answer"})

    async def get(self, category: str | None = None, user: str = "local") -> str:
        params = {"user": user, **({"category": category} if category else {})}
        response = await self.http.get("/api/pick", params=params)
        assert response.status_code == 200
        return response.headers["x-cache"]

    async def rate(self, category: str | None, user: str = "local") -> None:
        params = {"user": user, **({"category": category} if category else {})}
        assert (await self.http.post("/api/spawn-log/outcome", params=params)).status_code == 200


@pytest.fixture
async def replicas(redis_server) -> AsyncIterator[list[Replica]]:  # type: ignore[no-untyped-def]
    states = [RedisState.from_url(redis_server.url, timeout_s=10) for _ in range(3)]
    await states[0].client.flushdb()
    made = [Replica(state) for state in states]
    yield made
    for replica in made:
        await replica.http.aclose()
        await replica.shared.aclose()


async def warm(replica: Replica, *scopes: tuple[str | None, str]) -> None:
    for category, user in scopes:
        assert await replica.get(category, user) == "MISS"
        assert await replica.get(category, user) == "HIT"


async def test_a_rating_on_a_drops_only_its_user_and_category_on_c(
    replicas: list[Replica],
) -> None:
    a, _, c = replicas
    await warm(c, ("coding", "local"), ("creative", "local"), ("coding", "bob"), (None, "local"))
    await a.rate("coding")
    assert await c.get("coding") == "MISS"  # the rated user and category
    assert await c.get("creative") == "HIT"  # another category
    assert await c.get("coding", "bob") == "HIT"  # another user
    assert await c.get(None) == "HIT"  # an answer that does not depend on feedback
    assert await c.get("coding") == "HIT"  # stored again after the change


async def test_a_replicas_own_change_is_not_applied_twice(replicas: list[Replica]) -> None:
    a = replicas[0]
    await a.rate("coding")
    await warm(a, ("coding", "local"), ("creative", "local"))
    await a.rate("creative")  # recorded here and published; the next look skips it
    assert await a.get("coding") == "HIT"
    assert await a.get("creative") == "MISS"
    assert await a.get("creative") == "HIT"


async def test_an_untargeted_write_drops_everything_everywhere(replicas: list[Replica]) -> None:
    a, b, c = replicas
    await warm(b, ("coding", "local"))
    await warm(c, ("creative", "bob"), (None, "local"))
    await a.rate(None)
    assert [await b.get("coding"), await c.get("creative", "bob"), await c.get(None)] == [
        "MISS", "MISS", "MISS"
    ]  # fmt: skip


async def test_a_replica_too_far_behind_drops_everything_once(replicas: list[Replica]) -> None:
    a, _, c = replicas
    await warm(c, ("creative", "local"))
    await a.shared.publish([f'["u{i}", "coding"]' for i in range(LOG_SIZE + 1)])
    assert await c.get("creative") == "MISS"  # the log no longer reaches C's last look
    assert await c.get("creative") == "HIT"
