"""The local recommender: the in-process engine over the local store. The default; no network.

Decisions come from :class:`~smart_spawn_plugin.engine.select.selection.Selector` over the current
catalog, blended with the user's own ratings (and context-tag ratings, and the community
aggregate held in the local store) through :class:`FeedbackAdjuster`, the engine's
``ScoreAdjuster`` over :mod:`smart_spawn_plugin.feedback.scores`. Spawns go to the local spawn
log and ratings to the local ratings store, so the next pick already reflects them.
"""

from __future__ import annotations

from typing import Final

from smart_spawn_plugin.client.base import OutcomeReport, Routed, SpawnLogEntry
from smart_spawn_plugin.engine.catalog.service import CatalogService
from smart_spawn_plugin.engine.select.queries import recommend
from smart_spawn_plugin.engine.select.requests import PickRequest, RecommendResult
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.feedback.adjuster import FeedbackAdjuster
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import bare_model_id
from smart_spawn_plugin.services import Services
from smart_spawn_plugin.store.community import CommunityStore
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord

logger = get_logger(__name__)

#: Ratings of this source come from an outcome, not from a person.
IMPLICIT: Final = "implicit"


class LocalRecommender:
    """``Recommender`` over the in-process engine and the local SQLite store.

    ``pick`` raises ``NoModel``/``InvalidInput`` like the engine; decisions have source
    ``local``. ``log_spawn`` appends to the spawn log with the entry's real usage;
    ``record_outcome`` stores a rating (``implicit`` ones as source ``implicit``, weighed less).
    Neither can be "down", so nothing needs queueing.
    """

    name = "local"

    def __init__(
        self,
        catalog: CatalogService,
        ratings: RatingsStore,
        spawns: SpawnLogStore,
        community: CommunityStore | None = None,
    ) -> None:
        self.catalog = catalog
        self.ratings = ratings
        self.spawns = spawns
        self.community = community

    @classmethod
    def from_services(cls, services: Services) -> LocalRecommender:
        """A local recommender over an opened :class:`Services` (its catalog and database)."""
        db = services.db
        return cls(services.catalog, RatingsStore(db), SpawnLogStore(db), CommunityStore(db))

    def selector(self, request: PickRequest) -> Selector:
        """A selector blending the request's user's feedback (plain when there is none)."""
        adjuster = FeedbackAdjuster.for_user(
            self.ratings, self.community, request.user_key, list(request.context)
        )
        return self.catalog.selector(adjuster)

    async def pick(self, request: PickRequest) -> Routed:
        decision = self.selector(request).pick(request)
        return Routed(decision=decision, source="local")

    async def recommend(self, request: PickRequest, count: int) -> RecommendResult:
        return recommend(self.selector(request), request, count)

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None:
        priced = self.catalog.selector().by_id.get(bare_model_id(entry.model))
        self.spawns.log(
            SpawnRecord(
                user_key=user_key,
                model=entry.model,
                category=entry.category,
                budget=entry.budget,
                mode=entry.mode,
                role=entry.role,
                source=entry.source,
                context=entry.context,
                prompt_price=priced.pricing.prompt if priced else 0.0,
                completion_price=priced.pricing.completion if priced else 0.0,
                prompt_tokens=entry.prompt_tokens,
                completion_tokens=entry.completion_tokens,
                cost_usd=entry.cost_usd,
                duration_ms=entry.duration_ms,
                status=entry.status,
                run_id=entry.run_id,
            )
        )
        logger.debug("spawn_logged", model=entry.model, role=entry.role, status=entry.status)

    async def record_outcome(self, report: OutcomeReport, *, user_key: str = "local") -> None:
        self.ratings.record(
            user_key=user_key,
            model=report.model,
            category=report.category,
            rating=report.rating,
            context=report.context,
            source=IMPLICIT if report.implicit else "explicit",
        )
        logger.info(
            "rating_recorded", model=report.model, rating=report.rating, implicit=report.implicit
        )

    async def aclose(self) -> None:
        """Nothing to close: the store belongs to whoever opened the services."""
