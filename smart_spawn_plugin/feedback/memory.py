"""Personal routing memory (the Smart Router seed's patch layer), over the SQLite store.

When a user forces a tier with a prefix (``F:`` flagship, ``L:`` lightweight) or rates an outcome,
the query is remembered as a sparse vector, per user. A new query whose vector is very similar
(cosine ≥ :data:`SIMILAR`) to a remembered one follows that memory: the same forced tier, or the
rated model preferred (rating ≥ 4) or excluded (rating ≤ 2). Memories decay with a half-life of
:data:`HALF_LIFE_DAYS`; the most similar memory after decay decides, and older than
:data:`MAX_AGE_DAYS` they are ignored.

Vectors: the classifier's own token features (word unigrams and bigrams, in-word character
3-grams, CJK characters and character pairs) hashed (CRC-32, stable across processes) into
2**20 buckets, weighted by kind and L2-normalised. Cheap, offline, bilingual; "similar" means
the same words, which is what "the same query again" looks like.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Final

from smart_spawn_plugin.engine.classify.textfeatures import clip, normalize, token_sets
from smart_spawn_plugin.engine.select.memory import ForcedTier, MemoryRecall
from smart_spawn_plugin.errors import InvalidParam, StoreUnavailable
from smart_spawn_plugin.store.db import as_utc, utc_now
from smart_spawn_plugin.store.memory import MemoryIn, MemoryStore

#: Cosine similarity from which a remembered query counts as "the same ask".
SIMILAR: Final = 0.8
HALF_LIFE_DAYS: Final = 30.0
MAX_AGE_DAYS: Final = 365.0
#: Memories scanned per recall (newest first): bounds the cost of a pick.
MAX_SCAN: Final = 500
_BUCKETS: Final = 1 << 20
#: Feature kind weights: whole words and pairs say most; character 3-grams catch inflections.
_WEIGHTS: Final = {"w": 1.0, "b": 1.0, "c": 0.3, "z": 0.5, "y": 1.0}


def embed(text: str) -> dict[int, float]:
    """The sparse, L2-normalised vector of ``text`` (bucket → weight). Empty for no tokens."""
    ts = token_sets(normalize(clip(text)))
    vec: dict[int, float] = {}
    for kind, names in (
        ("w", ts.words),
        ("b", ts.bigrams),
        ("c", ts.grams),
        ("z", ts.chars),
        ("y", ts.pairs),
    ):
        weight = _WEIGHTS[kind]
        for name in names:
            key = zlib.crc32(f"{kind}:{name}".encode()) % _BUCKETS
            vec[key] = vec.get(key, 0.0) + weight
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {k: round(v / norm, 6) for k, v in vec.items()} if norm else {}


def cosine(a: Mapping[int, float], b: Mapping[int, float]) -> float:
    """Cosine similarity of two normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


class PersonalMemory:
    """The selector's ``RoutingMemory`` over :class:`MemoryStore` (see module docstring)."""

    def __init__(self, store: MemoryStore, now: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self._now = now

    def remember_forced(self, user_key: str, text: str, tier: ForcedTier) -> None:
        """Remember that ``user_key`` forced ``tier`` on ``text`` (prefix stripped)."""
        self._add(user_key, text, kind="forced", tier=tier)

    def remember_rating(self, user_key: str, text: str, model: str, rating: int) -> None:
        """Remember that ``user_key`` rated ``model`` ``rating`` (1–5) on the query ``text``.

        Raises :class:`InvalidParam` for an empty query or a rating outside 1–5.
        """
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidParam("rating must be a whole number 1-5", field="rating")
        self._add(user_key, text, kind="rated", model=model, rating=rating)

    def _add(self, user_key: str, text: str, **fields: object) -> None:
        if not isinstance(text, str) or not text.strip():
            raise InvalidParam("task must be a non-empty string", field="task")
        vector = embed(text)
        if not vector:
            return  # nothing to compare a later query with (only punctuation or digits)
        self.store.add(
            MemoryIn.model_validate(
                {
                    "user_key": user_key,
                    "query": text.strip(),
                    "vector": vector,
                    "created_at": self._now(),
                    **fields,
                }
            )
        )

    def recall(self, user_key: str, text: str) -> MemoryRecall | None:
        """The memory to follow for ``text``: the most similar one (cosine ≥ :data:`SIMILAR`)
        after time decay; None when no memory is that close."""
        now = as_utc(self._now())
        best: MemoryRecall | None = None
        try:
            rows = self.store.recent(
                user_key, since=now - timedelta(days=MAX_AGE_DAYS), limit=MAX_SCAN
            )
        except StoreUnavailable:  # the shared database is down: route without memory
            return None
        if not rows:  # most users most of the time: no query vector to build (every pick)
            return None
        vector = embed(text)
        if not vector:
            return None
        for row in rows:
            sim = cosine(vector, row.vector)
            if sim < SIMILAR:
                continue
            age = max(0.0, (now - row.created_at).total_seconds() / 86_400)
            weight = sim * 0.5 ** (age / HALF_LIFE_DAYS)
            if best is None or weight > best.weight:
                best = MemoryRecall(
                    memory_id=row.id,
                    kind=row.kind,
                    query=row.query,
                    similarity=round(min(sim, 1.0), 3),
                    weight=round(weight, 3),
                    age_days=round(age, 2),
                    tier=row.tier,
                    model=row.model,
                    rating=row.rating,
                )
        return best
