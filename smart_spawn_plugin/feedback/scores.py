"""Feedback scores (personal, context-tag, community) and their blend with the benchmark score.

Ratings are on the full 1-5 scale and map linearly onto 0-100: ``(r - 1) / 4 * 100`` (1 → 0,
3 → 50, 5 → 100). The original reduced them to pass/fail at 3; we keep the whole scale.

**Time decay.** A rating ``a`` days old weighs ``w = 0.5 ** (a / half_life)`` (default half-life
30 days; future-dated ratings weigh 1). Implicit ratings (derived from an outcome, not given by a
person) weigh ``implicit_weight`` (0.5) times that. ``n_effective = Σ w``. Ratings older than
``HORIZON_HALF_LIVES`` half-lives (weight < 0.1 %) are not even read.

**Bayesian smoothing** (for the standalone score shown to users): the decayed ratings are combined
with ``prior_weight`` (3) pseudo-ratings at ``prior_mean`` (3/5)::

    smoothed = (prior_weight * prior_mean + Σ w·r) / (prior_weight + Σ w)
    score    = (smoothed - 1) / 4 * 100

so one 5-star rating gives 62.5, not 100. We chose a Bayesian average over the Wilson lower bound
because ratings are ordinal 1-5, not binary, and the Bayesian average has a closed form that decays
naturally (weighted counts).

**Blend** (:func:`blend`): see its docstring. The feedback enters as shrinkage toward the
benchmark, so it changes continuously with the amount of evidence; the original's 8-row matrix
with hard minimum counts is not used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from smart_spawn_plugin.models import Category, Wire
from smart_spawn_plugin.store.community import CommunityStore, Contribution
from smart_spawn_plugin.store.db import as_utc, utc_now
from smart_spawn_plugin.store.ratings import RatingRow, RatingsStore, parse_tags

HORIZON_HALF_LIVES: Final = 10.0
_SECONDS_PER_DAY: Final = 86_400.0

ScoreKey = tuple[str, Category]


class ScoreParams(BaseModel):
    """Smoothing and decay parameters for personal and context scores."""

    model_config = ConfigDict(frozen=True)

    half_life_days: float = Field(default=30.0, gt=0)
    prior_mean: float = Field(default=3.0, ge=1, le=5)
    prior_weight: float = Field(default=3.0, ge=0)
    implicit_weight: float = Field(default=0.5, ge=0, le=1)


DEFAULT_PARAMS: Final = ScoreParams()


def rating_to_score(rating: float) -> float:
    """Map a 1-5 rating (or mean rating) onto 0-100."""
    return (rating - 1.0) / 4.0 * 100.0


def decay_weight(age_days: float, half_life_days: float) -> float:
    """``0.5 ** (age / half_life)``; a negative age (clock skew) counts as brand new."""
    return float(0.5 ** (max(0.0, age_days) / half_life_days))


class PersonalScore(Wire):
    """A user's feedback on a model in a category (or for a set of context tags).

    ``score`` is the smoothed 0-100 score; ``mean_rating`` the decay-weighted mean rating (1-5,
    unsmoothed); ``n_effective`` the decayed evidence (Σ weights); ``n_ratings`` the raw count.
    """

    model: str
    category: Category
    score: float
    n_effective: float
    n_ratings: int
    mean_rating: float

    @property
    def raw_score(self) -> float:
        """The unsmoothed decayed mean rating on 0-100 (what :func:`blend` uses)."""
        return rating_to_score(self.mean_rating)


@dataclass
class _Acc:
    weight: float = 0.0
    weighted_sum: float = 0.0
    count: int = 0


def _aggregate(
    rows: Iterable[RatingRow], now: datetime, params: ScoreParams
) -> dict[ScoreKey, PersonalScore]:
    accs: dict[ScoreKey, _Acc] = {}
    for row in rows:
        acc = accs.setdefault((row.model, row.category), _Acc())
        age = (now - as_utc(row.created_at)).total_seconds() / _SECONDS_PER_DAY
        weight = decay_weight(age, params.half_life_days)
        if row.source == "implicit":
            weight *= params.implicit_weight
        acc.weight += weight
        acc.weighted_sum += weight * row.rating
        acc.count += 1
    result: dict[ScoreKey, PersonalScore] = {}
    for (model, category), acc in accs.items():
        if acc.weight <= 0:
            continue  # only implicit ratings at implicit_weight=0: no evidence at all
        smoothed = (params.prior_weight * params.prior_mean + acc.weighted_sum) / (
            params.prior_weight + acc.weight
        )
        result[(model, category)] = PersonalScore(
            model=model,
            category=category,
            score=rating_to_score(smoothed),
            n_effective=acc.weight,
            n_ratings=acc.count,
            mean_rating=acc.weighted_sum / acc.weight,
        )
    return result


def _rows(
    store: RatingsStore,
    user_key: str,
    category: Category | None,
    now: datetime,
    params: ScoreParams,
) -> list[RatingRow]:
    horizon = now - timedelta(days=params.half_life_days * HORIZON_HALF_LIVES)
    return store.rows(user_key, category=category, since=horizon)


def personal_scores(
    store: RatingsStore,
    user_key: str = "local",
    category: Category | None = None,
    now: datetime | None = None,
    *,
    params: ScoreParams = DEFAULT_PARAMS,
) -> dict[ScoreKey, PersonalScore]:
    """``user_key``'s scores per (model, category), from their own ratings only."""
    moment = as_utc(now or utc_now())
    return _aggregate(_rows(store, user_key, category, moment, params), moment, params)


