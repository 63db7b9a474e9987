"""Headers, CORS, body limit, rate limits with Retry-After, client keys, the response cache."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from smart_spawn_plugin.server.ratelimit import SlidingWindow, TrustedProxies, client_key
from tests.server.conftest import MakeApp
from tests.server.helpers import client_for, error, state


async def test_security_and_cache_headers(client: httpx.AsyncClient) -> None:
    ok = await client.get("/api/pick", params={"task": "coding"})
    assert ok.headers["x-content-type-options"] == "nosniff"
    assert ok.headers["x-frame-options"] == "DENY"
    assert ok.headers["cache-control"] == "public, max-age=300"
    bad = await client.get("/api/pick", params={"task": "coding", "budget": "x"})
    assert bad.headers["cache-control"] == "no-store"  # §11.8: errors are never cacheable
    assert bad.headers["x-frame-options"] == "DENY"
    stats = await client.get("/api/spawn-log/stats")
    assert stats.headers["cache-control"] == "no-store"
    blocks = await client.get("/roles/blocks")
    assert "cache-control" not in blocks.headers


async def test_cors_only_for_reads(client: httpx.AsyncClient) -> None:
    origin = {"origin": "https://example.com"}
    r = await client.get("/api/status", headers=origin)
    assert r.headers["access-control-allow-origin"] == "*"
    post = await client.post(
        "/api/spawn-log", json={"model": "a/b", "category": "coding"}, headers=origin
    )
    assert "access-control-allow-origin" not in post.headers
    pre = await client.options(
        "/api/pick", headers={**origin, "access-control-request-method": "GET"}
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "*"
    pre = await client.options(
        "/api/refresh", headers={**origin, "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in pre.headers


async def test_cors_configured_origins(make_app: MakeApp) -> None:
    async with client_for(make_app(cors_origins=["https://ok.example"])) as c:
        ok = await c.get("/api/status", headers={"origin": "https://ok.example"})
        assert ok.headers["access-control-allow-origin"] == "https://ok.example"
        other = await c.get("/api/status", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_body_limit_413(client: httpx.AsyncClient) -> None:
    big = b'{"task": "' + b"x" * (1024 * 1024) + b'"}'
    r = await client.post(
        "/api/decompose", content=big, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert error(r)["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
        for _ in range(20):
            yield b"x" * 65536

    r = await client.post("/api/decompose", content=chunks())
    assert r.status_code == 413


async def test_global_rate_limit_with_retry_after(make_app: MakeApp) -> None:
    app = make_app(rate_limit=3)
    async with client_for(app) as c:
        codes = [(await c.get("/api/health")).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = await c.get("/api/health")
        assert r.status_code == 429
        assert error(r) == {"code": "RATE_LIMITED", "message": "Too many requests"}
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.headers["cache-control"] == "no-store"
    async with client_for(app, client=("10.0.0.9", 1)) as other:  # another client, own bucket
        assert (await other.get("/api/health")).status_code == 200


async def test_refresh_rate_limit(make_app: MakeApp) -> None:
    app = make_app()
    async with client_for(app) as c:
        assert (await c.post("/api/refresh")).status_code == 200
        await state(app).refresher.wait()
        assert (await c.post("/refresh")).status_code == 200
        await state(app).refresher.wait()
        r = await c.post("/api/refresh")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 3000
        assert (await c.get("/api/health")).status_code == 200  # only refresh is limited


def test_sliding_window_releases_after_window() -> None:
    now = [0.0]
    window = SlidingWindow(2, 60, clock=lambda: now[0])
    assert window.hit("a") == 0
    now[0] = 10
    assert window.hit("a") == 0
    assert window.hit("a") == 50
    now[0] = 60.5
    assert window.hit("a") == 0
    assert window.hit("b") == 0


def test_sliding_window_is_bounded() -> None:
    window = SlidingWindow(5, 60, max_clients=10)
    for i in range(1000):
        window.hit(f"client-{i}")
    assert len(window._hits) <= 10


def test_client_key_ignores_forwarded_for_unless_trusted() -> None:
    scope = {"client": ("1.2.3.4", 5), "headers": [(b"x-forwarded-for", b"9.9.9.9")]}
    assert client_key(scope, TrustedProxies([])) == "1.2.3.4"
    proxied = {
        "client": ("10.0.0.1", 5),
        "headers": [(b"x-forwarded-for", b"6.6.6.6, 8.8.8.8, 10.0.0.2")],
    }
    assert client_key(proxied, TrustedProxies(["10.0.0.1", "10.0.0.2"])) == "8.8.8.8"
    assert client_key(proxied, TrustedProxies(["10.0.0.0/8"])) == "8.8.8.8"
    assert client_key({"client": None, "headers": []}, TrustedProxies([])) == "unknown"


async def test_cache_serves_both_mounts_and_invalidates_on_rating(
    client: httpx.AsyncClient,
) -> None:
    params = {"task": "coding", "budget": "medium"}
    first = await client.get("/api/pick", params=params)
    assert first.headers["x-cache"] == "MISS"
    again = await client.get("/api/pick", params=params)
    assert again.headers["x-cache"] == "HIT"  # §11.7: the cache really applies to /api/*
    assert again.json() == first.json()
    legacy = await client.get("/pick", params=params)
    assert legacy.headers["x-cache"] == "HIT"
    winner = first.json()["data"]["id"]
    for _ in range(5):
        r = await client.post(
            "/api/spawn-log/outcome", json={"model": winner, "category": "coding", "rating": 1}
        )
        assert r.status_code == 200
    after = await client.get("/pick", params=params)
    assert after.headers["x-cache"] == "MISS"  # invalidated: no stale pick on either mount
    assert after.json()["data"]["personalScore"] is not None or after.json()["data"]["id"] != winner


async def test_cache_ignores_errors_and_other_routes(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        r = await client.get("/api/pick", params={"task": "coding", "budget": "nope"})
        assert r.headers.get("x-cache") != "HIT"
    for _ in range(2):
        r = await client.get("/api/roles/blocks")
        assert "x-cache" not in r.headers


async def test_cache_invalidated_by_refresh(app, client: httpx.AsyncClient) -> None:
    await client.get("/api/models")
    assert (await client.get("/api/models")).headers["x-cache"] == "HIT"
    assert (await client.post("/api/refresh")).json()["data"]["started"] is True
    await state(app).refresher.wait()
    assert (await client.get("/api/models")).headers["x-cache"] == "MISS"


async def test_cache_disabled(make_app: MakeApp) -> None:
    async with client_for(make_app(cache_ttl_s=0)) as c:
        await c.get("/api/status")
        assert "x-cache" not in (await c.get("/api/status")).headers
