"""One ranked candidate: the scores a selection computed for a model, before it is explained."""

from __future__ import annotations

from dataclasses import dataclass

from smart_spawn_plugin.models import ModelRecord


@dataclass(frozen=True)
class Ranked:
    """A candidate with its benchmark score, personal score (None without ratings), context
    boost, blended ``score`` (0–100) and the strategy's ``rank_key`` (higher ranks first)."""

    model: ModelRecord
    benchmark: float
    personal: float | None
    boost: float
    score: float
    rank_key: float