def context_scores(
    store: RatingsStore,
    tags: Sequence[str] | str,
    user_key: str = "local",
    category: Category | None = None,
    now: datetime | None = None,
    *,
    params: ScoreParams = DEFAULT_PARAMS,
) -> dict[ScoreKey, PersonalScore]:
    """Scores per (model, category) from ``user_key``'s ratings carrying any of ``tags``.

    Ratings matching several requested tags count once (pooled, not averaged per tag), so a
    context with many tags does not multiply the evidence. Empty ``tags`` gives ``{}``.
    """
    wanted = set(parse_tags(list(tags) if not isinstance(tags, str) else tags))
    if not wanted:
        return {}
    moment = as_utc(now or utc_now())
    rows = _rows(store, user_key, category, moment, params)
    return _aggregate((row for row in rows if wanted & set(row.context)), moment, params)


class CommunityScore(Wire):
    """Community feedback on a model in a category that passed the trust gate.

    ``avg_rating`` is the contributor-capped mean (each contributor's ratings count at most
    ``per_contributor_cap`` times), ``n_effective`` the capped rating count, ``evidence`` the
    part of the evidence beyond the gate that :func:`blend` weighs (see there).
    """

    model: str
    category: Category
    total_ratings: int
    avg_rating: float
    contributors: int
    n_effective: float
    evidence: float
    score: float


def community_scores(
    store: CommunityStore,
    category: Category | None = None,
    *,
    min_ratings: int = 10,
    min_contributors: int = 3,
    per_contributor_cap: int = 5,
) -> dict[ScoreKey, CommunityScore]:
    """Community scores that pass the gate: ``n_effective ≥ min_ratings`` from
    ``≥ min_contributors`` distinct contributors.

    Capping each contributor at ``per_contributor_cap`` ratings means one instance reporting a
    hundred times counts as ``cap`` ratings: it can neither pass the gate alone nor swamp the mean.
    """
    groups: dict[ScoreKey, list[Contribution]] = {}
    for contribution in store.contributions(category=category):
        groups.setdefault((contribution.model, contribution.category), []).append(contribution)
    result: dict[ScoreKey, CommunityScore] = {}
    for (model, cat), parts in groups.items():
        capped = [(min(p.count, per_contributor_cap), p.rating_sum / p.count) for p in parts]
        n_eff = float(sum(n for n, _ in capped))
        contributors = len(parts)
        if n_eff < min_ratings or contributors < min_contributors:
            continue
        mean = sum(n * m for n, m in capped) / n_eff
        # Evidence beyond the gate, backed by contributors beyond the minimum: both ramps start at
        # zero at the gate, so crossing it never makes the blended score jump.
        evidence = max(
            0.0,
            min(n_eff - min_ratings, (contributors - min_contributors) * per_contributor_cap),
        )
        result[(model, cat)] = CommunityScore(
            model=model,
            category=cat,
            total_ratings=sum(p.count for p in parts),
            avg_rating=round(mean, 2),
            contributors=contributors,
            n_effective=n_eff,
            evidence=evidence,
            score=rating_to_score(mean),
        )
    return result


