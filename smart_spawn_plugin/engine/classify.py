"""Task text → category, confidence, per-category scores and routing signals.

Public API::

    classify(text) -> Classification        # the bundled model, loaded lazily once
    Classifier(model).classify(text)        # any LinearModel (bench folds use this)
    load_model() -> LinearModel             # the bundled weights (cached)

How a text is classified, in order:

1. **Validation.** Empty or whitespace-only text raises
   :class:`~smart_spawn_plugin.errors.InvalidParam` (field ``task``).
2. **Prefix overrides.** ``F:`` / ``Force:`` / ``旗舰:`` set ``signals.flagship``; ``L:`` /
   ``Fast:`` / ``轻量:`` set ``signals.lightweight`` (ASCII or full-width colon,
   case-insensitive). The prefix is stripped and the rest is classified.
3. **Category-name override.** A (remaining) text that is exactly a category name (trimmed,
   case-insensitive) is that category with confidence 1.0.
4. **Linear model.** A multinomial logistic regression over whole-token evidence (word unigrams and
   bigrams, in-word character 3-grams, CJK character uni/bigrams, shape features; see
   :mod:`.textfeatures`) gives one logit per category. Never substring keyword matching.
5. **Hand rules** (:mod:`.taskrules`) add to the logits where text shape is decisive and data is
   thin: code-looking text and programming terms → coding; maths terms → reasoning; a deictic
   reference to a visual ("this screenshot", "in the image", 图中) → vision; translation →
   fast-cheap.
6. **Softmax** gives ``scores`` (sum to 1) and ``confidence`` (the winner's probability).
7. **Lightweight hint.** With ``L:``, unless the model is confident (≥ 0.6) in a specific category,
   the result is ``fast-cheap``.

The weights are package data (``data/classifier/model.json.gz``) fitted by
``scripts/train_classifier.py`` on permissively licensed rows only (``data/classifier/SOURCES.md``).
Importing this module reads nothing; the first :func:`classify` call loads the weights.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Final

from pydantic import BaseModel, Field

from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.models import CATEGORIES, Category

from .taskrules import Signals, detect_signals, rule_boosts
from .textfeatures import STOPWORDS, features, normalize

__all__ = [
    "Classification",
    "Classifier",
    "LinearModel",
    "ModelFileError",
    "Signals",
    "classify",
    "detect_signals",
    "load_model",
]

MODEL_FILE: Final = "model.json.gz"
FORMAT_VERSION: Final = 1

#: Below this winner probability an ``L:`` task falls back to fast-cheap.
LIGHTWEIGHT_KEEP: Final = 0.6

_PREFIX_RE: Final = re.compile(r"^\s*(force|fast|f|l|旗舰|轻量)\s*[:：]\s*", re.IGNORECASE)
_FLAGSHIP: Final = frozenset({"f", "force", "旗舰"})
_CATEGORY_ALIASES: Final[dict[str, Category]] = {
    **{c: c for c in CATEGORIES},
    "fast cheap": "fast-cheap",
    "fast_cheap": "fast-cheap",
    "fastcheap": "fast-cheap",
}


class Classification(BaseModel):
    """The classifier's answer. ``scores`` are probabilities over all seven categories."""

    category: Category
    confidence: float = Field(ge=0.0, le=1.0)
    scores: dict[Category, float]
    signals: Signals
    override: str | None = Field(
        default=None, description="'category', 'flagship', 'lightweight' or a '+'-joined mix."
    )
    reason: str


class ModelFileError(SmartSpawnError):
    """The bundled classifier weights are missing or malformed (a packaging bug)."""

    code = "CLASSIFIER_MODEL"


class LinearModel:
    """A multinomial linear model: feature → one weight per class, plus a bias per class."""

    __slots__ = ("bias", "classes", "weights")

    def __init__(
        self,
        classes: Sequence[Category],
        bias: Sequence[float],
        weights: Mapping[str, Sequence[float]],
    ) -> None:
        self.classes: tuple[Category, ...] = tuple(classes)
        self.bias: tuple[float, ...] = tuple(bias)
        self.weights: dict[str, tuple[float, ...]] = {k: tuple(v) for k, v in weights.items()}
        if len(self.bias) != len(self.classes) or any(
            len(w) != len(self.classes) for w in self.weights.values()
        ):
            raise ModelFileError("classifier weights do not match the class list")

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> LinearModel:
        """Build from the JSON payload written by ``scripts/train_classifier.py``.

        Format 1: ``{"format": 1, "classes": [...], "scale": int, "bias": [int...],
        "weights": {feature: [int...]}}``; real weight = int / scale.
        """
        try:
            if payload["format"] != FORMAT_VERSION:
                raise ModelFileError(f"unsupported classifier format {payload['format']!r}")
            classes = payload["classes"]
            scale = float(payload["scale"])  # type: ignore[arg-type]
            bias = payload["bias"]
            raw = payload["weights"]
            if not (isinstance(classes, list) and isinstance(bias, list) and isinstance(raw, dict)):
                raise TypeError("classes, bias and weights must be list, list and dict")
            unknown = [c for c in classes if c not in CATEGORIES]
            if unknown:
                raise ModelFileError(f"unknown categories in classifier weights: {unknown}")
            return cls(
                classes,
                [b / scale for b in bias],
                {k: [x / scale for x in v] for k, v in raw.items()},
            )
        except (KeyError, TypeError, ValueError, AssertionError) as exc:
            raise ModelFileError(f"malformed classifier weights: {exc!r}") from exc

    def logits(self, feats: Mapping[str, float]) -> list[float]:
        """Bias plus the weighted sum of the known features (unknown features are ignored)."""
        acc = list(self.bias)
        n = len(acc)
        get = self.weights.get
        for name, value in feats.items():
            w = get(name)
            if w is not None:
                for i in range(n):
                    acc[i] += w[i] * value
        return acc


