"""The remote recommender: cache, timeouts, local fallback, queued feedback, our own API."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from smart_spawn_plugin.client.base import OutcomeReport, SpawnLogEntry
from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.client.remote import OUTCOME_KIND, SPAWN_LOG_KIND, RemoteRecommender
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import InvalidParam, NoModel
from smart_spawn_plugin.feedback.telemetry import Outbox
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.store.outbox import OutboxStore

API = "https://routing.example/api"
Handler = Callable[[httpx.Request], httpx.Response]

ORIGINAL_PICK = {
    "data": {
        "id": "anthropic/claude-opus-4.6",
        "name": "Claude Opus 4.6",
        "score": 88.5,
        "pricing": {"prompt": 5, "completion": 25},
        "budget": "high",
        "reason": "Best coding model at high budget",
    }
}


def remote(
    services: Runtime, local: LocalRecommender, handler: Handler
) -> tuple[RemoteRecommender, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(record))
    outbox = Outbox(OutboxStore(services.db))
    return RemoteRecommender(API, http, local, outbox), seen


async def test_pick_parses_the_original_shape_and_caches(
    services: Runtime, local: LocalRecommender
) -> None:
    client, seen = remote(services, local, lambda r: httpx.Response(200, json=ORIGINAL_PICK))
    request = PickRequest(task="write a python function that parses ISO dates", budget="high")
    first = await client.pick(request)
    again = await client.pick(request)
    assert first.source == again.source == "remote"
    assert first.decision.id == "anthropic/claude-opus-4.6"
    assert first.decision.provider == "anthropic"
    assert first.decision.category == "coding"  # classified locally: the original omits it
    assert len(seen) == 1
    assert seen[0].url.path == "/api/pick"
    assert seen[0].url.params["task"] == request.task
    assert seen[0].url.params["budget"] == "high"
    # any other field is another cache key
    await client.pick(request.model_copy(update={"exclude": ["x/y"]}))
    assert len(seen) == 2
    await client.http.aclose()


async def test_long_tasks_are_sent_as_their_category(
    services: Runtime, local: LocalRecommender
) -> None:
    client, seen = remote(services, local, lambda r: httpx.Response(200, json=ORIGINAL_PICK))
    await client.pick(PickRequest(task="Write a Python function that sorts a list. " * 20))
    assert seen[0].url.params["task"] == "coding"
    await client.http.aclose()


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (lambda r: httpx.Response(503, json={"error": {"code": "X", "message": "down"}}), "503"),
        (lambda r: httpx.Response(200, text="<html>oops</html>"), "not JSON"),
        (lambda r: httpx.Response(200, json={"nope": 1}), "data"),
        (lambda r: httpx.Response(200, json={"data": {"id": 3}}), "unexpected shape"),
    ],
)
async def test_failures_fall_back_to_local(
    services: Runtime, local: LocalRecommender, handler: Handler, reason: str
) -> None:
    client, _ = remote(services, local, handler)
    routed = await client.pick(PickRequest(task="summarise this paper"))
    assert routed.source == "local-fallback"
    assert routed.fallback_reason is not None and reason in routed.fallback_reason
    assert routed.decision.id  # the local engine answered
    await client.http.aclose()


async def test_timeout_and_connection_errors_fall_back(
    services: Runtime, local: LocalRecommender
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client, _ = remote(services, local, timeout)
    routed = await client.pick(PickRequest(task="prove that sqrt 2 is irrational"))
    assert routed.source == "local-fallback"
    assert routed.fallback_reason is not None and "timed out" in routed.fallback_reason
    await client.http.aclose()

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, _ = remote(services, local, refused)
    assert (await client.pick(PickRequest(task="x"))).source == "local-fallback"
    assert (await client.recommend(PickRequest(category="coding"), 2)).data
    await client.http.aclose()


async def test_verdicts_on_the_request_are_raised(
    services: Runtime, local: LocalRecommender
) -> None:
    no_model = {"error": {"code": "NO_MODEL", "message": "No model found"}}
    client, _ = remote(services, local, lambda r: httpx.Response(404, json=no_model))
    with pytest.raises(NoModel):
        await client.pick(PickRequest(task="x"))
    bad = {"error": {"code": "INVALID_PARAM", "message": "budget is bad", "field": "budget"}}
    client, _ = remote(services, local, lambda r: httpx.Response(400, json=bad))
    with pytest.raises(InvalidParam) as info:
        await client.pick(PickRequest(task="x"))
    assert info.value.field == "budget"
    await client.http.aclose()


async def test_category_weights_are_answered_locally_and_say_so(
    services: Runtime, local: LocalRecommender
) -> None:
    client, seen = remote(services, local, lambda r: httpx.Response(200, json=ORIGINAL_PICK))
    routed = await client.pick(PickRequest(task="x", category_weights={"coding": 1.0}))
    assert routed.source == "local-fallback"
    assert "categoryWeights" in (routed.fallback_reason or "")
    assert seen == []
    await client.http.aclose()


async def test_feedback_is_queued_while_down_and_delivered_later(
    services: Runtime, local: LocalRecommender
) -> None:
    up = {"value": False}
    delivered: list[tuple[str, dict[str, object]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not up["value"]:
            return httpx.Response(503)
        delivered.append((request.url.path, json.loads(request.content)))
        return httpx.Response(200, json={"data": {"logged": True}})

    client, _ = remote(services, local, handler)
    await client.log_spawn(
        SpawnLogEntry(model="a/b", category="coding", prompt_tokens=5, cost_usd=0.01)
    )
    await client.record_outcome(OutcomeReport(model="a/b", category="coding", rating=5))
    store = OutboxStore(services.db)
    assert {i.kind for i in store.pending()} == {SPAWN_LOG_KIND, OUTCOME_KIND}
    up["value"] = True
    # a retry is scheduled after a backoff: flush as if that time had come
    for item in store.pending():
        store.reschedule(item.id, attempts=1, next_attempt_at=item.created_at, error="x")
    result = await client.flush()
    assert result.sent == 2
    assert store.pending() == []
    paths = sorted(path for path, _ in delivered)
    assert paths == ["/api/spawn-log", "/api/spawn-log/outcome"]
    outcome = next(body for path, body in delivered if path.endswith("outcome"))
    assert outcome == {"model": "a/b", "category": "coding", "rating": 5, "implicit": False}
    await client.http.aclose()


async def test_against_our_own_api(services: Runtime, local: LocalRecommender) -> None:
    from smart_spawn_plugin.server.app import create_app
    from smart_spawn_plugin.settings import ServerSettings

    app = create_app(services, ServerSettings(access_log=False, background_refresh=False))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    client = RemoteRecommender("http://test/api", http, local, Outbox(OutboxStore(services.db)))
    request = PickRequest(task="write a rust function to reverse a string")
    routed = await client.pick(request)
    assert routed.source == "remote"
    assert routed.decision.id == (await local.pick(request)).decision.id
    assert routed.decision.category == "coding"
    result = await client.recommend(PickRequest(category="research"), 2)
    assert len(result.data) == 2
    await client.log_spawn(SpawnLogEntry(model=routed.decision.id, category="coding"))
    await client.record_outcome(
        OutcomeReport(model=routed.decision.id, category="coding", rating=5)
    )
    assert OutboxStore(services.db).pending() == []
    await client.http.aclose()
