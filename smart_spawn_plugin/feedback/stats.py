"""Spawn statistics (``/spawn-log/stats``) and per-model feedback scores (``/spawn-log/scores``).

Unlike the original, which assumed 2,000 + 2,000 tokens per spawn, costs come from what was
recorded:

* a spawn's cost is its recorded ``cost_usd``; failing that, its recorded tokens × the prices
  recorded at spawn time; failing that (usage never reported) it is unknown and adds nothing;
* the flagship baseline (``opusCostEstimate``) prices the *same recorded tokens* at
  :data:`FLAGSHIP_PROMPT_PRICE` / :data:`FLAGSHIP_COMPLETION_PRICE`; ``savings`` is that baseline
  minus the actual cost of the spawns whose tokens are known (so both sides cover the same rows);
* a spawn counts unless it was ``skipped``, or it is a cascade premium step that was only planned
  (``status='planned'``, not escalated) — the original counted those, making escalation 100 %.

Cascades (``mode='cascade'``): rows sharing a ``run_id`` form one cascade (without a run id, each
``cascade_cheap`` row is its own). A cascade with a cheap row counts toward ``total``; it escalated
when any of its rows has ``escalated=True`` or its ``cascade_premium`` row actually ran. Its
savings are the cheap step's tokens priced at the premium step's recorded prices (the flagship
prices if there is no premium row) minus everything the cascade actually cost — negative when it
escalated. Everything is per ``user_key``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Final

from smart_spawn_plugin.feedback.scores import DEFAULT_PARAMS, ScoreParams, personal_scores
from smart_spawn_plugin.models import Category, Wire
from smart_spawn_plugin.store.db import as_utc, utc_now
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import RAN, SpawnLogStore, SpawnRow

#: Current flagship list price (Claude Opus 4.5, USD per million tokens, as of late 2025). The
#: original used the retired Opus 4 price ($15/$75). Update both together when the flagship changes.
FLAGSHIP_PROMPT_PRICE: Final = 5.0
FLAGSHIP_COMPLETION_PRICE: Final = 25.0
MIN_DAYS: Final = 1
MAX_DAYS: Final = 365
TOP_MODELS: Final = 10
_PER_TOKEN: Final = 1e-6


class DailyStat(Wire):
    date: str
    spawns: int
    estimated_cost: float


class CascadeStats(Wire):
    total: int = 0
    cheap_only: int = 0
    with_premium: int = 0
    escalation_rate: float = 0.0
    avg_savings_per_cascade: float = 0.0


class TopModel(Wire):
    model: str
    count: int
    avg_cost: float


class SpawnStats(Wire):
    """The ``/spawn-log/stats`` body (camelCase on the wire), plus ``measuredSpawns``: how many
    spawns had recorded usage, so a reader can tell how much of the cost is measured."""

    total_spawns: int
    by_model: dict[str, int]
    by_category: dict[str, int]
    by_mode: dict[str, int]
    total_estimated_cost: float
    opus_cost_estimate: float
    savings: float
    since: datetime
    daily: list[DailyStat]
    cascade: CascadeStats
    category_avg_cost: dict[str, float]
    top_models: list[TopModel]
    measured_spawns: int


class ModelScore(Wire):
    """One ``/spawn-log/scores`` row: ``successRate`` is the smoothed personal score / 100."""

    model: str
    category: Category
    success_rate: float
    total: int


def _price(tokens_in: int | None, tokens_out: int | None, p_in: float, p_out: float) -> float:
    return ((tokens_in or 0) * p_in + (tokens_out or 0) * p_out) * _PER_TOKEN


def _has_tokens(row: SpawnRow) -> bool:
    return row.prompt_tokens is not None or row.completion_tokens is not None


def spawn_cost(row: SpawnRow) -> float | None:
    """The spawn's recorded cost, else recorded tokens × recorded prices, else ``None``."""
    if row.cost_usd is not None:
        return row.cost_usd
    if _has_tokens(row):
        return _price(
            row.prompt_tokens, row.completion_tokens, row.prompt_price, row.completion_price
        )
    return None


def flagship_cost(row: SpawnRow) -> float | None:
    """What the spawn's recorded tokens would have cost at the flagship price, or ``None``."""
    if not _has_tokens(row):
        return None
    return _price(
        row.prompt_tokens, row.completion_tokens, FLAGSHIP_PROMPT_PRICE, FLAGSHIP_COMPLETION_PRICE
    )


def counts_as_spawn(row: SpawnRow) -> bool:
    """Whether the row is a spawn that ran or may have run (see the module docstring)."""
    if row.status == "skipped":
        return False
    return not (row.role == "cascade_premium" and row.status == "planned" and not row.escalated)


