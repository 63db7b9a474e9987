"""Imputation of a missing signal from the broad indices a model does have.

For every (signal, predictor index) pair an ordinary least-squares line is fitted, in common-z
units, on the base models that have both; a model missing the signal gets the prediction of its
best-correlated predictor, shrunk toward the signal's population mean by
``r · n / (n + SHRINK_N)`` (a weak or thinly fitted relation → closer to the prior), and damped
beyond the range measured on that signal (half slope): the newest models' indices lie beyond
the range of older leaderboards, where a straight line is an extrapolation; damping keeps their
order without claiming a lead no measurement shows. With no usable predictor the signal counts
at its population mean. Either way a missing signal is never simply dropped, so a model cannot
score higher by having less evidence (issue 10, defects 1 and 6). Each imputed value carries
its fit's residual sd, which the category score gives up (:data:`..scoring.IMPUTATION_RISK`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Final, NamedTuple

from smart_spawn_plugin.engine.catalog.signals import PREDICTORS, all_signals

#: fewest models with both figures for a fit to be used
MIN_FIT: Final = 8
#: pseudo-count of the shrinkage toward the population mean
SHRINK_N: Final = 10.0
#: slope kept beyond the measured range of a signal (1 = plain extrapolation, 0 = clamp)
EXTRAPOLATION_SLOPE: Final = 0.5
#: a predictor correlating less than this with the signal is not used
MIN_R: Final = 0.3


#: neighbours of a local fit: the relation flattens at the top (benchmarks saturate), which a
#: single global line would miss — it would impute the frontier above what it measures
LOCAL_K: Final = 30


class Fit(NamedTuple):
    """A predictor → signal relation: the global correlation ``r`` (to choose the predictor and
    to shrink), and the (predictor, signal) pairs sorted by predictor, with prefix sums so a
    local fit over any window costs O(1)."""

    r: float
    n: int
    #: population mean of the signal (common z) over the models that have it
    prior: float
    xs: tuple[float, ...]
    #: prefix sums of x, y, x², x·y, y² over the sorted pairs (length n + 1)
    sums: tuple[tuple[float, ...], ...]

    def predict(self, x: float) -> tuple[float, float]:
        """(imputed z, residual sd) at predictor value ``x``: a linear fit over the
        :data:`LOCAL_K` nearest pairs, damped beyond their range, shrunk toward the prior."""
        k = min(LOCAL_K, self.n)
        left, right = 0, self.n - k
        while left < right:  # the k nearest xs form a window: find its start
            mid = (left + right) // 2
            if x - self.xs[mid] > self.xs[mid + k] - x:
                left = mid + 1
            else:
                right = mid
        slope, intercept, resid = self._line(left, left + k)
        x_in = min(max(x, self.xs[0]), self.xs[-1])
        z = intercept + slope * x_in + EXTRAPOLATION_SLOPE * slope * (x - x_in)
        shrink = self.r * self.n / (self.n + SHRINK_N)
        return shrink * z + (1.0 - shrink) * self.prior, resid

    def _line(self, start: int, end: int) -> tuple[float, float, float]:
        """(slope ≥ 0, intercept, residual sd) of the least-squares line over pairs
        ``start:end``. A negative local slope is noise (the signals correlate positively), so it
        is floored at 0; with no spread in x the line is flat."""
        sx, sy, sxx, sxy, syy = (col[end] - col[start] for col in self.sums)
        n = end - start
        vxx = sxx - sx * sx / n
        vxy = sxy - sx * sy / n
        slope = max(0.0, vxy / vxx) if vxx > 1e-12 else 0.0
        intercept = (sy - slope * sx) / n
        sse = syy - 2 * intercept * sy - 2 * slope * sxy + n * intercept**2
        sse += 2 * intercept * slope * sx + slope**2 * sxx
        return slope, intercept, math.sqrt(max(0.0, sse) / n)


def _prefix(values: list[float]) -> tuple[float, ...]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return tuple(out)


class Imputer(NamedTuple):
    """Per signal: its population mean, and its fits by predictor key."""

    priors: dict[str, float]
    fits: dict[str, dict[str, Fit]]
    #: (lowest, highest) measured common z per signal
    ranges: dict[str, tuple[float, float]]
    #: population standard deviation of each signal (uncertainty of a value at the prior)
    spreads: dict[str, float]

    def impute(
        self, signal: str, predictors: Mapping[str, float]
    ) -> tuple[float, str, float] | None:
        """(imputed common z, predictor used, residual sd) from the best-correlated predictor
        the model has, or None when no fit applies."""
        options = self.fits.get(signal, {})
        best: tuple[str, Fit] | None = None
        for key in predictors:
            fit = options.get(key)
            if fit is not None and (best is None or fit.r > best[1].r):
                best = (key, fit)
        if best is None:
            return None
        low, high = self.ranges.get(signal, (-math.inf, math.inf))
        z, resid = best[1].predict(predictors[best[0]])
        # beyond the measured range the line is an extrapolation: follow it at a reduced
        # slope (order kept, excess damped)
        if z > high:
            z = high + EXTRAPOLATION_SLOPE * (z - high)
        elif z < low:
            z = low + EXTRAPOLATION_SLOPE * (z - low)
        return z, best[0], resid

    def prior(self, signal: str) -> float:
        """The signal's population mean in common z (0 when no model has it)."""
        return self.priors.get(signal, 0.0)

    def spread(self, signal: str) -> float:
        """The signal's population sd in common z (1 when no model has it)."""
        return self.spreads.get(signal, 1.0)


