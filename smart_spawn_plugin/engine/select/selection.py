"""Selection: pick, recommend, compare and list models from the scored catalog.

Ranking of a candidate for a request:

1. the *benchmark score* — the category score, or a weighted mix when ``categoryWeights`` is
   given;
2. blended with the user's own ratings through a :class:`ScoreAdjuster` (feedback layer);
3. plus the context-tag boost (0–15);
4. ordered by the request's strategy (``balanced`` adds a small price preference,
   ``best_cost_efficiency`` ranks score per dollar above a viability floor, …).

Candidates are filtered by budget (blended price), ``exclude``, required capabilities,
``min_context`` and — for vision — image input. Variants of one base model are collapsed to
the best-ranked one so runner-ups are real alternatives. How a request becomes a category,
budget and strategy (classification, ``auto`` budgets, prefixes, memory) is
:mod:`.resolution`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Final, Protocol

from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES, wider_budgets
from smart_spawn_plugin.engine.select.context_boost import context_boost, normalize_tags
from smart_spawn_plugin.engine.select.decide import decide
from smart_spawn_plugin.engine.select.explain import evidence_phrase
from smart_spawn_plugin.engine.select.memory import RoutingMemory
from smart_spawn_plugin.engine.select.presorted import (
    MAX_LISTS,
    NO_FILTERS,
    BaseKey,
    Filters,
    Prefix,
    Presorted,
    PresortedRow,
)
from smart_spawn_plugin.engine.select.ranked import Ranked
from smart_spawn_plugin.engine.select.requests import Decision, PickRequest
from smart_spawn_plugin.engine.select.resolution import LANGUAGE_TAGS, Resolved, resolve_request
from smart_spawn_plugin.engine.select.strategies import (
    ASSUME_LONG,
    PRESORTABLE,
    STRATEGY_KEYS,
    Facts,
    Keyed,
    Row,
)
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.models import (
    CATEGORIES,
    Budget,
    Catalog,
    Category,
    ModelRecord,
    bare_model_id,
)

#: Long-context fact tables kept per selector (one per prompt size seen).
MAX_LONG_TABLES: Final = 512


class ScoreAdjuster(Protocol):
    """Blends a user's own ratings into a benchmark score (implemented by ``feedback``)."""

    def adjust(
        self, user_key: str, model_id: str, category: Category, benchmark: float
    ) -> tuple[float, float | None]:
        """Return (blended score 0–100, personal score 0–1 or None when the user has none)."""
        ...


