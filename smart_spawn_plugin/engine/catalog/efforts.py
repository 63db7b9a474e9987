"""Reasoning effort: which of a model's per-effort rows it is scored (and run) at.

Artificial Analysis publishes one row per reasoning effort (``GPT-5.6 Luna (medium)``, ``(max)``
…). Mixing them — the index of ``max`` with the speed of ``high`` — describes a model nobody can
run, so each model is scored at **one** effort (:data:`EFFORT_PREFERENCE`), with every figure,
speed and latency from that effort's rows; its other efforts are kept for callers who choose one.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow
from smart_spawn_plugin.models import EFFORTS, Effort, Speed

#: The effort a model is scored (and run) at when AA measured several: OpenRouter's default
#: ``medium`` first; ``None`` is a row that states no level (e.g. "(Reasoning)").
EFFORT_PREFERENCE: Final[tuple[str | None, ...]] = (
    "medium",
    "high",
    None,
    "xhigh",
    "max",
    "low",
    "minimal",
    "none",
)


class Measured(NamedTuple):
    """A model's figures at one effort."""

    values: dict[str, float]
    speed: Speed | None


class Merged(NamedTuple):
    """A model's figures from one source: at its scored effort, and at its other efforts."""

    default: Measured
    effort: str | None
    others: dict[str, Measured]


def _combine(rows: list[BenchmarkRow]) -> Measured:
    """Rows of one model at one effort (re-listings, deprecated copies): the best value per
    key; speed and latency from the fastest measured, non-deprecated first."""
    values: dict[str, float] = {}
    for row in rows:
        for key, value in row.values.items():
            if math.isfinite(value) and (key not in values or value > values[key]):
                values[key] = value
    timed = [r for r in rows if r.speed_tps]
    timed.sort(key=lambda r: (r.deprecated, -(r.speed_tps or 0.0)))
    speed = None
    if timed:
        speed = Speed(
            output_tokens_per_second=timed[0].speed_tps, time_to_first_token=timed[0].ttft_s
        )
    return Measured(values, speed)


def merge_rows(rows: list[BenchmarkRow]) -> Merged:
    """All rows matched to one model → its figures at one effort (see module docstring), never a
    mix: the index of one effort with the speed of another is not a model anyone can run."""
    by_effort: dict[str | None, list[BenchmarkRow]] = {}
    for row in rows:
        by_effort.setdefault(row.effort, []).append(row)
    if len(by_effort) == 1:
        effort = next(iter(by_effort))
        return Merged(_combine(rows), effort, {})
    chosen = next(e for e in (*EFFORT_PREFERENCE, *by_effort) if e in by_effort)
    others = {e: _combine(r) for e, r in by_effort.items() if e is not None and e != chosen}
    return Merged(_combine(by_effort[chosen]), chosen, others)


def as_effort(value: str) -> Effort | None:
    for effort in EFFORTS:
        if effort == value:
            return effort
    return None
