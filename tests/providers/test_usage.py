"""Quota windows, usage from the spawn log and marks, prediction, and OpenRouter's key endpoint
(``httpx.MockTransport`` on its real wire format)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.errors import InvalidParam, UpstreamError
from smart_spawn_plugin.providers.openrouter_key import read_key_usage
from smart_spawn_plugin.providers.schedule import window
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.settings import ResetSchedule
from tests.providers.helpers import open_services, seed

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)  # a Thursday
WEEKLY_TOKENS = {
    "entries": {
        "anthropic": {
            "baseUrl": "http://127.0.0.1:9/v1",
            "models": ["anthropic/claude-test"],
            "quota": {
                "quotaSource": "self-tracked",
                "quotaType": "tokens",
                "limit": 100_000,
                "reset": {"every": "weekly", "day": 0, "hour": 0},
            },
        },
        "budgeted": {
            "kind": "openrouter",
            "baseUrl": "https://openrouter.ai/api/v1",
            "models": ["vendor/priced"],
            "quota": {"quotaSource": "self-tracked", "quotaType": "budget", "limit": 20},
        },
    }
}


@pytest.mark.parametrize(
    ("schedule", "start", "reset"),
    [
        (
            ResetSchedule(every="daily", hour=12),
            datetime(2026, 11, 25, 12),
            datetime(2026, 11, 26, 12),
        ),
        (ResetSchedule(every="weekly", day=0), datetime(2026, 11, 23), datetime(2026, 11, 30)),
        (ResetSchedule(every="monthly", day=31), datetime(2026, 10, 31), datetime(2026, 11, 30)),
        (
            ResetSchedule(every="monthly", day=1, hour=6),
            datetime(2026, 11, 1, 6),
            datetime(2026, 12, 1, 6),
        ),
        (
            ResetSchedule(every="fixed", at="2026-12-24T00:00:00"),
            datetime(1970, 1, 1),
            datetime(2026, 12, 24),
        ),
    ],
)
def test_windows(schedule: ResetSchedule, start: datetime, reset: datetime) -> None:
    assert window(schedule, NOW) == (start.replace(tzinfo=UTC), reset.replace(tzinfo=UTC))


def test_fixed_reset_needs_a_date() -> None:
    with pytest.raises(InvalidParam, match="needs 'at'"):
        window(ResetSchedule(every="fixed"), NOW)
    with pytest.raises(InvalidParam, match="not a date-time"):
        window(ResetSchedule(every="fixed", at="soon"), NOW)


async def test_usage_and_prediction_from_the_spawn_log(tmp_path: Path) -> None:
    with open_services(tmp_path, **WEEKLY_TOKENS) as services:
        seed(
            services,
            "anthropic/claude-test",
            hours_ago=2,
            prompt=20_000,
            completion=10_000,
            now=NOW,
        )
        seed(
            services, "anthropic/claude-test", hours_ago=30, prompt=5_000, completion=5_000, now=NOW
        )
        seed(
            services, "anthropic/claude-test", hours_ago=24 * 5, prompt=9_000, completion=0, now=NOW
        )  # last week
        seed(services, "anthropic/claude-test", hours_ago=1, status="planned", now=NOW)  # never ran
        seed(services, "vendor/priced", hours_ago=3, cost=4.0, now=NOW)
        seed(services, "vendor/priced", hours_ago=5, cost=None, now=NOW)  # 1000×2 + 500×12 per 1M
        service = ProvidersService(services)
        by_name = {p.provider: p for p in await service.predict(hours=24, now=NOW)}
    anthropic = by_name["anthropic"]
    assert anthropic.used == 40_000 and anthropic.limit == 100_000 and anthropic.percent == 40
    assert anthropic.burn_rate_per_hour == pytest.approx(30_000 / 24)
    # 60 000 tokens left at 1 250/h: 48 h → Sat 28 Nov 10:30, 37.5 h before Monday 00:00
    assert anthropic.predicted_exhaustion == datetime(2026, 11, 28, 10, 30, tzinfo=UTC)
    assert anthropic.runs_out_before_reset
    assert "runs out Sat 28 Nov 10:30 UTC, 38 h before reset" in anthropic.message
    budget = by_name["budgeted"]
    assert budget.unit == "USD" and budget.used == pytest.approx(4.008)
    # $15.99 left at $0.167/h: 95.8 h → Mon 30 Nov 10:15, before the 1 Dec monthly reset
    assert budget.limit == 20 and budget.runs_out_before_reset
    assert "$20.00 limit runs out Mon 30 Nov 10:15 UTC, 14 h before reset" in budget.message
    assert by_name["openrouter"].limit is None


async def test_set_usage_and_reset(tmp_path: Path) -> None:
    with open_services(tmp_path, **WEEKLY_TOKENS) as services:
        service = ProvidersService(services)
        seed(services, "anthropic/claude-test", hours_ago=2, prompt=1_000, completion=0)
        service.set_usage("anthropic", "97%")
        (usage,) = [u for u in await service.usage() if u.provider == "anthropic"]
        assert usage.used == 97_000 and usage.usage_from == "mark"
        service.set_usage("anthropic", "12345")
        assert [u.used for u in await service.usage() if u.provider == "anthropic"] == [12_345]
        service.reset("anthropic")
        assert [u.used for u in await service.usage() if u.provider == "anthropic"] == [0]
        with pytest.raises(InvalidParam, match="unknown provider 'nope'"):
            service.set_usage("nope", "1")
        with pytest.raises(InvalidParam, match="number or a percentage"):
            service.set_usage("anthropic", "lots")
        with pytest.raises(InvalidParam, match=">= 0"):
            service.set_usage("anthropic", "-3")
        with pytest.raises(InvalidParam, match="no limit"):
            service.set_usage("openrouter", "50%")
        with pytest.raises(InvalidParam, match="hours"):
            await service.predict(hours=0)


KEY_BODY = {
    "data": {
        "label": "sk-or-v1-au7...890",
        "limit": 20,
        "limit_remaining": 5.5,
        "limit_reset": "monthly",
        "usage": 14.5,
        "usage_daily": 2.5,
        "usage_weekly": 8.0,
        "usage_monthly": 14.5,
        "is_free_tier": False,
        "include_byok_in_limit": False,
        "rate_limit": {"requests": 1000, "interval": "1h", "note": "deprecated"},
    }
}


async def test_openrouter_key_endpoint_wire_format() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=KEY_BODY)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        data = await read_key_usage(http, "https://openrouter.ai/api/v1", "sk-or-v1-secret")
    assert (data.usage, data.limit, data.limit_remaining) == (14.5, 20, 5.5)
    (request,) = seen
    assert str(request.url) == "https://openrouter.ai/api/v1/key"
    assert request.headers["authorization"] == "Bearer sk-or-v1-secret"


async def test_openrouter_key_errors_are_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "bad key sk-or-v1-secretsecret"}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(UpstreamError) as caught:
            await read_key_usage(http, "https://openrouter.ai/api/v1", "sk-or-v1-secretsecret")
    assert "secretsecret" not in caught.value.message and "401" in caught.value.message


async def test_api_quota_source_reads_the_key_endpoint(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/key"
        return httpx.Response(200, content=json.dumps(KEY_BODY))

    entry = {
        "kind": "openrouter",
        "baseUrl": "https://openrouter.ai/api/v1",
        "quota": {"quotaSource": "api", "quotaType": "budget"},
    }
    config = {"entries": {"openrouter": entry}}
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with open_services(tmp_path, **config) as services:
            service = ProvidersService(services, http)
            (usage,) = await service.usage()
    assert usage.usage_from == "api" and usage.used == 14.5 and usage.limit == 20
    assert usage.percent == 72.5


async def test_a_huge_limit_never_overflows(tmp_path: Path) -> None:
    quota = {"quotaSource": "self-tracked", "quotaType": "tokens", "limit": 1e15}
    config = {
        "entries": {"big": {"baseUrl": "http://127.0.0.1:9/v1", "models": ["x/y"], "quota": quota}}
    }
    with open_services(tmp_path, **config) as services:
        seed(services, "x/y", hours_ago=1, prompt=10, completion=0)
        (big,) = [p for p in await ProvidersService(services).predict() if p.provider == "big"]
    assert big.predicted_exhaustion is None and "lasts years" in big.message
