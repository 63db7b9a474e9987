"""Issue 11 #17: feedback is validated against the catalog, ids are normalised and ratings are
rounded one way on every surface (tool/CLI, MCP, HTTP)."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.client.base import OutcomeReport, stars, verdict
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.tools.feedback import record_feedback
from tests.tools.conftest import MakeRuntime

KNOWN = "z-ai/glm-5.2"


@pytest.mark.parametrize(
    "model", ["no/such-model", "openrouter/", "   ", "../../etc/passwd", "glm-5.2", "a/b c"]
)
async def test_unknown_or_malformed_models_are_refused_and_nothing_is_stored(
    make_runtime: MakeRuntime, model: str
) -> None:
    runtime = make_runtime()
    result = await record_feedback({"model": model, "category": "coding", "rating": 3}, runtime)
    assert result.is_error
    assert isinstance(result.details, dict) and result.details["field"] == "model"
    assert RatingsStore(runtime.db).rows("local") == []


async def test_ids_are_normalised_so_one_model_is_one_model(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime()
    for spelling in ("Z-AI/GLM-5.2", " z-ai/glm-5.2 ", "openrouter/z-ai/glm-5.2"):
        result = await record_feedback(
            {"model": spelling, "category": "coding", "rating": 5}, runtime
        )
        assert not result.is_error, result.text_content
    stored = {row.model for row in RatingsStore(runtime.db).rows("local")}
    assert stored == {KNOWN}


@pytest.mark.parametrize(("given", "stored"), [(4.5, 5), (2.5, 3), (1.49, 1), (4.4, 4), (5, 5)])
def test_one_rounding_rule(given: float, stored: int) -> None:
    assert stars(given) == stored
    assert OutcomeReport(model=KNOWN, category="coding", rating=given).rating == stored


async def test_tool_rounds_half_up_and_says_what_a_three_does(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime()
    half = await record_feedback({"model": KNOWN, "category": "coding", "rating": 4.5}, runtime)
    assert isinstance(half.details, dict) and half.details["rating"] == 5
    three = await record_feedback({"model": KNOWN, "category": "coding", "rating": 3}, runtime)
    assert isinstance(three.details, dict)
    assert "favoured" not in three.details["message"]
    assert verdict(3) == "kept neutral" and verdict(4) == "favoured"
    assert verdict(2) == "deprioritised"


def test_the_service_refuses_unknown_models_for_every_caller(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime()
    with pytest.raises(InvalidParam) as info:
        runtime.rate_now(OutcomeReport(model="no/such-model", category="coding", rating=4))
    assert info.value.field == "model"
    # an implicit rating (from an outcome of a model that ran) is normalised, not refused
    runtime.rate_now(
        OutcomeReport(model="Local/Qwen2.5-7B", category="coding", rating=4, implicit=True)
    )
    assert [r.model for r in RatingsStore(runtime.db).rows("local")] == ["local/qwen2.5-7b"]
