"""What every embedding head is made of: the :class:`Embedder` protocol, its one error, and the
multinomial logistic :class:`Head` over its vectors (:mod:`.embedding` builds the heads,
:mod:`.endpoint` fits one at run time; both import this, so neither imports the other at load).

Contract: :meth:`EmbeddingHead.log_probs` returns one value per class of the head, in the
head's class order, or raises :class:`EmbeddingUnavailable`. Only ``numpy`` is imported, lazily.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final, Protocol

#: Embedders see the task's first characters only: cost grows with length and the ask is
#: stated up front (the linear model and the rules still read the whole task).
EMBED_CHARS: Final = 2000


class EmbeddingUnavailable(Exception):
    """An embedder could not embed this text now (package missing, server down, timeout)."""


class Embedder(Protocol):
    """Text → vector. ``embed`` raises :class:`EmbeddingUnavailable` on any failure."""

    name: str

    def embed(self, text: str) -> Sequence[float]: ...


class Head:
    """Multinomial logistic head: ``coef`` is one row of ``dim`` weights per class."""

    def __init__(
        self, classes: Sequence[str], coef: Sequence[Sequence[float]], intercept: Sequence[float]
    ) -> None:
        import numpy as np

        if len(coef) != len(classes) or len(intercept) != len(classes):
            raise ValueError("head weights do not match its class list")
        self.classes = tuple(classes)
        self._coef = np.asarray(coef, dtype=np.float32)
        self._intercept = np.asarray(intercept, dtype=np.float32)
        self.dim = int(self._coef.shape[1])

    def log_probs(self, vector: Sequence[float]) -> list[float]:
        """Log-softmax of the head's logits for one vector of ``dim`` values."""
        import numpy as np

        vec = np.asarray(vector, dtype=np.float32)
        if vec.shape != (self.dim,):
            raise EmbeddingUnavailable(f"vector has shape {vec.shape}, the head wants {self.dim}")
        z = self._coef @ vec + self._intercept
        top = float(z.max())
        total = math.log(float(np.exp(z - top).sum())) + top
        return [float(v) - total for v in z]

    def payload(self) -> dict[str, Any]:
        """JSON form (what :func:`head_from_payload` reads)."""
        return {
            "classes": list(self.classes),
            "coef": [[round(float(w), 5) for w in row] for row in self._coef],
            "intercept": [round(float(b), 5) for b in self._intercept],
        }


def head_from_payload(payload: dict[str, Any]) -> Head:
    """The inverse of :meth:`Head.payload`."""
    return Head(payload["classes"], payload["coef"], payload["intercept"])


class EmbeddingHead:
    """One embedder and its head; :meth:`log_probs` maps a task text to per-class values."""

    def __init__(self, embedder: Embedder, head: Head) -> None:
        self.embedder = embedder
        self.head = head
        self.name = embedder.name

    def log_probs(self, text: str) -> list[float]:
        """The head's log-probabilities for ``text`` (its first :data:`EMBED_CHARS`)."""
        return self.head.log_probs(self.embedder.embed(text[:EMBED_CHARS]))

    def defer(self) -> None:
        """Have the embedder answer "loading" until :meth:`preload`, if it can."""
        defer = getattr(self.embedder, "defer", None)
        if callable(defer):
            defer()

    def preload(self) -> None:
        """Let the embedder load in the background, if it can (packaged engines can)."""
        preload = getattr(self.embedder, "preload", None)
        if callable(preload):
            preload()
