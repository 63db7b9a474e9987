"""Z-score normalisation of benchmark figures, anchored across publisher populations.

Each benchmark key is normalised over the *base* models of the catalog that have it (variants
such as ``:free`` share their base's figures and would otherwise count twice): mean and
population standard deviation, at least :data:`MIN_SAMPLES` values and a positive SD, mapped to
``50 + 20 z`` and clamped to 0–100.

Publishers measure different populations: the HF leaderboard holds older open models, AA and
LiveBench mostly recent frontier ones. A plain z-score would give the best HF model 90 "general"
as if it were frontier-class. So every key also gets an *offset*: the mean anchor score (AA
Intelligence Index, the broadest population) of the models that have the key, minus 50, when
at least :data:`MIN_SAMPLES` models have both. A key whose population is weaker than average is
shifted down by that much.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Final, NamedTuple

MIN_SAMPLES: Final = 5
ANCHOR_KEY: Final = "intelligenceIndex"


class NormParam(NamedTuple):
    mean: float
    sd: float
    offset: float = 0.0


def _mean_sd(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)  # population SD, as specified
    return mean, math.sqrt(var)


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, value))


def z_map(value: float, mean: float, sd: float) -> float:
    """``clamp(50 + 20 z)``."""
    return clamp(50.0 + 20.0 * (value - mean) / sd)


def compute_norm_params(benchmarks: Iterable[Mapping[str, float]]) -> dict[str, NormParam]:
    """Mean, population SD and population offset per key over the given benchmark dicts."""
    rows = list(benchmarks)
    columns: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            if math.isfinite(value):
                columns.setdefault(key, []).append(value)
    params: dict[str, NormParam] = {}
    for key, values in columns.items():
        if len(values) < MIN_SAMPLES:
            continue
        mean, sd = _mean_sd(values)
        if sd > 0:
            params[key] = NormParam(mean, sd)
    anchor = params.get(ANCHOR_KEY)
    if anchor is None:
        return params
    for key, param in list(params.items()):
        if key == ANCHOR_KEY:
            continue
        anchored = [
            z_map(row[ANCHOR_KEY], anchor.mean, anchor.sd)
            for row in rows
            if key in row and ANCHOR_KEY in row
        ]
        if len(anchored) >= MIN_SAMPLES:
            offset = sum(anchored) / len(anchored) - 50.0
            params[key] = param._replace(offset=round(offset, 3))
    return params


def normalize(key: str, value: float, params: Mapping[str, NormParam]) -> float | None:
    """The 0–100 normalised value of one figure, or None when the key has no parameters."""
    param = params.get(key)
    if param is None:
        return None
    return clamp(z_map(value, param.mean, param.sd) + param.offset)