@cache
def load_model() -> LinearModel:
    """The bundled weights, read once (gz JSON via importlib.resources) and cached."""
    ref = resources.files("smart_spawn_plugin").joinpath("data", "classifier", MODEL_FILE)
    try:
        payload = json.loads(gzip.decompress(ref.read_bytes()))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read classifier weights {MODEL_FILE}: {exc}") from exc
    return LinearModel.from_payload(payload)


def _softmax(logits: Sequence[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _strip_prefixes(text: str) -> tuple[str, bool, bool]:
    """Remove up to two override prefixes; return (rest, flagship, lightweight)."""
    flagship = lightweight = False
    for _ in range(2):
        m = _PREFIX_RE.match(text)
        if m is None:
            break
        if m.group(1).lower() in _FLAGSHIP:
            flagship = True
        else:
            lightweight = True
        text = text[m.end() :]
    return text, flagship, lightweight


def _readable(feature: str) -> str | None:
    kind, _, body = feature.partition(":")
    if kind in ("w", "b", "y", "z"):
        words = body.split()
        # Numbers and pure function-word pairs are real evidence but say nothing to a reader.
        if all(w.isdigit() or w in STOPWORDS for w in words) or body.isdigit():
            return None
        return body
    return {"m:code": "[code]", "m:math": "[maths]"}.get(feature)


def _evidence(model: LinearModel, feats: Mapping[str, float], idx: int, k: int = 4) -> list[str]:
    """The k readable features that most favour class ``idx`` over the average class."""
    scored: list[tuple[float, str]] = []
    n = len(model.classes)
    for name, value in feats.items():
        w = model.weights.get(name)
        label = _readable(name)
        if w is None or label is None:
            continue
        margin = (w[idx] - sum(w) / n) * value
        if margin > 0:
            scored.append((margin, label))
    scored.sort(reverse=True)
    return [label for _, label in scored[:k]]


class Classifier:
    """Classifies task texts with one :class:`LinearModel` plus the hand rules."""

    def __init__(self, model: LinearModel) -> None:
        self.model = model

    def classify(self, text: str) -> Classification:
        """Classify ``text`` (see the module docstring for the steps).

        Raises :class:`InvalidParam` (field ``task``) for empty or whitespace-only text, also
        when only an override prefix was given. Never raises for any other string.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidParam("task must be a non-empty string", field="task")
        rest, flagship, lightweight = _strip_prefixes(text)
        if not rest.strip():
            raise InvalidParam("task is empty after its override prefix", field="task")
        fired = [name for name, on in (("flagship", flagship), ("lightweight", lightweight)) if on]

        named = _CATEGORY_ALIASES.get(" ".join(normalize(rest).split())) if len(rest) < 64 else None
        if named is not None:
            signals = detect_signals(rest, named)
            signals.flagship, signals.lightweight = flagship, lightweight
            return Classification(
                category=named,
                confidence=1.0,
                scores={c: (1.0 if c == named else 0.0) for c in CATEGORIES},
                signals=signals,
                override="+".join(["category", *fired]),
                reason=f"the task names the category {named!r}",
            )
        return self._classify_text(rest, flagship, lightweight, fired)

    def _classify_text(
        self, text: str, flagship: bool, lightweight: bool, fired: list[str]
    ) -> Classification:
        model = self.model
        feats = features(text)
        logits = model.logits(feats)
        rules: list[str] = []
        for cat, boost, label in rule_boosts(text):
            if cat in model.classes:
                logits[model.classes.index(cat)] += boost
                rules.append(label)
        probs = _softmax(logits)
        idx = max(range(len(probs)), key=probs.__getitem__)
        category: Category = model.classes[idx]
        confidence = probs[idx]
        scores = {c: 0.0 for c in CATEGORIES}
        scores.update({c: round(p, 4) for c, p in zip(model.classes, probs, strict=True)})

        evidence = _evidence(model, feats, idx)
        reason = f"{category} (p={confidence:.2f})"
        if evidence:
            reason += ": " + ", ".join(repr(e) for e in evidence)
        if rules:
            reason += "; rules: " + ", ".join(rules)

        if (
            lightweight
            and category != "fast-cheap"
            and (category == "general" or confidence < LIGHTWEIGHT_KEEP)
        ):
            reason = f"fast-cheap (L: hint; model said {reason})"
            category = "fast-cheap"
            # The user's hint decides here; report at least an even-odds confidence.
            confidence = max(scores["fast-cheap"], 0.5)

        signals = detect_signals(text, category)
        signals.flagship, signals.lightweight = flagship, lightweight
        return Classification(
            category=category,
            confidence=round(min(max(confidence, 0.0), 1.0), 4),
            scores=scores,
            signals=signals,
            override="+".join(fired) or None,
            reason=reason,
        )


def classify(text: str) -> Classification:
    """Classify a task text with the bundled model (see the module docstring).

    Raises :class:`InvalidParam` for empty/whitespace text; ``ModelFileError`` only if the
    package's weights file is broken.
    """
    return Classifier(load_model()).classify(text)
