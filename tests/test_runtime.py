"""The composition root: one HTTP client that carries the routing API's key on every request
(queued feedback flushes included, an injected client too), one outbox, one rating path."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.client.base import OutcomeReport, SpawnLogEntry
from smart_spawn_plugin.client.remote import RemoteRecommender
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.feedback.telemetry import COMMUNITY_KIND
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore

API = "https://routing.example/api"
COMMUNITY = "https://community.example/api"
KEY = "sk-shared-server-key"


class Api:
    """A fake routing API + community endpoint: down (503) until ``up`` is set."""

    def __init__(self) -> None:
        self.up = False
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if not self.up:
            return httpx.Response(503, json={"error": {"code": "INTERNAL", "message": "down"}})
        if request.headers.get("authorization") != f"Bearer {KEY}" and str(request.url).startswith(
            API
        ):
            return httpx.Response(401, json={"error": {"code": "UNAUTHORIZED", "message": "no"}})
        return httpx.Response(200, json={"data": {}})

    def to(self, prefix: str) -> list[httpx.Request]:
        return [r for r in self.seen if str(r.url).startswith(prefix)]


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(home=tmp_path / "home", apiUrl=API, apiKey=KEY, **extra)  # type: ignore[arg-type]


async def test_queued_feedback_reaches_a_keyed_api_with_the_key(tmp_path: Path) -> None:
    api = Api()
    http = httpx.AsyncClient(transport=httpx.MockTransport(api))
    runtime = Runtime.open(_settings(tmp_path), http=http)
    try:
        assert isinstance(runtime.recommender.inner, RemoteRecommender)  # under the providers layer
        await runtime.log_spawn(SpawnLogEntry(model="z-ai/glm-5.2", category="coding"))
        await runtime.rate(OutcomeReport(model="z-ai/glm-5.2", category="coding", rating=4))
        assert len(runtime.outbox.store.pending()) == 2  # the API is down: both stay queued
        api.up = True
        for item in runtime.outbox.store.pending():  # due now, not after the backoff
            runtime.outbox.store.reschedule(
                item.id, attempts=item.attempts, next_attempt_at=item.created_at, error="HTTP 503"
            )
        await runtime.flush()
        assert runtime.outbox.store.pending() == []  # delivered, not dropped after a 401
        flushed = api.to(API)
        assert len(flushed) == 4
        assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in flushed)
    finally:
        await runtime.aclose()
        await http.aclose()


async def test_the_key_never_leaves_for_another_host(tmp_path: Path) -> None:
    api = Api()
    api.up = True
    http = httpx.AsyncClient(transport=httpx.MockTransport(api))
    settings = _settings(tmp_path, telemetryOptIn=True, communityUrl=COMMUNITY)
    async with Runtime.open(settings, http=http) as runtime:
        assert await runtime.rate(OutcomeReport(model="z-ai/glm-5.2", category="coding", rating=5))
    (report,) = api.to(COMMUNITY)
    assert "authorization" not in report.headers
    assert api.to(API)[0].headers["authorization"] == f"Bearer {KEY}"
    await http.aclose()


async def test_the_runtime_s_own_client_is_authenticated(tmp_path: Path) -> None:
    async with Runtime.open(_settings(tmp_path)) as runtime:
        request = httpx.Request("POST", API + "/spawn-log")
        flow = runtime.http.auth.sync_auth_flow(request)
        assert next(flow).headers["authorization"] == f"Bearer {KEY}"
        other = next(runtime.http.auth.sync_auth_flow(httpx.Request("GET", COMMUNITY)))
        assert "authorization" not in other.headers


def test_sync_rating_goes_the_one_way(tmp_path: Path) -> None:
    """``rate_now`` (llm, CLI) stores the rating, invalidates the memoised scores, and queues
    the community report when opted in — like the async path."""
    settings = Settings(home=tmp_path / "home", telemetryOptIn=True)
    with Runtime.open(settings) as runtime:
        request = PickRequest(category="coding")
        first = runtime.local.pick_now(request)
        for _ in range(8):
            runtime.rate_now(OutcomeReport(model=first.id, category="coding", rating=1))
        assert runtime.local.pick_now(request).id != first.id
        assert len(runtime.outbox.store.pending(kind=COMMUNITY_KIND)) == 8
        assert len(RatingsStore(runtime.db).rows()) == 8
        with pytest.raises(InvalidParam):
            runtime.rate_now(OutcomeReport.model_construct(model="a/b", category="x", rating=3))


def test_spawn_log_prices_come_from_the_one_lookup(tmp_path: Path) -> None:
    with Runtime.open(home=tmp_path / "home") as runtime:
        model = runtime.catalog.current().models[0]
        assert runtime.price_of(f"openrouter/{model.id}") == (
            model.pricing.prompt,
            model.pricing.completion,
        )
        assert runtime.price_of("nobody/knows") is None
        row = runtime.local.record_spawn(SpawnLogEntry(model=model.id, category="coding"))
        (stored,) = SpawnLogStore(runtime.db).rows()
        assert stored.id == row.id
        assert (stored.prompt_price, stored.completion_price) == runtime.price_of(model.id)


def test_bad_settings_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidParam) as info:
        Runtime.open(home=tmp_path / "home", collectiveCount=9)
    assert info.value.field == "collectiveCount"


def test_ratings_from_another_process_reach_the_next_pick(tmp_path: Path) -> None:
    """A long-running runtime (gateway, server) memoises feedback scores, but a rating written
    by another process (the CLI) shows in its next pick."""
    with (
        Runtime.open(home=tmp_path / "home") as serving,
        Runtime.open(home=tmp_path / "home") as cli,
    ):
        request = PickRequest(category="coding")
        first = serving.local.pick_now(request)
        assert serving.local.pick_now(request).id == first.id  # memoised, unchanged
        for _ in range(8):
            cli.rate_now(OutcomeReport(model=first.id, category="coding", rating=1))
        assert serving.local.pick_now(request).id != first.id


def test_spawners_send_the_effort_each_model_was_scored_at(tmp_path) -> None:
    """Issue 10 defect 3, wired: the runtime's executors look up the catalog's scored effort."""
    with Runtime.open(home=tmp_path / "home") as rt:
        scored = next(m for m in rt.catalog.current().models if m.effort)
        spawners = rt.spawners()
        assert spawners.executor.effort_lookup is not None
        assert spawners.executor.effort_lookup(scored.id) == scored.effort
        assert spawners.executor.effort_lookup("openrouter/" + scored.id) == scored.effort
