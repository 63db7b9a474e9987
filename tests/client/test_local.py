"""The local recommender: engine decisions, feedback blended into picks, the local store."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.client import RECOMMENDERS, recommender_kind
from smart_spawn_plugin.client.base import OutcomeReport, SpawnLogEntry
from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.client.remote import RemoteRecommender
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import InvalidParam, MissingParam
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore


async def test_pick_is_local_and_explained(local: LocalRecommender) -> None:
    routed = await local.pick(PickRequest(task="write a python function to parse ISO dates"))
    assert routed.source == "local"
    assert routed.fallback_reason is None
    assert routed.decision.category == "coding"
    assert routed.decision.reason


async def test_pick_without_task_names_the_field(local: LocalRecommender) -> None:
    with pytest.raises(MissingParam) as info:
        await local.pick(PickRequest())
    assert info.value.field == "task"


async def test_recommend_gives_diverse_models(local: LocalRecommender) -> None:
    result = await local.recommend(PickRequest(category="coding"), 3)
    assert len(result.data) == 3
    assert len({r.model.provider for r in result.data}) == 3
    with pytest.raises(InvalidParam):
        await local.recommend(PickRequest(category="coding"), 9)


async def test_ratings_move_the_pick(local: LocalRecommender) -> None:
    request = PickRequest(category="coding", budget="medium")
    first = (await local.pick(request)).decision
    runner = first.runner_ups[0].id
    for _ in range(8):
        await local.record_outcome(OutcomeReport(model=first.id, category="coding", rating=1))
        await local.record_outcome(OutcomeReport(model=runner, category="coding", rating=5))
    second = (await local.pick(request)).decision
    assert second.id != first.id
    assert second.personal_score is not None


async def test_ratings_are_per_user(local: LocalRecommender) -> None:
    request = PickRequest(category="coding")
    first = (await local.pick(request)).decision
    for _ in range(8):
        await local.record_outcome(
            OutcomeReport(model=first.id, category="coding", rating=1), user_key="alice"
        )
    assert (await local.pick(request)).decision.id == first.id
    alice = await local.pick(request.model_copy(update={"user_key": "alice"}))
    assert alice.decision.id != first.id


async def test_log_spawn_keeps_real_usage_and_price(
    local: LocalRecommender, services: Runtime
) -> None:
    model = services.catalog.current().models[0]
    entry = SpawnLogEntry(
        model=f"openrouter/{model.id}",
        category="coding",
        prompt_tokens=120,
        completion_tokens=30,
        cost_usd=0.0021,
        duration_ms=850,
        status="ok",
        run_id="r1",
    )
    await local.log_spawn(entry)
    (row,) = SpawnLogStore(services.db).rows()
    assert (row.model, row.prompt_tokens, row.completion_tokens) == (model.id, 120, 30)
    assert row.cost_usd == pytest.approx(0.0021)
    assert row.status == "ok"
    assert row.prompt_price == model.pricing.prompt


async def test_implicit_outcome_is_stored_as_implicit(
    local: LocalRecommender, services: Runtime
) -> None:
    await local.record_outcome(
        OutcomeReport(model="a/b", category="research", rating=4, implicit=True)
    )
    (row,) = RatingsStore(services.db).rows()
    assert row.source == "implicit"


async def test_blended_selector_is_built_once_per_user_and_tags(local: LocalRecommender) -> None:
    """With ratings, repeated picks reuse one blended selector; a new rating rebuilds it and
    the next pick reflects the rating."""
    request = PickRequest(category="coding", budget="medium", context=["python", "api"])
    first = (await local.pick(request)).decision
    await local.record_outcome(OutcomeReport(model=first.id, category="coding", rating=4))
    built = local.selector(request)
    assert built.adjuster is not None
    assert local.selector(request) is built
    assert local.selector_for("local", ["api", "python"]) is built  # tags are a set
    assert local.selector_for("local", ["python"]) is not built
    assert local.selector_for("alice", ["api", "python"]) is not built
    runner = first.runner_ups[0].id
    for _ in range(8):
        await local.record_outcome(OutcomeReport(model=first.id, category="coding", rating=1))
        await local.record_outcome(OutcomeReport(model=runner, category="coding", rating=5))
    assert local.selector(request) is not built
    assert (await local.pick(request)).decision.id != first.id


async def test_catalog_refresh_rebuilds_the_blended_selector(local: LocalRecommender) -> None:
    first = local.pick_now(PickRequest(category="coding"))
    local.record_rating(OutcomeReport(model=first.id, category="coding", rating=5))
    built = local.selector_for("local")
    assert local.selector_for("local") is built
    await local.catalog.refresh(live=False)  # a new catalog object, no rankings_changed yet
    rebuilt = local.selector_for("local")
    assert rebuilt is not built
    assert rebuilt.catalog is local.catalog.current()


def test_adjuster_without_feedback_is_none(local: LocalRecommender) -> None:
    assert local.scores.adjuster("local", []) is None


def test_registry_chooses_by_api_url(services: Runtime) -> None:
    assert set(RECOMMENDERS) == {"local", "remote"}
    assert recommender_kind(None) == "local"
    assert recommender_kind("https://api.example") == "remote"
    assert Settings(apiUrl="local").api_url is None
    assert services.recommender.inner is services.local  # under the providers layer
    remote = Runtime(
        Settings(apiUrl="https://api.example/api", home=services.settings.home), services.db
    )
    assert isinstance(remote.recommender.inner, RemoteRecommender)
    assert remote.recommender.inner.fallback is remote.local  # type: ignore[attr-defined]
