"""The selection engine's view of a user's personal routing memory (implemented by
``feedback.memory``): what a recalled memory says, and the protocol the selector calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

ForcedTier = Literal["flagship", "lightweight"]


@dataclass(frozen=True)
class MemoryRecall:
    """The remembered query most similar to a new one, close enough to follow.

    ``kind`` ``forced``: the user forced ``tier`` on it; ``rated``: the user rated ``model``
    ``rating`` (1–5) on it. ``similarity`` is the cosine of the two queries' vectors,
    ``weight`` the similarity after time decay, ``age_days`` how old the memory is.
    """

    memory_id: int
    kind: Literal["forced", "rated"]
    query: str
    similarity: float
    weight: float
    age_days: float
    tier: ForcedTier | None = None
    model: str | None = None
    rating: int | None = None

    def explain(self) -> str:
        """One sentence naming the memory that decided and why it applies."""
        quoted = self.query if len(self.query) <= 60 else self.query[:57] + "…"
        age = f"{self.age_days:.0f} day{'s' if round(self.age_days) != 1 else ''} ago"
        if self.kind == "forced":
            what = f"you forced {self.tier}"
        else:
            verb = "liked" if (self.rating or 0) >= 4 else "disliked"
            what = f"you {verb} {self.model} ({self.rating}/5)"
        return (
            f"personal memory #{self.memory_id} decided: {what} on a very similar query "
            f"{quoted!r} (similarity {self.similarity:.2f}, {age})"
        )


class RoutingMemory(Protocol):
    """A user's routing memory: recall the closest remembered query, remember forced tiers."""

    def recall(self, user_key: str, text: str) -> MemoryRecall | None:
        """The remembered query of ``user_key`` close enough to ``text`` to follow, or None."""
        ...

    def remember_forced(self, user_key: str, text: str, tier: ForcedTier) -> None:
        """Remember that ``user_key`` forced ``tier`` on ``text`` (prefix already stripped)."""
        ...