class Selector:
    """Stateless selection over one catalog snapshot. Cheap to build; build one per catalog."""

    def __init__(
        self,
        catalog: Catalog,
        adjuster: ScoreAdjuster | None = None,
        memory: RoutingMemory | None = None,
    ) -> None:
        self.catalog = catalog
        self.adjuster = adjuster
        self.memory = memory
        self.by_id = {m.id: m for m in catalog.models}
        self._facts = [Facts.of(m, self.by_id) for m in catalog.models]
        self._by_id = {f.model.id: f for f in self._facts}
        self._presorted = Presorted(self._presort)
        #: the scored candidates of each presorted base key (shared by its budget tiers)
        self._scored: dict[BaseKey, list[Row]] = {}
        #: fact tables with long-context prices, by prompt size (ASSUME_LONG: size unknown)
        self._long_tables: dict[int, tuple[list[Facts], dict[str, Facts]]] = {}
        #: the evidence part of reason lines, per (model, category): provenance is fixed
        self._phrases: dict[tuple[str, Category], str] = {}

    def _table(self, res: Resolved) -> tuple[list[Facts], dict[str, Facts]]:
        """The per-model facts with the prices that apply to the request."""
        tokens = res.prompt_tokens
        if tokens is None:
            return self._facts, self._by_id
        table = self._long_tables.get(tokens)
        if table is None:
            if len(self._long_tables) >= MAX_LONG_TABLES:
                self._long_tables.clear()
            facts = [Facts.of(m, self.by_id, tokens) for m in self.catalog.models]
            table = self._long_tables[tokens] = (facts, {f.model.id: f for f in facts})
        return table

    def with_memory(self, memory: RoutingMemory | None) -> Selector:
        """This selector (same catalog, adjuster and presorted rankings) with ``memory``."""
        clone = copy.copy(self)
        clone.memory = memory
        return clone

    def resolve(self, request: PickRequest) -> Resolved:
        """Category, budget and strategy of the request (see :func:`.resolution.resolve_request`),
        with this selector's memory."""
        return resolve_request(request, self.memory)

    def candidates(
        self, res: Resolved, budget: Budget | None = None, *, any_price: bool = False
    ) -> list[ModelRecord]:
        """Models passing the request's hard filters: budget (every price when
        ``any_price``), exclude, max price, required capabilities, min context, image input
        for vision; never non-interactive variants."""
        req = res.request
        excluded = {bare_model_id(e) for e in req.exclude}
        rng = BUDGET_RANGES[budget or res.budget]
        lo, hi = (-math.inf, math.inf) if any_price else (rng.min, rng.max)
        if req.max_price is not None:
            hi = min(hi, req.max_price)
        require = set(req.require)
        if res.category == "vision":
            require.add("vision")
        min_ctx = req.min_context
        facts, _ = self._table(res)
        return [
            f.model
            for f in facts
            if f.interactive
            and lo <= f.blended <= hi
            and f.model.context_length >= min_ctx
            and require <= f.caps
            and f.model.id not in excluded
            and f.family not in excluded
        ]

    def _benchmark(self, model: ModelRecord, res: Resolved) -> float:
        weights = res.request.category_weights
        scores = model.scores
        effort = res.request.effort
        if effort is not None and effort in model.effort_scores:
            scores = model.effort_scores[effort]
        if weights:
            total = sum(w for w in weights.values() if w > 0)
            if total > 0:
                general = scores.get("general", 0.0)
                mixed = sum(scores.get(c, general) * w for c, w in weights.items() if w > 0)
                return mixed / total
        found = scores.get(res.category)
        return found if found is not None else scores.get("general", 0.0)

    def rank(
        self, models: Sequence[ModelRecord], res: Resolved, limit: int | None = None
    ) -> list[Ranked]:
        """Candidates ranked best first, variants collapsed to their best-ranked member;
        at most ``limit`` entries (all when None)."""
        tags = normalize_tags(res.request.context)
        params = self.catalog.norm_params
        adjuster, user, category = self.adjuster, res.request.user_key, res.category
        _, by_id = self._table(res)
        rows: list[Row] = []
        for m in models:
            f = by_id[m.id]
            bench = self._benchmark(m, res)
            personal: float | None = None
            score = bench
            if adjuster is not None:
                score, personal = adjuster.adjust(user, f.family, category, bench)
            boost = context_boost(m, tags, params) if tags else 0.0
            rows.append((score + boost, f, bench, personal, boost))
        keyed = self._keys(rows, res)
        keyed.sort(key=lambda k: (-k[0], -k[1][0], k[1][1].blended, k[1][1].model.id))
        seen: set[str] = set()
        out: list[Ranked] = []
        for key, (total, f, bench, personal, boost) in keyed:
            if f.family in seen:
                continue
            seen.add(f.family)
            out.append(Ranked(f.model, bench, personal, boost, round(total, 2), key))
            if limit is not None and len(out) >= limit:
                break
        return out

    def _keys(self, rows: list[Row], res: Resolved) -> list[Keyed]:
        """The strategy's ranking key per row (rows a strategy rules out are dropped)."""
        return STRATEGY_KEYS[res.strategy](rows, res.request, res.budget)

    def pick(
        self, request: PickRequest, on_ranked: Callable[[int], None] | None = None
    ) -> Decision:
        """The best model for the request, explained; raises NoModel naming the budget."""
        res = self.resolve(request)
        limit = 1 + max(3, res.request.fallbacks)
        liked = res.memory.model if res.memory and (res.memory.rating or 0) >= 4 else None
        prefix = None if liked else self._fast_prefix(res, limit)
        if prefix is not None:
            ranked, count = prefix.ranked, prefix.count
        else:
            cands = self.candidates(res)
            ranked, count = self.rank(cands, res), len(cands)
            if liked:  # a remembered good rating on a very similar query: that model first
                ranked.sort(key=lambda r: r.model.id != liked and r.model.id.split(":")[0] != liked)
            ranked = ranked[:limit]
        if on_ranked is not None:
            on_ranked(len(ranked))
        if not ranked:
            raise self._no_model(res)
        top = ranked[0]
        return decide(
            ranked,
            res,
            count,
            self._table(res)[1],
            self._phrase(top.model, res.category),
            self.catalog.norm_params,
            prefix,
        )

    def _fast_prefix(self, res: Resolved, limit: int) -> Prefix | None:
        """The common request — no personal feedback or category weights, a score-led
        strategy — answered from the presorted lists (see :mod:`.presorted`): a model's key
        depends on nothing else, so only the residual filters run, once per filter set.
        Same result as :meth:`rank` over :meth:`candidates`; None when the request needs the
        general path."""
        req = res.request
        if self.adjuster is not None or req.category_weights or res.strategy not in PRESORTABLE:
            return None
        key: BaseKey = (
            res.category,
            res.strategy,
            tuple(normalize_tags(req.context)) if req.context else (),
            req.effort,
            res.prompt_tokens,
        )
        filters: Filters = NO_FILTERS
        if req.require or req.exclude or req.min_context or req.max_price is not None:
            excluded = frozenset(bare_model_id(e) for e in req.exclude)
            filters = (frozenset(req.require), excluded, req.min_context, req.max_price)
        return self._presorted.prefix(key, res.budget, filters, limit, req.fallbacks)

    def _presort(self, key: BaseKey, budget: Budget) -> list[PresortedRow]:
        """Every candidate of the base key (no price range, no other filter) sorted by the
        strategy's key at ``budget`` (the balanced strategy's price weight is the tier's)."""
        category, strategy, tags, effort, tokens = key
        plain = Resolved(category, budget, strategy, PickRequest(effort=effort), None, tokens)
        scored = self._scored.get(key)
        if scored is None:  # scored once per base key; only the keys differ by tier
            if len(self._scored) >= MAX_LISTS:
                self._scored.clear()
            params = self.catalog.norm_params
            _, by_id = self._table(plain)
            scored = self._scored[key] = []
            for m in self.candidates(plain, any_price=True):
                bench = self._benchmark(m, plain)
                boost = context_boost(m, tags, params) if tags else 0.0
                scored.append((bench + boost, by_id[m.id], bench, None, boost))
        rows = [(k, r[0], r[2], r[4], r[1]) for k, r in self._keys(scored, plain)]
        rows.sort(key=lambda r: (-r[0], -r[1], r[4].blended, r[4].model.id))
        return rows

    @property
    def warmed(self) -> bool:
        """Whether :meth:`warm` ran for this catalog (shared by :meth:`with_memory` clones)."""
        return self._presorted.warmed

    def warm(self) -> Selector:
        """Build the presorted lists of the common requests now — every category, the
        default strategy, the four budgets, no tags or the task-language tag, ordinary and
        long-context prices — so no early pick pays for a first-touch sort (~0.5 ms each).
        About 20 ms: for a long-lived process (the server warms after its first pick), not
        for a one-shot CLI pick, which builds just the list it needs. Idempotent; returns
        self."""
        if self._presorted.warmed:
            return self
        keys: list[BaseKey] = [
            (category, "balanced", tags, None, tokens)
            for category in CATEGORIES
            for tags in ((), *((t,) for t in LANGUAGE_TAGS.values()))
            for tokens in (None, ASSUME_LONG)
        ]
        budgets: tuple[Budget, ...] = ("low", "medium", "high", "any")
        self._presorted.warm(keys, budgets)
        self._presorted.warmed = True
        for key in keys:  # the reason lines of the likely picks and runner-ups
            for budget in budgets:
                for ranked in self._presorted.prefix(key, budget, NO_FILTERS, 4, 2).ranked:
                    self._phrase(ranked.model, key[0])
        return self

    def _phrase(self, model: ModelRecord, category: Category) -> str:
        key = (model.id, category)
        found = self._phrases.get(key)
        if found is None:
            found = self._phrases[key] = evidence_phrase(model, category)
        return found

    def _no_model(self, res: Resolved) -> NoModel:
        label = res.request.task or res.category
        for wider in wider_budgets(res.budget):
            if self.rank(self.candidates(res, wider), res, limit=1):
                return NoModel(
                    f"No model found for task={label} budget={res.budget}; budget={wider} has one",
                    budget=res.budget,
                    next_budget=wider,
                )
        return NoModel(
            f"No model found for task={label} budget={res.budget} "
            "(no wider budget has one either; relax require/minContext/exclude)",
            budget=res.budget,
        )
