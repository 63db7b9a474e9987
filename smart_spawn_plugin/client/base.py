"""The ``Recommender`` protocol: where routing decisions and feedback go.

Two implementations, chosen from ``Settings.api_url`` through :data:`RECOMMENDERS`-style
registry in ``client/__init__``: ``local`` (the in-process engine and the local store; the
default; no network) and ``remote`` (httpx to any original-compatible routing API; TTL cache;
falls back to the local engine on failure and says so in the decision's ``source``).
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

from pydantic import Field, field_validator

from smart_spawn_plugin.engine.select.requests import Decision, PickRequest, RecommendResult
from smart_spawn_plugin.models import Budget, Category, Mode, Wire


class SpawnLogEntry(Wire):
    """One spawn as reported to the feedback endpoint (``POST /spawn-log``)."""

    model: str
    category: Category
    budget: Budget = "medium"
    mode: Mode = "single"
    role: str = "primary"
    source: str = "plugin"
    context: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    duration_ms: int | None = None
    #: ``planned`` when the reporter does not know the outcome (the HTTP API's spawn log)
    status: Literal["planned", "ok", "error", "timeout", "cancelled"] = "ok"
    run_id: str | None = None


def stars(value: float) -> int:
    """A rating as whole stars, the one rounding rule of every surface: half up (4.5 → 5,
    2.5 → 3; never banker's rounding), as the original API did. ``ValueError`` outside 1–5."""
    if isinstance(value, bool) or not math.isfinite(value) or not 1 <= value <= 5:
        raise ValueError("rating must be a number from 1 to 5")
    return math.floor(value + 0.5)


def verdict(rating: int) -> str:
    """What a rating does to later picks, in words every surface uses."""
    if rating >= 4:
        return "favoured"
    if rating <= 2:
        return "deprioritised"
    return "kept neutral"


class OutcomeReport(Wire):
    """A 1–5 rating of a model on a category (``POST /spawn-log/outcome``). A fractional
    rating is rounded by :func:`stars`."""

    model: str
    category: Category
    rating: int = Field(ge=1, le=5)
    context: str | None = None
    implicit: bool = False
    #: the task the rated spawn did; an explicit rating with it is remembered for similar tasks
    task: str | None = Field(default=None, max_length=20_000)

    @field_validator("rating", mode="before")
    @classmethod
    def _whole_stars(cls, value: object) -> object:
        return stars(value) if isinstance(value, float) else value


class Routed(Wire):
    """A decision plus where it came from (``local``, ``remote`` or ``local-fallback``)."""

    decision: Decision
    source: Literal["local", "remote", "local-fallback"] = "local"
    fallback_reason: str | None = None


class Recommender(Protocol):
    """Routing decisions and feedback, local or remote.

    ``pick`` raises :class:`~smart_spawn_plugin.errors.NoModel` when nothing qualifies and
    ``InvalidInput`` subclasses for bad requests; a remote implementation translates every
    transport failure into a local fallback (never raises httpx errors). ``log_spawn`` and
    ``record_outcome`` never lose a report: when the endpoint is down they queue it.
    """

    name: str

    async def pick(self, request: PickRequest) -> Routed: ...

    async def recommend(self, request: PickRequest, count: int) -> RecommendResult: ...

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None: ...

    async def record_outcome(self, report: OutcomeReport, *, user_key: str = "local") -> None: ...

    async def aclose(self) -> None: ...
