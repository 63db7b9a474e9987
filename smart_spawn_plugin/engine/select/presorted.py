"""Presorted rankings: the common pick answered from lists sorted once per catalog.

For a score-led strategy (:data:`.strategies.PRESORTABLE`) a model's ranking key depends on
the model, the category, the strategy, the context tags, the effort, the prices in force and
(for ``balanced``, whose price weight is the tier's) the budget tier — not on the other
candidates. So:

1. a **base list** per (category, strategy, tags, effort, prompt size) and budget tier holds
   every interactive model (with image input for vision) sorted once by the selector's order;
2. a **budget list** is the base list filtered by the budget's price range — a filter keeps
   the order, so no second sort;
3. a **prefix** per budget list, residual hard filters (require, exclude, minimum context,
   maximum price) and fallback count is the first ``limit`` families and the number of
   candidates; it also keeps the parts of the decision that depend on nothing else (runner-ups,
   fallbacks, the model's part of the reason), built once on first use (see ``decide``).

Each memo is bounded (cleared when full: arbitrary tag sets or exclude lists must not grow
memory). Same result as ranking the filtered candidates from scratch; tests pin that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.engine.select.ranked import Ranked
from smart_spawn_plugin.engine.select.requests import RunnerUp
from smart_spawn_plugin.engine.select.strategies import Facts
from smart_spawn_plugin.models import Budget, Category, Effort, Strategy

#: Base lists, budget lists and prefixes kept per selector (each memo cleared when full).
MAX_LISTS: Final = 512
MAX_PREFIXES: Final = 4096
#: (key, total score, benchmark score, context boost, facts)
PresortedRow = tuple[float, float, float, float, Facts]
BaseKey = tuple[Category, Strategy, tuple[str, ...], Effort | None, int | None]
BudgetKey = tuple[BaseKey, Budget]
#: (require, excluded ids and families, min context, max price)
Filters = tuple[frozenset[str], frozenset[str], int, float | None]
NO_FILTERS: Final[Filters] = (frozenset(), frozenset(), 0, None)


@dataclass(slots=True)
class Explained:
    """The request-independent parts of a fast-path decision (see ``decide``)."""

    runner_ups: list[RunnerUp]
    fallbacks: list[str]
    reason: str
    margin: float | None
    effort: Effort | None
    long_price: bool


@dataclass(slots=True)
class Prefix:
    """The first ``limit`` families of a budget list passing a filter set, and how many
    candidates passed; ``explained`` is filled by the first decision built from it."""

    ranked: list[Ranked]
    count: int
    explained: Explained | None = field(default=None)


class Presorted:
    """The memos of one selector. ``build`` sorts a base list (the selector's job: it knows
    how to score); everything after that is filtering."""

    def __init__(self, build: Callable[[BaseKey, Budget], list[PresortedRow]]) -> None:
        self._build = build
        #: whether the selector built the common lists (see ``Selector.warm``)
        self.warmed = False
        self._base: dict[BudgetKey, list[PresortedRow]] = {}
        self._budget: dict[BudgetKey, list[PresortedRow]] = {}
        #: how many rows of a budget list have each capability set
        self._caps: dict[BudgetKey, Counter[frozenset[str]]] = {}
        self._prefixes: dict[tuple[BudgetKey, Filters, int, int], Prefix] = {}

    def base(self, key: BaseKey, budget: Budget) -> list[PresortedRow]:
        bkey = (key, budget)
        rows = self._base.get(bkey)
        if rows is None:
            if len(self._base) >= MAX_LISTS:
                self._base.clear()
            rows = self._base[bkey] = self._build(key, budget)
        return rows

    def budget_list(self, key: BaseKey, budget: Budget) -> list[PresortedRow]:
        bkey = (key, budget)
        rows = self._budget.get(bkey)
        if rows is None:
            if len(self._budget) >= MAX_LISTS:
                self._budget.clear()
                self._caps.clear()
            lo, hi = BUDGET_RANGES[budget]
            rows = [r for r in self.base(key, budget) if lo <= r[4].blended <= hi]
            self._budget[bkey] = rows
            self._caps.pop(bkey, None)
        return rows

    def prefix(
        self, key: BaseKey, budget: Budget, filters: Filters, limit: int, fallbacks: int
    ) -> Prefix:
        """The first ``limit`` families of the budget list that pass ``filters`` (memoised
        with the decision parts of ``fallbacks`` fallbacks)."""
        pkey = ((key, budget), filters, limit, fallbacks)
        found = self._prefixes.get(pkey)
        if found is not None:
            return found
        if len(self._prefixes) >= MAX_PREFIXES:
            self._prefixes.clear()
        rows = self.budget_list(key, budget)
        require, excluded, min_context, max_price = filters
        if excluded or min_context or max_price is not None:
            rows = [r for r in rows if _passes(r[4], filters)]
            count = len(rows)
        else:  # capabilities only: count by capability set, rank only as far as needed
            caps = self._caps.get((key, budget))
            if caps is None:
                caps = self._caps[(key, budget)] = Counter(r[4].caps for r in rows)
            count = sum(n for have, n in caps.items() if require <= have)
        out: list[Ranked] = []
        seen: set[str] = set()
        for rank_key, total, bench, boost, f in rows:
            if f.family in seen or not require <= f.caps:
                continue
            seen.add(f.family)
            out.append(Ranked(f.model, bench, None, boost, round(total, 2), rank_key))
            if len(out) >= limit:
                break
        found = self._prefixes[pkey] = Prefix(out, count)
        return found

    def warm(self, keys: Sequence[BaseKey], budgets: Sequence[Budget]) -> None:
        """Build the base and budget lists of ``keys`` now (at load, not on a first pick)."""
        for key in keys:
            for budget in budgets:
                self.budget_list(key, budget)


def _passes(f: Facts, filters: Filters) -> bool:
    require, excluded, min_context, max_price = filters
    return (
        require <= f.caps
        and f.model.context_length >= min_context
        and (max_price is None or f.blended <= max_price)
        and f.model.id not in excluded
        and f.family not in excluded
    )
