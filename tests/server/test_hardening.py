"""Issue 11's HTTP defects, one test each (the load ones also have ``bench/soak.py``)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.ratelimit import TrustedProxies, client_key
from tests.server.conftest import MakeApp
from tests.server.helpers import client_for, error

# -- 1. over-long parameters are rejected before any quadratic work ------------------------------


@pytest.mark.parametrize("param", ["context", "exclude"])
async def test_over_long_list_parameter_is_a_fast_400(
    client: httpx.AsyncClient, param: str
) -> None:
    value = ",".join(f"t{i}" for i in range(2200))[:10_100]  # encoded, under the 16 KiB cap
    r = await client.get("/api/pick", params={"task": "write code", param: value})
    assert r.status_code == 400
    err = error(r)
    assert err["code"] == "INVALID_PARAM" and err["field"] == param


async def test_many_duplicate_tags_are_deduplicated_not_rejected(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/pick", params={"task": "write code", "context": "react," * 200})
    assert r.status_code == 200, r.text


async def test_over_long_query_string_is_a_400(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health", params={"junk": "x" * 20_000})
    assert r.status_code == 400
    assert "query string" in error(r)["message"]


def test_over_long_lists_are_rejected_before_they_are_split() -> None:
    """Splitting and de-duplicating a 65 KB value took seconds on the event loop; a value over
    the raw bound must be rejected without being split at all."""
    from smart_spawn_plugin.server.params import model_id_list, tag_list

    class Unsplittable(str):
        __slots__ = ()

        def split(self, *args: object, **kwargs: object) -> list[str]:  # type: ignore[override]
            raise AssertionError("an over-long value was split")

    with pytest.raises(ValueError, match="at most"):
        tag_list(Unsplittable("a," * 32_768))  # 65 KB, as in the report
    with pytest.raises(ValueError, match="too long"):
        model_id_list(Unsplittable("a/b," * 5000), "exclude", 50)
    assert tag_list("A, b ,a,,b") == ["a", "b"]


# -- 6. lone surrogates --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/decompose", "/api/swarm", "/api/roles/compose"])
async def test_lone_surrogate_in_body_is_a_400(client: httpx.AsyncClient, path: str) -> None:
    body = b'{"task": "build \\ud800 a thing and then test it"}'
    r = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    err = error(r)
    assert err["code"] == "INVALID_BODY" and "surrogate" in err["message"]


# -- 8. minContext is applied, never silently capped ---------------------------------------------


async def test_min_context_above_a_million_is_applied(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    largest = max(m.context_length for m in services.catalog.current().models)
    r = await client.get("/api/pick", params={"task": "coding", "minContext": str(largest + 1)})
    assert r.status_code == 404 and error(r)["code"] == "NO_MODEL"
    if largest > 1_000_000:
        ok = await client.get("/api/pick", params={"task": "coding", "minContext": str(largest)})
        assert ok.status_code == 200
        picked = services.catalog.selector().by_id[ok.json()["data"]["id"]]
        assert picked.context_length >= largest
    too_big = await client.get("/api/pick", params={"task": "coding", "minContext": "20000000"})
    assert too_big.status_code == 400 and error(too_big)["field"] == "minContext"


# -- 9. OpenAPI tells the truth; HEAD works ------------------------------------------------------


async def test_openapi_lists_real_error_responses(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/openapi.json")).json()
    assert "ErrorEnvelope" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert "422" not in codes, (path, method)
            assert {"400", "401", "429"} <= codes, (path, method)
            if method == "post":
                assert "413" in codes, path
    pick = doc["paths"]["/api/pick"]["get"]["responses"]
    assert pick["429"]["headers"]["Retry-After"]
    assert pick["400"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorEnvelope")


@pytest.mark.parametrize("path", ["/api/status", "/api/health", "/status", "/api/pick?task=code"])
async def test_head_on_get_routes(client: httpx.AsyncClient, path: str) -> None:
    get = await client.get(path)
    head = await client.head(path)
    assert head.status_code == 200 == get.status_code
    assert head.content == b""
    assert head.headers["content-type"] == "application/json"
    assert int(head.headers["content-length"]) == len(get.content)


# -- 5. wrong refresh keys never lock out the right one ------------------------------------------


async def test_wrong_refresh_keys_do_not_lock_out_the_right_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: MakeApp
) -> None:
    monkeypatch.setenv("REFRESH_API_KEY", "s3cret")
    with Runtime.open(home=tmp_path / "h") as services:
        app = make_app(services, refresh_fail_limit=3)
        async with client_for(app, ("203.0.113.9", 1)) as c:
            wrong = {"authorization": "Bearer nope"}
            codes = [(await c.post("/api/refresh", headers=wrong)).status_code for _ in range(5)]
            assert codes == [401, 401, 401, 429, 429]
            ok = await c.post("/api/refresh", headers={"authorization": "Bearer s3cret"})
            assert ok.status_code == 200 and ok.json()["data"]["started"] is True
            await app.state.server.refresher.wait()


async def test_accepted_refreshes_are_still_limited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: MakeApp
) -> None:
    monkeypatch.setenv("REFRESH_API_KEY", "s3cret")
    with Runtime.open(home=tmp_path / "h") as services:
        app = make_app(services, refresh_limit=1)
        async with client_for(app, ("203.0.113.9", 1)) as c:
            right = {"authorization": "Bearer s3cret"}
            assert (await c.post("/api/refresh", headers=right)).status_code == 200
            await app.state.server.refresher.wait()
            limited = await c.post("/api/refresh", headers=right)
            assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


# -- 7. X-Forwarded-For behind trusted proxies ---------------------------------------------------


def test_forwarded_for_reads_every_header_line() -> None:
    """A proxy that adds its own header line (instead of appending) must not let the client's
    own line decide: the right-most untrusted address over all lines is the client."""
    scope = {
        "client": ("10.0.0.1", 5),
        "headers": [(b"x-forwarded-for", b"1.1.1.1"), (b"x-forwarded-for", b"198.51.100.7")],
    }
    assert client_key(scope, TrustedProxies(["10.0.0.1"])) == "198.51.100.7"
    junk = {"client": ("10.0.0.1", 5), "headers": [(b"x-forwarded-for", b"198.51.100.7, nonsense")]}
    assert client_key(junk, TrustedProxies(["10.0.0.1"])) == "198.51.100.7"
    only_proxies = {"client": ("10.0.0.1", 5), "headers": [(b"x-forwarded-for", b"10.0.0.2")]}
    assert client_key(only_proxies, TrustedProxies(["10.0.0.0/8"])) == "10.0.0.1"


async def test_spoofed_forwarded_for_does_not_escape_the_limit(make_app: MakeApp) -> None:
    app = make_app(rate_limit=5, trusted_proxies=["10.0.0.1"])
    async with client_for(app, ("10.0.0.1", 1)) as proxy:
        codes = []
        for i in range(10):
            # the client sends its own made-up header line; the proxy adds the real address
            headers = [("x-forwarded-for", f"192.0.2.{i}"), ("x-forwarded-for", "198.51.100.7")]
            codes.append((await proxy.get("/api/health", headers=headers)).status_code)
    assert codes.count(200) == 5 and codes.count(429) == 5


def test_bad_trusted_proxy_setting_names_the_entry() -> None:
    from pydantic import ValidationError

    from smart_spawn_plugin.settings import ServerSettings

    with pytest.raises(ValidationError, match="not-an-ip"):
        ServerSettings(trusted_proxies=["not-an-ip"])


# -- 3. a rating drops only what it can change ---------------------------------------------------


def _key(name: str) -> dict[str, str]:
    return {"authorization": f"Bearer {name}"}


async def test_rating_invalidates_only_that_users_category(make_app: MakeApp) -> None:
    app = make_app(api_keys=["k1", "k2"])
    coding = {"task": "coding", "budget": "medium"}
    creative = {"task": "creative", "budget": "medium"}
    async with client_for(app) as c:
        for key in ("k1", "k2"):
            for params in (coding, creative):
                assert (
                    await c.get("/api/pick", params=params, headers=_key(key))
                ).status_code == 200
                hit = await c.get("/api/pick", params=params, headers=_key(key))
                assert hit.headers["x-cache"] == "HIT"
        winner = (await c.get("/api/pick", params=coding, headers=_key("k1"))).json()["data"]["id"]
        rated = await c.post(
            "/api/spawn-log/outcome",
            json={"model": winner, "category": "coding", "rating": 1},
            headers=_key("k1"),
        )
        assert rated.status_code == 200

        async def cache_state(key: str, params: dict[str, str]) -> str:
            r = await c.get("/api/pick", params=params, headers=_key(key))
            return r.headers["x-cache"]

        assert await cache_state("k1", coding) == "MISS"  # the rater's own coding pick
        assert await cache_state("k1", creative) == "HIT"  # another category: untouched
        assert await cache_state("k2", coding) == "HIT"  # another user: untouched
        assert await cache_state("k2", creative) == "HIT"
        # a community report in coding changes everyone's coding picks, nothing else
        report = {"model": winner, "category": "coding", "rating": 1, "instanceId": "x"}
        assert (
            await c.post("/api/community/report", json=report, headers=_key("k2"))
        ).status_code == 200
        assert await cache_state("k2", coding) == "MISS"
        assert await cache_state("k1", coding) == "MISS"
        assert await cache_state("k2", creative) == "HIT"


def test_answer_computed_before_a_rating_is_not_stored_after_it() -> None:
    from smart_spawn_plugin.server.cache import ResponseCache

    cache = ResponseCache(ttl=60, maxsize=10)
    since = cache.epoch
    cache.invalidate_user_category("u", "coding")  # a rating lands while the pick is computed
    cache.put(("/pick", b"q", "u"), (200, [], b"{}", ("u", "coding")), since)
    assert len(cache) == 0
    cache.put(("/pick", b"q", "v"), (200, [], b"{}", ("v", "coding")), since)  # other user: ok
    cache.put(("/pick", b"r", "u"), (200, [], b"{}", ("u", "creative")), since)  # other category
    assert len(cache) == 2


# -- 4. community contributors are server-side identities ----------------------------------------


async def test_made_up_instance_ids_do_not_make_contributors(make_app: MakeApp) -> None:
    app = make_app(api_keys=["k1", "k2"])
    params = {"task": "coding", "budget": "medium"}
    async with client_for(app) as c:
        before = (await c.get("/api/pick", params=params, headers=_key("k2"))).json()["data"]
        for i in range(60):
            r = await c.post(
                "/api/community/report",
                json={
                    "model": before["id"],
                    "category": "coding",
                    "rating": 1,
                    "instanceId": f"made-up-{i}",
                },
                headers=_key("k1"),
            )
            assert r.status_code == 200
        scores = await c.get(
            "/api/community/scores", params={"minRatings": "1"}, headers=_key("k2")
        )
        assert scores.json()["data"] == []  # one key is one contributor, below the 3 needed
        after = (await c.get("/api/pick", params=params, headers=_key("k2"))).json()["data"]
    assert after["id"] == before["id"] and after["score"] == before["score"]


async def test_three_keys_are_three_contributors(make_app: MakeApp) -> None:
    app = make_app(api_keys=["k1", "k2", "k3"])
    async with client_for(app) as c:
        for key in ("k1", "k2", "k3"):
            body = {"model": "a/b", "category": "coding", "rating": 4, "instanceId": "same"}
            r = await c.post("/api/community/report", json=body, headers=_key(key))
            assert r.status_code == 200
        rows = (
            await c.get("/api/community/scores", params={"minRatings": "1"}, headers=_key("k1"))
        ).json()["data"]
    assert [(r["model"], r["contributors"]) for r in rows] == [("a/b", 3)]
