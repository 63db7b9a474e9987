"""selection's ``ScoreAdjuster``, implemented over the feedback scores.

One class for every surface (every adapter picks through the local recommender): it holds one
user's personal scores, their context-tag scores and the community aggregate, read once per
pick, and blends them into a benchmark score with
:func:`smart_spawn_plugin.feedback.scores.blend`. :class:`FeedbackScores` memoises the scores
between ratings, so a busy server does not re-read the ratings table on every pick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from smart_spawn_plugin.errors import StoreUnavailable
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

    Scores are read once when the adjuster is built, not once per candidate; the local
    recommender keeps the adjuster (inside its memoised selector) until the scores change, so
    ``adjust`` memoises its answers too (a pure function of its arguments and the scores read;
    a few per model and category). ``adjust`` returns the blended 0–100 score and the personal
    score on 0–1 (None without personal ratings for that model and category).
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
        self._memo: dict[tuple[str, Category, float], tuple[float, float | None]] = {}

    def adjust(
        self, user_key: str, model_id: str, category: Category, benchmark: float
    ) -> tuple[float, float | None]:
        memo_key = (model_id, category, benchmark)
        found = self._memo.get(memo_key)
        if found is None:
            key = (model_id, category)
            mine = self.personal.get(key)
            result = blend(benchmark, mine, self.community.get(key), self.context.get(key))
            personal = None if mine is None else round(mine.score / 100.0, 4)
            found = self._memo[memo_key] = (result.score, personal)
        return found


#: Users whose personal scores are memoised at once (the memo is cleared when full).
DEFAULT_MEMO_USERS: Final = 4096


class FeedbackScores:
    """The feedback scores behind every pick, read from the stores once and memoised until
    :meth:`invalidate` (called after every rating, community report or refresh through this
    process) or until ``version()`` changes (another process wrote to the store — a rating from
    the CLI reaches a running gateway or server at its next pick).

    Personal scores are memoised per user (at most ``max_users`` at once); the community
    aggregate once. Context-tag scores depend on the tags and are read per pick, only for users
    with personal ratings.
    """

    def __init__(
        self,
        ratings: RatingsStore,
        community: CommunityStore | None,
        *,
        version: Callable[[], int] | None = None,
        max_users: int = DEFAULT_MEMO_USERS,
    ) -> None:
        self.ratings = ratings
        self.community = community
        self._version = version
        self._seen: int | None = None
        self._max_users = max_users
        self._personal: dict[str, dict[ScoreKey, PersonalScore]] = {}
        self._community: dict[ScoreKey, CommunityScore] | None = None
        #: bumped by every :meth:`invalidate`: anything built from these scores (the local
        #: recommender's memoised selectors) is stale once it differs
        self.generation = 0

    def personal(self, user_key: str) -> dict[ScoreKey, PersonalScore]:
        found = self._personal.get(user_key)
        if found is None:
            if len(self._personal) >= self._max_users:
                self._personal.clear()
            found = self._personal[user_key] = personal_scores(self.ratings, user_key)
        return found

    def shared(self) -> dict[ScoreKey, CommunityScore]:
        if self._community is None:
            self._community = community_scores(self.community) if self.community else {}
        return self._community

    def adjuster(self, user_key: str, tags: list[str]) -> FeedbackAdjuster | None:
        """The adjuster for ``user_key`` (and ``tags``), or None when there is no feedback."""
        try:
            self.sync()
            personal = self.personal(user_key)
            shared = self.shared()
        except StoreUnavailable:
            # The shared database is down: route on the benchmarks (and whatever is memoised)
            # rather than fail the pick; writes report the outage themselves.
            personal = self._personal.get(user_key, {})
            shared = self._community or {}
            if not personal and not shared:
                return None
            return FeedbackAdjuster(personal, shared, {})
        if not personal and not shared:
            return None
        context = context_scores(self.ratings, tags, user_key) if tags and personal else {}
        return FeedbackAdjuster(personal, shared, context)

    def sync(self) -> int:
        """Invalidate when ``version()`` moved (another process wrote to the store); returns
        the :attr:`generation` the memoised scores now belong to. While the shared database is
        down the memoised scores stay (a pick must not fail on a read)."""
        if self._version is not None:
            try:
                now = self._version()
            except StoreUnavailable:
                return self.generation
            if now != self._seen:
                self.invalidate()
                self._seen = now
        return self.generation

    def invalidate(self) -> None:
        """Ratings changed: read the scores again on the next pick."""
        self._personal.clear()
        self._community = None
        self.generation += 1
