from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from structlog.testing import capture_logs

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.feedback.telemetry import (
    COMMUNITY_KIND,
    CommunityReporter,
    Outbox,
    anonymous_instance_id,
)
from smart_spawn_plugin.store.outbox import OutboxStore

T0 = datetime(2025, 6, 1, tzinfo=UTC)
URL = "https://community.test/api"


class Endpoint:
    """A fake endpoint answering with a scripted list of status codes (then 200)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.bodies: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, json={})

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


def _outbox(conn, **kw) -> Outbox:
    return Outbox(OutboxStore(conn), base_delay=timedelta(seconds=60), **kw)


async def test_retry_after_500_then_deliver(conn) -> None:
    outbox = _outbox(conn)
    outbox.enqueue("k", f"{URL}/x", {"a": 1}, now=T0)
    endpoint = Endpoint(500)
    async with endpoint.client() as http:
        first = await outbox.flush(http, T0)
        assert (first.sent, first.retried, first.dropped) == (0, 1, 0)
        (pending,) = outbox.store.pending()
        assert pending.attempts == 1
        assert pending.last_error == "HTTP 500"
        assert pending.next_attempt_at == T0 + timedelta(seconds=60)

        not_yet = await outbox.flush(http, T0 + timedelta(seconds=30))
        assert not_yet.sent == 0
        assert len(endpoint.bodies) == 1

        second = await outbox.flush(http, T0 + timedelta(seconds=60))
    assert second.sent == 1
    assert outbox.store.pending() == []
    assert endpoint.bodies == [{"a": 1}, {"a": 1}]


async def test_endpoint_down_keeps_reports_with_exponential_backoff(conn) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    outbox = _outbox(conn, max_attempts=100)
    outbox.enqueue("k", URL, {"a": 1}, now=T0)
    now = T0
    delays = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        for _ in range(4):
            await outbox.flush(http, now)
            (item,) = outbox.store.pending()
            delays.append(item.next_attempt_at - now)
            now = item.next_attempt_at
    assert delays == [timedelta(seconds=60 * 2**i) for i in range(4)]
    assert "ConnectError" in (outbox.store.pending()[0].last_error or "")


async def test_429_honours_retry_after(conn) -> None:
    outbox = _outbox(conn)
    outbox.enqueue("k", URL, {}, now=T0)

    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(limited)) as http:
        await outbox.flush(http, T0)
    assert outbox.store.pending()[0].next_attempt_at == T0 + timedelta(hours=1)


async def test_drop_after_max_attempts_is_logged(conn) -> None:
    outbox = _outbox(conn, max_attempts=2)
    outbox.enqueue("k", URL, {"a": 1}, now=T0)
    async with Endpoint(500, 503).client() as http:
        with capture_logs() as logs:
            await outbox.flush(http, T0)
            result = await outbox.flush(http, T0 + timedelta(days=1))
    assert result.dropped == 1
    assert outbox.store.pending() == []
    dropped = [e for e in logs if e["event"] == "outbox_item_dropped"]
    assert dropped
    assert dropped[0]["attempts"] == 2
    assert dropped[0]["error"] == "HTTP 503"


async def test_permanent_rejection_is_dropped_and_logged(conn) -> None:
    outbox = _outbox(conn)
    outbox.enqueue("k", URL, {"a": 1}, now=T0)
    async with Endpoint(400).client() as http:
        with capture_logs() as logs:
            result = await outbox.flush(http, T0)
    assert result.dropped == 1
    assert any(e["event"] == "outbox_item_dropped" for e in logs)


def _reporter(conn, *, opt_in: bool) -> CommunityReporter:
    return CommunityReporter(
        _outbox(conn),
        opt_in=opt_in,
        community_url=URL + "/",
        instance_id=anonymous_instance_id(conn),
    )


async def test_opted_in_reports_are_anonymous(conn) -> None:
    reporter = _reporter(conn, opt_in=True)
    assert reporter.report(model="m", category="coding", rating=4, now=T0)
    endpoint = Endpoint()
    requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return endpoint(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as http:
        result = await reporter.flush(http, T0)
    assert result.sent == 1
    assert str(requests[0].url) == f"{URL}/community/report"
    (body,) = endpoint.bodies
    assert set(body) == {"model", "category", "rating", "instanceId"}
    raw = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()[0]
    assert body["instanceId"] != raw  # only a hash of the local id leaves the machine
    assert body["instanceId"] == anonymous_instance_id(conn)  # stable across calls
    assert len(str(body["instanceId"])) == 64


async def test_opt_out_sends_nothing(conn) -> None:
    reporter = _reporter(conn, opt_in=False)
    assert reporter.report(model="m", category="coding", rating=4) is False
    assert OutboxStore(conn).pending() == []

    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("opted out: nothing may be sent")

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as http:
        result = await reporter.flush(http, T0)
    assert result.sent == 0


async def test_opting_out_discards_queued_reports_unsent(conn) -> None:
    _reporter(conn, opt_in=True).report(model="m", category="coding", rating=4, now=T0)
    other = OutboxStore(conn).enqueue("other-kind", URL, {}, now=T0)

    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("opted out: nothing may be sent")

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as http:
        with capture_logs() as logs:
            result = await _reporter(conn, opt_in=False).flush(http, T0)
    assert result.dropped == 1
    assert OutboxStore(conn).pending() == [other]  # other kinds are not the reporter's business
    assert any(e["event"] == "telemetry_discarded_opted_out" for e in logs)


def test_invalid_report_is_rejected_before_queueing(conn) -> None:
    reporter = _reporter(conn, opt_in=True)
    with pytest.raises(InvalidParam):
        reporter.report(model="m", category="bogus", rating=4)
    with pytest.raises(InvalidParam):
        reporter.report(model="m", category="coding", rating=9)
    assert OutboxStore(conn).pending(kind=COMMUNITY_KIND) == []
