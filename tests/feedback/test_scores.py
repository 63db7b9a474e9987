from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from smart_spawn_plugin.feedback.scores import (
    BlendWeights,
    CommunityScore,
    PersonalScore,
    ScoreParams,
    blend,
    community_scores,
    context_scores,
    decay_weight,
    personal_scores,
    rating_to_score,
)
from smart_spawn_plugin.store.community import CommunityStore
from smart_spawn_plugin.store.ratings import RatingsStore

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _rate(store: RatingsStore, rating: int, *, days_ago: float = 0, **kw) -> None:
    fields = {"model": "m", "category": "coding", "rating": rating} | kw
    store.record(created_at=NOW - timedelta(days=days_ago), **fields)


def test_rating_scale_maps_linearly() -> None:
    assert [rating_to_score(r) for r in (1, 3, 5)] == [0.0, 50.0, 100.0]


def test_bayesian_smoothing_with_prior(conn) -> None:
    store = RatingsStore(conn)
    _rate(store, 5)
    (score,) = personal_scores(store, now=NOW).values()
    # (3 pseudo-ratings at 3 + one 5) / 4 = 3.5 → 62.5
    assert score.score == pytest.approx(62.5)
    assert (score.n_ratings, score.n_effective, score.mean_rating) == (1, 1.0, 5.0)
    assert score.raw_score == 100.0


def test_many_ratings_overcome_the_prior(conn) -> None:
    store = RatingsStore(conn)
    for _ in range(97):
        _rate(store, 5)
    (score,) = personal_scores(store, now=NOW).values()
    assert score.score == pytest.approx(rating_to_score((3 * 3 + 97 * 5) / 100))


def test_time_decay_halves_weight_per_half_life(conn) -> None:
    store = RatingsStore(conn)
    _rate(store, 1, days_ago=30)  # weight 0.5
    _rate(store, 5, days_ago=0)  # weight 1
    (score,) = personal_scores(store, now=NOW).values()
    assert score.n_effective == pytest.approx(1.5)
    assert score.mean_rating == pytest.approx((0.5 * 1 + 5) / 1.5)
    # Sixty days later both ratings have aged two more half-lives.
    (later,) = personal_scores(store, now=NOW + timedelta(days=60)).values()
    assert later.n_effective == pytest.approx(0.375)
    # Half-life is configurable.
    (slow,) = personal_scores(store, now=NOW, params=ScoreParams(half_life_days=60)).values()
    assert slow.n_effective == pytest.approx(1 + 2**-0.5)


def test_ratings_beyond_the_horizon_are_ignored(conn) -> None:
    store = RatingsStore(conn)
    _rate(store, 1, days_ago=400)
    assert personal_scores(store, now=NOW) == {}


def test_decay_weight_clamps_future() -> None:
    assert decay_weight(-5, 30) == 1.0
    assert decay_weight(30, 30) == 0.5


def test_implicit_ratings_weigh_less(conn) -> None:
    store = RatingsStore(conn)
    _rate(store, 5, source="implicit")
    (score,) = personal_scores(store, now=NOW).values()
    assert score.n_effective == pytest.approx(0.5)


def test_user_isolation(conn) -> None:
    store = RatingsStore(conn)
    _rate(store, 5, user_key="bob")
    before = personal_scores(store, "bob", now=NOW)
    for _ in range(10):
        _rate(store, 1, user_key="alice")
    assert personal_scores(store, "bob", now=NOW) == before
    assert personal_scores(store, "alice", now=NOW)[("m", "coding")].mean_rating == 1.0
    assert personal_scores(store, "carol", now=NOW) == {}


def test_category_filter_and_keys(conn) -> None:
    store = RatingsStore(conn)
    _rate(store, 4)
    _rate(store, 2, category="reasoning")
    _rate(store, 3, model="other")
    assert set(personal_scores(store, now=NOW)) == {
        ("m", "coding"),
        ("m", "reasoning"),
        ("other", "coding"),
    }
    assert set(personal_scores(store, category="reasoning", now=NOW)) == {("m", "reasoning")}


def test_context_scores_pool_matching_ratings(conn) -> None:
    store = RatingsStore(conn)
    _rate(store, 5, context="python,django")
    _rate(store, 1, context="rust")
    _rate(store, 3)
    scores = context_scores(store, ["Python", "django"], now=NOW)
    assert scores[("m", "coding")].n_ratings == 1  # counted once though it matches two tags
    assert scores[("m", "coding")].mean_rating == 5.0
    assert context_scores(store, "rust", now=NOW)[("m", "coding")].mean_rating == 1.0
    assert context_scores(store, [], now=NOW) == {}


