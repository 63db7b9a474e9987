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
#: ``squash`` is ``50 + 20 z`` (the scale every threshold was set on) within ±KNEE z, and an
#: exponential tail approaching 0 / 100 beyond it — never flat, so order at the top is kept
KNEE: Final = 2.0


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


def common_z(key: str, value: float, params: Mapping[str, NormParam]) -> float | None:
    """A figure as a z on the anchor population's scale: its own z plus the population offset
    (in z units), so a figure from a weaker population (HF) is not read as frontier-class.
    Unbounded: order at the top is kept."""
    param = params.get(key)
    if param is None:
        return None
    return (value - param.mean) / param.sd + param.offset / 20.0


def squash(z: float) -> float:
    """Common z → 0–100, strictly increasing and continuous with a continuous slope:
    ``50 + 20 z`` for |z| ≤ 2 (10–90), then ``90 + 10 (1 − e^(−2 (z − 2)))`` toward 100
    (and the mirror image toward 0): z 2.5 → 96.3, 3 → 98.6."""
    if abs(z) <= KNEE:
        return 50.0 + 20.0 * z
    tail = 10.0 * (1.0 - math.exp(-2.0 * (abs(z) - KNEE)))
    return 90.0 + tail if z > 0 else 10.0 - tail


def normalize(key: str, value: float, params: Mapping[str, NormParam]) -> float | None:
    """The 0–100 normalised value of one figure (:func:`squash` of :func:`common_z`), or None
    when the key has no parameters."""
    z = common_z(key, value, params)
    return None if z is None else squash(z)