def _cascades(rows: list[SpawnRow]) -> CascadeStats:
    groups: dict[str, list[SpawnRow]] = defaultdict(list)
    for row in rows:
        if row.mode != "cascade" or row.role not in {"cascade_cheap", "cascade_premium"}:
            continue
        groups[row.run_id or f"{row.role}:{row.id}"].append(row)
    total = escalated = 0
    savings: list[float] = []
    for group in groups.values():
        cheap = [r for r in group if r.role == "cascade_cheap" and r.status != "skipped"]
        if not cheap:
            continue  # a premium row we cannot tie to a cascade
        premium = [r for r in group if r.role == "cascade_premium"]
        total += 1
        if any(r.escalated for r in group) or any(r.status in RAN for r in premium):
            escalated += 1
        if not all(_has_tokens(r) for r in cheap):
            continue
        p_in, p_out = (
            (premium[0].prompt_price, premium[0].completion_price)
            if premium
            else (FLAGSHIP_PROMPT_PRICE, FLAGSHIP_COMPLETION_PRICE)
        )
        reference = sum(_price(r.prompt_tokens, r.completion_tokens, p_in, p_out) for r in cheap)
        spent = sum(spawn_cost(r) or 0.0 for r in group if counts_as_spawn(r))
        savings.append(reference - spent)
    return CascadeStats(
        total=total,
        cheap_only=total - escalated,
        with_premium=escalated,
        escalation_rate=round(escalated / total, 4) if total else 0.0,
        avg_savings_per_cascade=round(sum(savings) / len(savings), 6) if savings else 0.0,
    )


def spawn_stats(
    store: SpawnLogStore, user_key: str = "local", days: int = 7, now: datetime | None = None
) -> SpawnStats:
    """``user_key``'s spawn statistics over the last ``days`` days (clamped to 1-365)."""
    days = min(MAX_DAYS, max(MIN_DAYS, days))
    since = as_utc(now or utc_now()) - timedelta(days=days)
    all_rows = store.rows(user_key, since=since)
    rows = [r for r in all_rows if counts_as_spawn(r)]
    costs = {r.id: spawn_cost(r) for r in rows}
    known = [(r, c) for r in rows if (c := costs[r.id]) is not None]

    flagship = actual_of_tokened = 0.0
    for row in rows:
        base = flagship_cost(row)
        if base is not None:
            flagship += base
            actual_of_tokened += costs[row.id] or 0.0

    daily_count: Counter[str] = Counter()
    daily_cost: defaultdict[str, float] = defaultdict(float)
    for row in rows:
        day = as_utc(row.created_at).date().isoformat()
        daily_count[day] += 1
        daily_cost[day] += costs[row.id] or 0.0

    by_cat_cost: dict[str, list[float]] = defaultdict(list)
    by_model_cost: dict[str, list[float]] = defaultdict(list)
    for row, cost in known:
        by_cat_cost[row.category].append(cost)
        by_model_cost[row.model].append(cost)
    model_counts = Counter(r.model for r in rows)
    top = sorted(model_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_MODELS]

    return SpawnStats(
        total_spawns=len(rows),
        by_model=dict(model_counts),
        by_category=dict(Counter(r.category for r in rows)),
        by_mode=dict(Counter(r.mode for r in rows)),
        total_estimated_cost=round(sum(c for _, c in known), 6),
        opus_cost_estimate=round(flagship, 6),
        savings=round(flagship - actual_of_tokened, 6),
        since=since,
        daily=[
            DailyStat(date=day, spawns=n, estimated_cost=round(daily_cost[day], 6))
            for day, n in sorted(daily_count.items())
        ],
        cascade=_cascades(all_rows),
        category_avg_cost={
            cat: round(sum(cs) / len(cs), 6) for cat, cs in sorted(by_cat_cost.items())
        },
        top_models=[
            TopModel(
                model=model,
                count=count,
                avg_cost=round(_mean(by_model_cost.get(model, [])), 6),
            )
            for model, count in top
        ],
        measured_spawns=len(known),
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def spawn_scores(
    store: RatingsStore,
    user_key: str = "local",
    category: Category | None = None,
    min_samples: int = 3,
    now: datetime | None = None,
    *,
    params: ScoreParams = DEFAULT_PARAMS,
) -> list[ModelScore]:
    """``/spawn-log/scores``: ``user_key``'s (model, category) pairs with ≥ ``min_samples`` ratings,
    best first. ``successRate`` is the smoothed, decayed score on 0-1."""
    scores = personal_scores(store, user_key, category, now, params=params)
    rows = [
        ModelScore(
            model=s.model,
            category=s.category,
            success_rate=round(s.score / 100.0, 4),
            total=s.n_ratings,
        )
        for s in scores.values()
        if s.n_ratings >= max(1, min_samples)
    ]
    return sorted(rows, key=lambda r: (-r.success_rate, r.model, r.category))