class BlendWeights(BaseModel):
    """Caps (``max_*``) and half-saturation constants (``k_*``) of :func:`blend`."""

    model_config = ConfigDict(frozen=True)

    max_personal: float = Field(default=0.4, ge=0, le=1)
    k_personal: float = Field(default=3.0, gt=0)
    max_context: float = Field(default=0.2, ge=0, le=1)
    k_context: float = Field(default=3.0, gt=0)
    max_community: float = Field(default=0.3, ge=0, le=1)
    k_community: float = Field(default=10.0, gt=0)
    max_feedback: float = Field(default=0.6, ge=0, le=1)


DEFAULT_WEIGHTS: Final = BlendWeights()


class BlendResult(Wire):
    """A blended score (0-100) and the weight each input received (they sum to 1)."""

    score: float
    benchmark: float
    w_benchmark: float
    w_personal: float = 0.0
    w_context: float = 0.0
    w_community: float = 0.0


def _ramp(cap: float, evidence: float, k: float) -> float:
    return cap * evidence / (evidence + k) if evidence > 0 else 0.0


def blend(
    benchmark: float,
    personal: PersonalScore | None = None,
    community: CommunityScore | None = None,
    context: PersonalScore | None = None,
    *,
    weights: BlendWeights = DEFAULT_WEIGHTS,
) -> BlendResult:
    """Blend a 0-100 benchmark score ``B`` with feedback, weighting each by its evidence.

    ::

        w_p = max_personal  · n_p / (n_p + k_personal)      n_p = personal.n_effective
        w_x = max_context   · n_x / (n_x + k_context)       n_x = context.n_effective
        w_c = max_community · e   / (e   + k_community)     e   = community.evidence
        if w_p + w_x + w_c > max_feedback: scale all three down to sum to max_feedback
        score = (1 - w_p - w_x - w_c)·B + w_p·P + w_x·X + w_c·C

    ``P`` and ``X`` are the *unsmoothed* decayed mean ratings on 0-100: ``n / (n + k)`` already
    is Bayesian shrinkage toward the benchmark as prior (with ``k`` pseudo-observations), so
    smoothing them toward 3/5 as well would drag a well-rated model below its benchmark. ``C`` is
    the community score. Defaults: personal up to 0.4 (k=3: 3 fresh ratings → 0.2), context up to
    0.2, community up to 0.3 (k=10), all feedback together at most 0.6.

    Every weight is a continuous function of the evidence and is 0 without it, so adding one
    rating moves the score by a bounded step and a missing input is the same as zero evidence.
    """
    w_p = w_x = w_c = 0.0
    if personal is not None:
        w_p = _ramp(weights.max_personal, personal.n_effective, weights.k_personal)
    if context is not None:
        w_x = _ramp(weights.max_context, context.n_effective, weights.k_context)
    if community is not None:
        w_c = _ramp(weights.max_community, community.evidence, weights.k_community)
    total = w_p + w_x + w_c
    if total > weights.max_feedback:
        scale = weights.max_feedback / total
        w_p, w_x, w_c = w_p * scale, w_x * scale, w_c * scale
        total = weights.max_feedback
    score = (1.0 - total) * benchmark
    if personal is not None:
        score += w_p * personal.raw_score
    if context is not None:
        score += w_x * context.raw_score
    if community is not None:
        score += w_c * community.score
    return BlendResult(
        score=score,
        benchmark=benchmark,
        w_benchmark=1.0 - total,
        w_personal=w_p,
        w_context=w_x,
        w_community=w_c,
    )
