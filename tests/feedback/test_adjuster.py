"""The feedback adjuster: one blend per model, category and benchmark score."""

from __future__ import annotations

from smart_spawn_plugin.feedback.adjuster import FeedbackAdjuster
from smart_spawn_plugin.feedback.scores import PersonalScore, blend


def _mine(score: float) -> PersonalScore:
    return PersonalScore(
        model="a/b", category="coding", score=score, n_effective=6.0, n_ratings=6, mean_rating=4.0
    )


def test_adjust_answers_as_blend_and_remembers_per_benchmark() -> None:
    mine = _mine(80.0)
    adjuster = FeedbackAdjuster({("a/b", "coding"): mine})
    first = adjuster.adjust("u", "a/b", "coding", 50.0)
    assert first == (blend(50.0, mine, None, None).score, 0.8)
    assert adjuster.adjust("u", "a/b", "coding", 50.0) == first
    other = adjuster.adjust("u", "a/b", "coding", 90.0)  # another benchmark: blended anew
    assert other == (blend(90.0, mine, None, None).score, 0.8)
    assert adjuster.adjust("u", "c/d", "coding", 50.0) == (50.0, None)  # no feedback on c/d