#: An imputer that imputes nothing (every missing signal counts at the anchor mean).
EMPTY: Final = Imputer(priors={}, fits={}, ranges={}, spreads={})


def fit_signals(
    rows: Iterable[tuple[Mapping[str, float], Mapping[str, float]]],
) -> Imputer:
    """``rows`` are (signal name → measured common z, predictor key → common z) per base model.
    Fits are kept only with ``MIN_FIT`` models and r ≥ ``MIN_R``."""
    data = list(rows)
    fits: dict[str, dict[str, Fit]] = {}
    priors: dict[str, float] = {}
    ranges: dict[str, tuple[float, float]] = {}
    spreads: dict[str, float] = {}
    for name, signal in all_signals().items():
        measured = [sig[name] for sig, _ in data if name in sig]
        if not measured:
            continue
        prior = priors[name] = sum(measured) / len(measured)
        ranges[name] = (min(measured), max(measured))
        spreads[name] = math.sqrt(sum((v - prior) ** 2 for v in measured) / len(measured))
        for predictor in PREDICTORS:
            if predictor in signal.keys:
                continue
            pairs = [
                (pred[predictor], sig[name])
                for sig, pred in data
                if name in sig and predictor in pred
            ]
            fit = _ols(pairs, prior)
            if fit is not None:
                fits.setdefault(name, {})[predictor] = fit
    return Imputer(priors=priors, fits=fits, ranges=ranges, spreads=spreads)


def _ols(pairs: list[tuple[float, float]], prior: float) -> Fit | None:
    n = len(pairs)
    if n < MIN_FIT:
        return None
    mx = sum(x for x, _ in pairs) / n
    my = sum(y for _, y in pairs) / n
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    syy = sum((y - my) ** 2 for _, y in pairs)
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    if sxx <= 0 or syy <= 0:
        return None
    r = sxy / math.sqrt(sxx * syy)
    if r < MIN_R:
        return None
    ordered = sorted(pairs)
    sums = (
        _prefix([x for x, _ in ordered]),
        _prefix([y for _, y in ordered]),
        _prefix([x * x for x, _ in ordered]),
        _prefix([x * y for x, y in ordered]),
        _prefix([y * y for _, y in ordered]),
    )
    return Fit(r=r, n=n, prior=prior, xs=tuple(x for x, _ in ordered), sums=sums)