def _community(conn, reports: list[tuple[str, int]]) -> CommunityStore:
    store = CommunityStore(conn, limit_per_hour=1000)
    for instance, rating in reports:
        store.report(now=NOW, model="m", category="coding", rating=rating, instanceId=instance)
    return store


def test_community_requires_distinct_contributors(conn) -> None:
    # Twenty 5-star reports from one instance never pass the gate.
    store = _community(conn, [("solo", 5)] * 20)
    assert community_scores(store) == {}


def test_community_gate_and_capped_mean(conn) -> None:
    reports = [("a", 5)] * 50 + [("b", 1)] * 5 + [("c", 1)] * 5
    scores = community_scores(_community(conn, reports))
    score = scores[("m", "coding")]
    assert score.contributors == 3
    assert score.total_ratings == 60
    assert score.n_effective == 15  # "a" counts at most 5 times
    assert score.avg_rating == pytest.approx((5 * 5 + 5 + 5) / 15, abs=0.01)
    assert score.evidence == 0  # exactly at the contributor minimum: no weight yet


def test_community_below_min_ratings(conn) -> None:
    store = _community(conn, [("a", 5), ("b", 5), ("c", 5)])
    assert community_scores(store) == {}
    assert ("m", "coding") in community_scores(store, min_ratings=3)


def _personal(n: float, mean: float = 1.0) -> PersonalScore:
    return PersonalScore(
        model="m", category="coding", score=0.0, n_effective=n, n_ratings=round(n), mean_rating=mean
    )


def test_blend_without_feedback_is_benchmark() -> None:
    result = blend(76.0)
    assert (result.score, result.w_benchmark) == (76.0, 1.0)
    assert blend(76.0, _personal(0.0)).score == 76.0


def test_blend_formula() -> None:
    result = blend(76.0, _personal(3, mean=1.0))
    assert result.w_personal == pytest.approx(0.2)  # 0.4 * 3 / (3 + 3)
    assert result.score == pytest.approx(0.8 * 76.0)


def test_blend_is_continuous_in_rating_count() -> None:
    scores = [blend(76.0, _personal(n)).score for n in (0, 1, 2, 3, 4, 5, 10)]
    steps = [a - b for a, b in itertools.pairwise(scores)]
    assert all(step > 0 for step in steps)  # one-star ratings keep pulling it down…
    assert max(steps) < 76.0 * 0.1  # …in bounded steps, no jump at any minimum count
    # 2 → 3 → 4 ratings: consecutive steps shrink (diminishing returns), never jump.
    assert steps[1] > steps[2] > steps[3]
    # Continuity in n_effective itself (decay makes it real-valued).
    assert blend(76.0, _personal(3.0)).score == pytest.approx(
        blend(76.0, _personal(3.0001)).score, abs=1e-3
    )


def test_good_rating_never_lowers_a_well_benchmarked_model() -> None:
    assert blend(80.0, _personal(1, mean=5.0)).score > 80.0
    assert blend(80.0, _personal(1, mean=1.0)).score < 80.0


def test_blend_caps_total_feedback_weight() -> None:
    community = CommunityScore(
        model="m",
        category="coding",
        total_ratings=1000,
        avg_rating=5.0,
        contributors=200,
        n_effective=1000,
        evidence=990,
        score=100.0,
    )
    result = blend(50.0, _personal(1e6, 5.0), community, _personal(1e6, 5.0))
    assert result.w_benchmark == pytest.approx(0.4)
    assert result.w_personal + result.w_context + result.w_community == pytest.approx(0.6)
    assert result.score == pytest.approx(0.4 * 50 + 0.6 * 100)
    custom = blend(50.0, _personal(1e9, 5.0), weights=BlendWeights(max_personal=0.1))
    assert custom.w_personal == pytest.approx(0.1)


def test_community_weight_starts_at_zero_at_the_gate() -> None:
    def at(evidence: float) -> float:
        c = CommunityScore(
            model="m",
            category="coding",
            total_ratings=10,
            avg_rating=5.0,
            contributors=3,
            n_effective=10,
            evidence=evidence,
            score=100.0,
        )
        return blend(70.0, community=c).score

    assert at(0) == 70.0
    assert 70.0 < at(1) < at(5) < at(50) < 70.0 + 0.3 * 30
