"""selection's ``ScoreAdjuster``, implemented over the feedback scores.

One class for every surface (the local recommender, the HTTP server): it holds one user's
personal scores, their context-tag scores and the community aggregate, read once per pick,
and blends them into a benchmark score with :func:`smart_spawn_plugin.feedback.scores.blend`.
"""

from __future__ import annotations

from smart_spawn_plugin.feedback.scores import (
    CommunityScore,
    PersonalScore,
    ScoreKey,
    blend,
    community_scores,
    context_scores,
    personal_scores,
)
from smart_spawn_plugin.models import Category
from smart_spawn_plugin.store.community import CommunityStore
from smart_spawn_plugin.store.ratings import RatingsStore


class FeedbackAdjuster:
    """The engine's ``ScoreAdjuster`` over one user's ratings, their context-tag ratings and the
    community aggregate, blended by :func:`smart_spawn_plugin.feedback.scores.blend`.

    Scores are read once when the adjuster is built (once per pick), not once per candidate.
    ``adjust`` returns the blended 0–100 score and the personal score on 0–1 (None without
    personal ratings for that model and category).
    """

    def __init__(
        self,
        personal: dict[ScoreKey, PersonalScore],
        community: dict[ScoreKey, CommunityScore] | None = None,
        context: dict[ScoreKey, PersonalScore] | None = None,
    ) -> None:
        self.personal = personal
        self.community = community or {}
        self.context = context or {}

    @classmethod
    def for_user(
        cls,
        ratings: RatingsStore,
        community: CommunityStore | None,
        user_key: str,
        tags: list[str],
    ) -> FeedbackAdjuster | None:
        """The adjuster for ``user_key`` (and ``tags``), or None when there is no feedback."""
        personal = personal_scores(ratings, user_key)
        shared = community_scores(community) if community is not None else {}
        if not personal and not shared:
            return None
        context = context_scores(ratings, tags, user_key) if tags and personal else {}
        return cls(personal, shared, context)

    def adjust(
        self, user_key: str, model_id: str, category: Category, benchmark: float
    ) -> tuple[float, float | None]:
        key = (model_id, category)
        mine = self.personal.get(key)
        result = blend(benchmark, mine, self.community.get(key), self.context.get(key))
        return result.score, (None if mine is None else round(mine.score / 100.0, 4))
