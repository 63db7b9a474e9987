"""The local recommender: the in-process engine over the local store. The default; no network.

It is the one implementation of every routing and feedback use case; every adapter reaches it
through :class:`~smart_spawn_plugin.runtime.Runtime` (the remote recommender falls back to it):

- **pick / recommend**: :class:`~smart_spawn_plugin.engine.select.selection.Selector` over the
  current catalog, blended with the user's own ratings (and context-tag ratings, and the
  community aggregate held in the local store) through
  :class:`~smart_spawn_plugin.feedback.adjuster.FeedbackAdjuster`; the scores are memoised by
  :class:`~smart_spawn_plugin.feedback.adjuster.FeedbackScores` until the next rating;
- **compare**: the catalog's side-by-side view;
- **price of a model**: :meth:`LocalRecommender.price_of`, the one catalog price lookup;
- **log a spawn**: :meth:`LocalRecommender.record_spawn` (prices from the catalog);
- **rate**: :meth:`LocalRecommender.record_rating` and
  :meth:`LocalRecommender.record_community` — both invalidate the memoised scores and notify
  the listeners registered with :meth:`LocalRecommender.on_change` (the server's response
  cache).

The ``*_now`` and ``record_*`` methods are synchronous (for sync edges such as ``llm``); the
async ``Recommender`` methods wrap them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from smart_spawn_plugin.client.base import OutcomeReport, Routed, SpawnLogEntry
from smart_spawn_plugin.engine.catalog.service import CatalogService
from smart_spawn_plugin.engine.classify.classifier import strip_prefixes
from smart_spawn_plugin.engine.select.queries import Comparison, compare, recommend
from smart_spawn_plugin.engine.select.requests import Decision, PickRequest, RecommendResult
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.feedback.adjuster import FeedbackScores
from smart_spawn_plugin.feedback.memory import PersonalMemory
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import Category, bare_model_id
from smart_spawn_plugin.store.community import CommunityStore
from smart_spawn_plugin.store.db import Database, data_version
from smart_spawn_plugin.store.memory import MemoryStore
from smart_spawn_plugin.store.ratings import RatingRow, RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord, SpawnRow

logger = get_logger(__name__)

#: Ratings of this source come from an outcome, not from a person.
IMPLICIT: Final = "implicit"
#: A normalised model id: ``vendor/name`` with an optional ``:variant`` (``:free``, ``:batch``).
_MODEL_ID: Final = re.compile(r"[a-z0-9][a-z0-9._~-]*/[a-z0-9][a-z0-9._~:-]*")
#: (user, tags) selectors memoised at once (the memo is cleared when full).
MEMO_SELECTORS: Final = 1024


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
        community: CommunityStore,
        *,
        version: Callable[[], int] | None = None,
        memory: PersonalMemory | None = None,
    ) -> None:
        self.catalog = catalog
        self.ratings = ratings
        self.spawns = spawns
        self.community = community
        self.scores = FeedbackScores(ratings, community, version=version)
        self.memory = memory
        #: blended selectors per (user, tags): (catalog, scores generation, selector)
        self._selectors: dict[tuple[str, tuple[str, ...]], tuple[object, int, Selector]] = {}
        self._listeners: list[Callable[[], None]] = []

    @classmethod
    def over(cls, catalog: CatalogService, db: Database) -> LocalRecommender:
        """A local recommender over ``catalog`` and the stores of the database ``db`` (its
        memoised scores follow writes by other processes too)."""
        return cls(
            catalog,
            RatingsStore(db),
            SpawnLogStore(db),
            CommunityStore(db),
            version=lambda: data_version(db),
            memory=PersonalMemory(MemoryStore(db)),
        )

    # ---- routing ----

    def selector(self, request: PickRequest) -> Selector:
        """A selector blending the request's user's feedback (plain when there is none)."""
        return self.selector_for(request.user_key, list(request.context))

    def selector_for(self, user_key: str, tags: list[str] | None = None) -> Selector:
        """A selector blending ``user_key``'s feedback (and their ``tags`` ratings), for
        picking many steps of one plan with one read of the scores.

        Memoised per (user, tags) — building one costs a read of the context ratings and the
        per-model fact table, which dominated a busy server's CPU — until the catalog object
        changes or the scores are invalidated (a rating or community report through this
        process, a refresh, or a write by another process seen through ``version``)."""
        generation = self.scores.sync()
        catalog = self.catalog.current()
        key = (user_key, tuple(sorted(set(tags or []))))
        hit = self._selectors.get(key)
        if hit is not None and hit[0] is catalog and hit[1] == generation:
            return hit[2]
        adjuster = self.scores.adjuster(user_key, list(key[1]))
        selector = self.catalog.selector(adjuster).with_memory(self.memory)
        if len(self._selectors) >= MEMO_SELECTORS:
            self._selectors.clear()
        self._selectors[key] = (catalog, generation, selector)
        return selector

    def pick_now(self, request: PickRequest) -> Decision:
        """The decision for ``request`` (synchronous; ``NoModel`` when nothing qualifies)."""
        return self.selector(request).pick(request)

    def recommend_now(self, request: PickRequest, count: int) -> RecommendResult:
        """Up to ``count`` diverse models for ``request``, best first (synchronous)."""
        return recommend(self.selector(request), request, count)

    def compare(self, model_ids: list[str]) -> Comparison:
        """2–5 models side by side; unknown ids are listed in ``missing``."""
        return compare(self.catalog.current(), model_ids)

    def price_of(self, model: str) -> tuple[float, float] | None:
        """USD per 1M tokens (prompt, completion) of ``model`` in the catalog, or None."""
        record = self.catalog.selector().by_id.get(bare_model_id(model))
        return (record.pricing.prompt, record.pricing.completion) if record else None

    async def pick(self, request: PickRequest) -> Routed:
        return Routed(decision=self.pick_now(request), source="local")

    async def recommend(self, request: PickRequest, count: int) -> RecommendResult:
        return self.recommend_now(request, count)

    # ---- feedback ----

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever a rating or report changes rankings."""
        self._listeners.append(listener)

    def rankings_changed(self) -> None:
        """Drop the memoised scores and tell the listeners (also after a catalog refresh)."""
        self.scores.invalidate()
        for listener in self._listeners:
            listener()

    def record_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> SpawnRow:
        """Append ``entry`` to the spawn log, with the model's catalog prices (0 if unknown)."""
        price = self.price_of(entry.model) or (0.0, 0.0)
        row = self.spawns.log(
            SpawnRecord(
                user_key=user_key,
                prompt_price=price[0],
                completion_price=price[1],
                **entry.model_dump(),
            )
        )
        logger.debug("spawn_logged", model=entry.model, role=entry.role, status=entry.status)
        return row

    def checked(self, report: OutcomeReport) -> OutcomeReport:
        """``report`` with its model id normalised (trimmed, lower-case, no ``openrouter/``)
        and, for an explicit rating, known to the catalog. ``InvalidParam`` naming ``model``
        otherwise — a typo must not be stored as a rating of a model that does not exist.
        Implicit ratings (from outcomes of models that ran) are normalised only."""
        model = bare_model_id(report.model.strip()).lower()
        if not _MODEL_ID.fullmatch(model):
            raise InvalidParam(
                f"model: {report.model!r} is not a model id (expected vendor/name)", field="model"
            )
        if not report.implicit and model not in self.catalog.selector().by_id:
            raise InvalidParam(
                f"model: no model {model!r} in the catalog (`smart-spawn models` lists them)",
                field="model",
            )
        return report if model == report.model else report.model_copy(update={"model": model})

    def record_rating(
        self, report: OutcomeReport, *, user_key: str = "local", spawn_id: int | None = None
    ) -> RatingRow:
        """Store a 1–5 rating (``InvalidParam`` on a bad one or an unknown model, see
        :meth:`checked`), linked to the spawn it rates when ``spawn_id`` is given; the next
        pick reflects it."""
        report = self.checked(report)
        row = self.ratings.record(
            spawn_id=spawn_id,
            user_key=user_key,
            model=report.model,
            category=report.category,
            rating=report.rating,
            context=report.context,
            source=IMPLICIT if report.implicit else "explicit",
        )
        self.rankings_changed()
        if self.memory is not None and report.task and not report.implicit:
            query = strip_prefixes(report.task)[0]
            if query.strip():
                self.memory.remember_rating(user_key, query, report.model, report.rating)
        logger.info(
            "rating_recorded", model=report.model, rating=report.rating, implicit=report.implicit
        )
        return row

    def record_community(
        self, *, model: str, category: Category, rating: int, instance_id: str
    ) -> None:
        """Store an anonymous community report received from another installation."""
        self.community.report(model=model, category=category, rating=rating, instanceId=instance_id)
        self.rankings_changed()

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None:
        self.record_spawn(entry, user_key=user_key)

    async def record_outcome(self, report: OutcomeReport, *, user_key: str = "local") -> None:
        self.record_rating(report, user_key=user_key)

    async def aclose(self) -> None:
        """Nothing to close: the store belongs to the runtime that opened it."""
