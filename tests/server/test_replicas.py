"""Three ``smart-spawn serve`` replicas on loopback sharing one real PostgreSQL and one real
Redis (tests/engines.py, tests/cluster.py): what one replica learns, the others act on.

Each test speaks as its own client (``X-Forwarded-For`` from the trusted loopback proxy), so the
rate-limit budget one test spends is not another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import pytest

from tests.cluster import Cluster, cluster
from tests.engines import postgres, redis

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

LIMIT = 100
PICK = {"task": "write a python function that parses dates", "budget": "medium"}


@pytest.fixture(scope="module")
def engines(tmp_path_factory):  # type: ignore[no-untyped-def]
    with postgres() as pg, redis() as rd:
        yield pg, rd


@pytest.fixture(scope="module")
def replicas(engines, tmp_path_factory):  # type: ignore[no-untyped-def]
    pg, rd = engines
    env = {
        "SMART_SPAWN_TRUSTED_PROXIES": "127.0.0.1",
        "SMART_SPAWN_RATE_LIMIT": str(LIMIT),
        "SMART_SPAWN_RATE_WINDOW_S": "600",
        "SMART_SPAWN_REFRESH_LIMIT": "50",
        "SMART_SPAWN_FOLLOW_INTERVAL_S": "0.5",
        # A loaded CI machine must not look like a Redis outage (that test stops Redis itself).
        "SMART_SPAWN_REDIS_TIMEOUT_S": "5",
    }
    root = tmp_path_factory.mktemp("cluster")
    with cluster(root, 3, database_url=pg.create("cluster"), redis_url=rd.url, extra_env=env) as c:
        yield c


def client_as(ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"X-Forwarded-For": ip}, timeout=30.0)


async def test_a_rating_through_replica_a_changes_the_pick_through_replica_c(
    replicas: Cluster,
) -> None:
    a, c = replicas[0], replicas[2]
    async with client_as("10.0.0.1") as http:
        first = await http.get(c.url + "/api/pick", params=PICK)
        assert first.status_code == 200
        # C answers from its cache before the rating. A replica still settling after start-up
        # (following the catalog another one saved) may drop C's cache once: ask again,
        # a bounded number of times.
        cached = []
        for _ in range(5):
            cached.append((await http.get(c.url + "/api/pick", params=PICK)).headers["x-cache"])
            if cached[-1] == "HIT":
                break
        assert cached[-1] == "HIT", cached
        winner = first.json()["data"]["id"]
        for _ in range(5):
            r = await http.post(
                a.url + "/api/spawn-log/outcome",
                json={"model": winner, "category": "coding", "rating": 1},
            )
            assert r.status_code == 200
        after = await http.get(c.url + "/api/pick", params=PICK)
    assert after.status_code == 200
    assert after.headers["x-cache"] == "MISS"
    assert after.json()["data"]["id"] != winner


async def cached_on(http: httpx.AsyncClient, url: str, params: dict[str, str]) -> httpx.Response:
    """Ask ``url`` until it answers from its cache (bounded: a replica settling after start-up
    may drop its cache once); the first answer."""
    first = await http.get(url, params=params)
    assert first.status_code == 200
    seen = []
    for _ in range(5):
        seen.append((await http.get(url, params=params)).headers["x-cache"])
        if seen[-1] == "HIT":
            return first
    raise AssertionError(f"never cached: {seen}")


async def test_a_rating_in_one_category_drops_only_that_categorys_entry_on_another_replica(
    replicas: Cluster,
) -> None:
    a, c = replicas[0], replicas[2]
    coding = {"task": "write a python function that merges two sorted lists", "budget": "low"}
    creative = {"task": "write a short poem about the autumn sea", "budget": "low"}
    async with client_as("10.0.0.6") as http:
        picked = await cached_on(http, c.url + "/api/pick", coding)
        other = await cached_on(http, c.url + "/api/pick", creative)
        assert picked.json()["data"]["category"] == "coding"
        assert other.json()["data"]["category"] == "creative"
        r = await http.post(
            a.url + "/api/spawn-log/outcome",
            json={"model": picked.json()["data"]["id"], "category": "coding", "rating": 2},
        )
        assert r.status_code == 200
        after_coding = await http.get(c.url + "/api/pick", params=coding)
        after_creative = await http.get(c.url + "/api/pick", params=creative)
    assert after_coding.headers["x-cache"] == "MISS"  # the rated category: dropped on C
    assert after_creative.headers["x-cache"] == "HIT"  # another category: still served


async def test_300_requests_over_three_replicas_spend_one_budget(replicas: Cluster) -> None:
    async with client_as("10.0.0.2") as http:

        async def one(i: int) -> int:
            r = await http.get(replicas[i % 3].url + "/api/health")
            return r.status_code

        statuses = await asyncio.gather(*(one(i) for i in range(300)))
    assert statuses.count(200) == LIMIT
    assert statuses.count(429) == 300 - LIMIT


async def test_a_refresh_triggered_on_two_replicas_at_once_runs_once(replicas: Cluster) -> None:
    a, b, c = replicas[0], replicas[1], replicas[2]
    async with client_as("10.0.0.3") as http:
        before = (await http.get(c.url + "/api/status")).json()["data"]["lastRefresh"]
        answers = await asyncio.gather(
            http.post(a.url + "/api/refresh"), http.post(b.url + "/api/refresh")
        )
        started = [r.json()["data"]["started"] for r in answers]
        assert sorted(started) == [False, True]
        # Every replica, the one that did not refresh included, ends up on the new catalog.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = set()
            for replica in replicas.replicas:
                data = (await http.get(replica.url + "/api/status")).json()["data"]
                seen.add((data["lastRefresh"], data["refreshing"]))
            if len(seen) == 1 and next(iter(seen)) != (before, False) and not next(iter(seen))[1]:
                break
            await asyncio.sleep(0.2)
        else:
            pytest.fail(f"replicas did not converge on one catalog: {seen}")


async def test_kill_9_of_a_replica_loses_no_acknowledged_rating(replicas: Cluster) -> None:
    import psycopg

    b = replicas[1]
    enough = asyncio.Event()
    refused: list[int] = []
    url = b.env["SMART_SPAWN_DATABASE_URL"]
    model = "anthropic/claude-3-haiku"  # in the catalog; no other test rates it

    def stored() -> int:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT COUNT(*) FROM ratings WHERE model = %s", (model,)).fetchone()
        assert row is not None
        return int(row[0])

    before = stored()
    acknowledged = 0
    sent = 0

    async def stream(http: httpx.AsyncClient) -> None:
        nonlocal acknowledged, sent
        while True:
            sent += 1
            try:
                r = await http.post(
                    b.url + "/api/spawn-log/outcome",
                    json={"model": model, "category": "coding", "rating": 4},
                )
            except httpx.HTTPError:
                return
            if r.status_code != 200:  # never loop on refusals: report them
                refused.append(r.status_code)
                enough.set()
                return
            acknowledged += 1
            if acknowledged >= 40:
                enough.set()

    async with client_as("10.0.0.4") as http:
        writers = [asyncio.create_task(stream(http)) for _ in range(4)]
        await enough.wait()
        assert not refused, f"ratings refused before the kill: {refused}"
        b.kill()
        for w in writers:
            with contextlib.suppress(Exception):
                await w
    # Every acknowledged rating is there; at most the 4 in flight were stored unacknowledged.
    assert acknowledged <= stored() - before <= acknowledged + 4
    b.start()
    b.wait_ready()


async def test_redis_stopped_mid_run_no_5xx_and_health_warns(engines, replicas: Cluster) -> None:
    _, rd = engines
    a, c = replicas[0], replicas[2]
    statuses: list[int] = []
    async with client_as("10.0.0.5") as http:
        for _ in range(10):
            statuses.append((await http.get(a.url + "/api/pick", params=PICK)).status_code)
        rd.stop()
        for i in range(30):
            target = (a, c)[i % 2]
            statuses.append((await http.get(target.url + "/api/pick", params=PICK)).status_code)
            r = await http.post(
                target.url + "/api/spawn-log/outcome",
                json={"model": "openai/gpt-4o", "category": "coding", "rating": 3},
            )
            statuses.append(r.status_code)
        health = (await http.get(a.url + "/api/health")).json()
        ready = await http.get(a.url + "/api/ready")
        rd.start()
    assert all(s < 500 for s in statuses), statuses
    assert health["status"] == "degraded"
    assert health["checks"]["redis"].startswith("degraded")
    assert ready.status_code == 200  # Redis down: still ready (per-process fallbacks)


async def test_postgres_down_reads_served_writes_503_retry_after(
    engines, replicas: Cluster
) -> None:
    pg, _ = engines
    a = replicas[0]
    pg.stop("immediate")
    try:
        async with client_as("10.0.0.6") as http:
            pick = await http.get(a.url + "/api/pick", params={**PICK, "budget": "low"})
            reads = [
                await http.get(a.url + path)
                for path in ("/api/models", "/api/status", "/api/recommend?task=sql&count=2")
            ]
            write = await http.post(
                a.url + "/api/spawn-log/outcome",
                json={"model": "openai/gpt-4o", "category": "coding", "rating": 5},
            )
            ready = await http.get(a.url + "/api/ready")
            health = await http.get(a.url + "/api/health")
    finally:
        pg.start()
    assert pick.status_code == 200
    assert [r.status_code for r in reads] == [200, 200, 200]
    assert write.status_code == 503
    assert write.json()["error"]["code"] == "STORE_UNAVAILABLE"
    assert int(write.headers["retry-after"]) >= 1
    assert ready.status_code == 503
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
