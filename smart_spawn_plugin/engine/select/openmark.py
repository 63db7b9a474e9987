"""Routing on the user's own OpenMark AI benchmarks, as the OpenMark router seed does it.

An imported export is one *task*; its figures sit on the matched catalog records as
``openmark:<task>`` (score, %) and ``openmark:<task>:cost|time|stability|variance|completion``
(see ``engine/catalog/sources/openmark``). :func:`rank_task` ranks the task's rows:

1. **filter** — a row whose completion is below ``min_completion`` (default 80 %) or whose
   stability variance is above ``max_variance`` (default 10.0) is out, with the reason; a row
   without the figure is kept (exports may omit the column);
2. **rank** by strategy, using the export's own cost per call (USD) and time per call (s):
   ``best_score`` and ``best_under_budget`` — the score (``max_cost`` caps the cost per call);
   ``balanced`` — the score minus 1.5·log2(1 + 1000·cost per call) ($0.001 a call costs 1.5
   points, $0.01 about 5.2; an unmeasured cost counts as the dearest measured one);
   ``best_cost_efficiency`` — score per dollar per call;
   ``best_under_latency`` — the score among rows within ``max_time`` seconds a call;
3. **tie-break**, deterministic: higher key, then higher score, lower cost, lower time, and
   the model id.

:func:`freshness_warning` says when the export is older than ``freshnessWarningDays``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from smart_spawn_plugin.engine.catalog.benchmarks import OPENMARK_PREFIX
from smart_spawn_plugin.models import ModelRecord, Strategy

DEFAULT_MIN_COMPLETION: Final = 80.0
DEFAULT_MAX_VARIANCE: Final = 10.0
DEFAULT_FRESHNESS_DAYS: Final = 30
DEFAULT_MAX_TIME_S: Final = 10.0
#: balanced = score − w·log2(1 + 1000·cost per call)
BALANCED_COST_WEIGHT: Final = 1.5
#: cost per call floor for score-per-dollar (a free local run does not divide by zero)
MIN_COST: Final = 1e-5
_INF: Final = math.inf


@dataclass(frozen=True)
class TaskRow:
    """One model's figures on one OpenMark task."""

    model: str
    score: float
    cost: float | None = None
    time: float | None = None
    variance: float | None = None
    completion: float | None = None

    def describe(self) -> str:
        parts = [f"{self.score:g} %"]
        if self.cost is not None:
            parts.append(f"${self.cost:g}/call")
        if self.time is not None:
            parts.append(f"{self.time:g} s/call")
        return ", ".join(parts)


def tasks(models: Iterable[ModelRecord]) -> list[str]:
    """Every OpenMark task with figures in the catalog, sorted."""
    found = {
        key.removeprefix(OPENMARK_PREFIX)
        for model in models
        for key in model.benchmarks
        if key.startswith(OPENMARK_PREFIX) and ":" not in key.removeprefix(OPENMARK_PREFIX)
    }
    return sorted(found)


def task_rows(models: Iterable[ModelRecord], task: str) -> list[TaskRow]:
    """The rows of ``task``: every catalog model with a score on it."""
    key = f"{OPENMARK_PREFIX}{task}"
    rows = []
    for model in models:
        figures = model.benchmarks
        if key not in figures:
            continue
        rows.append(
            TaskRow(
                model=model.id,
                score=figures[key],
                cost=figures.get(f"{key}:cost"),
                time=figures.get(f"{key}:time"),
                variance=figures.get(f"{key}:variance"),
                completion=figures.get(f"{key}:completion"),
            )
        )
    return rows


def eligible(
    rows: Iterable[TaskRow],
    *,
    min_completion: float = DEFAULT_MIN_COMPLETION,
    max_variance: float = DEFAULT_MAX_VARIANCE,
) -> tuple[list[TaskRow], dict[str, str]]:
    """The rows that pass the filters, and why each other one did not."""
    kept: list[TaskRow] = []
    dropped: dict[str, str] = {}
    for row in rows:
        if row.completion is not None and row.completion < min_completion:
            dropped[row.model] = f"completion {row.completion:g} % < {min_completion:g} %"
        elif row.variance is not None and row.variance > max_variance:
            dropped[row.model] = f"stability variance {row.variance:g} > {max_variance:g}"
        else:
            kept.append(row)
    return kept, dropped


def _key(row: TaskRow, strategy: Strategy, unknown_cost: float) -> float:
    if strategy == "balanced":
        cost = row.cost if row.cost is not None else unknown_cost
        return row.score - BALANCED_COST_WEIGHT * math.log2(1.0 + 1000.0 * cost)
    if strategy == "best_cost_efficiency":
        return row.score / max(row.cost if row.cost is not None else _INF, MIN_COST)
    return row.score


def rank_task(
    rows: Iterable[TaskRow],
    strategy: Strategy = "balanced",
    *,
    max_cost: float | None = None,
    max_time: float | None = None,
) -> list[TaskRow]:
    """``rows`` best first by ``strategy`` (module docstring), ties broken deterministically.
    Cost-led strategies skip rows without a cost; latency skips rows without a time."""
    pool = list(rows)
    if strategy == "best_cost_efficiency":
        pool = [r for r in pool if r.cost is not None]
    if strategy == "best_under_budget" and max_cost is not None:
        pool = [r for r in pool if r.cost is not None and r.cost <= max_cost]
    if strategy == "best_under_latency":
        limit = max_time if max_time is not None else DEFAULT_MAX_TIME_S
        pool = [r for r in pool if r.time is not None and r.time <= limit]
    # balanced: a row without a cost is priced as the dearest measured one (never a free win)
    unknown = max((r.cost for r in pool if r.cost is not None), default=0.0)
    return sorted(
        pool,
        key=lambda r: (
            -_key(r, strategy, unknown),
            -r.score,
            r.cost if r.cost is not None else _INF,
            r.time if r.time is not None else _INF,
            r.model,
        ),
    )


def freshness_warning(
    task: str, exported: datetime, now: datetime, days: int = DEFAULT_FRESHNESS_DAYS
) -> str | None:
    """A warning when ``task``'s export is more than ``days`` old, else None."""
    age = (now - exported).days
    if age <= days:
        return None
    return f"OpenMark data for {task} is {age} days old (> {days}): re-run the benchmark"
