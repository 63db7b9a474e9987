"""smart_spawn_feedback: validation naming the field, personal scores, opt-in telemetry."""

from __future__ import annotations

import json

import httpx
import pytest

from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.tools.feedback import parameters_schema, record_feedback
from tests.tools.conftest import MakeRuntime


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "a/b", "category": "coding", "rating": 7}, "rating"),
        ({"model": "a/b", "category": "coding", "rating": 0}, "rating"),
        ({"model": "a/b", "category": "cooking", "rating": 3}, "category"),
        ({"category": "coding", "rating": 3}, "model"),
        ({"model": "a/b", "category": "coding", "rating": "great"}, "rating"),
        ({"model": "a/b", "category": "coding", "rating": 3, "extra": 1}, "extra"),
    ],
)
async def test_bad_params_are_error_results_naming_the_field(
    make_runtime: MakeRuntime, params: dict[str, object], field: str
) -> None:
    result = await record_feedback(params, make_runtime())
    assert result.is_error
    assert isinstance(result.details, dict) and result.details["field"] == field
    assert field in result.text_content


async def test_rating_is_rounded_recorded_and_not_reported_without_opt_in(
    make_runtime: MakeRuntime, posted: list[httpx.Request]
) -> None:
    runtime = make_runtime()
    result = await record_feedback(
        {
            "model": "openrouter/z-ai/glm-5.2",
            "category": "coding",
            "rating": 4.6,
            "context": "rust,cli",
        },
        runtime,
    )
    assert not result.is_error
    body = json.loads(result.text_content)
    assert body["recorded"] is True and body["rating"] == 5
    assert body["communityReported"] is False
    (row,) = RatingsStore(runtime.db).rows()
    assert (row.model, row.rating, row.source) == ("z-ai/glm-5.2", 5, "explicit")
    assert row.context == ["rust", "cli"]
    assert posted == []


async def test_opted_in_reports_are_anonymous_and_go_to_community_url(
    make_runtime: MakeRuntime, posted: list[httpx.Request]
) -> None:
    runtime = make_runtime(telemetryOptIn=True, communityUrl="https://community.example/api")
    result = await record_feedback(
        {"model": "z-ai/glm-5.2", "category": "research", "rating": 2}, runtime
    )
    assert json.loads(result.text_content)["communityReported"] is True
    (request,) = posted
    assert str(request.url) == "https://community.example/api/community/report"
    payload = json.loads(request.content)
    assert set(payload) == {"model", "category", "rating", "instanceId"}
    assert len(payload["instanceId"]) == 64  # a hash, never the raw id or a user key


def test_schema_is_the_originals() -> None:
    schema = parameters_schema()
    assert schema["required"] == ["model", "category", "rating"]
    assert schema["properties"]["rating"]["maximum"] == 5
