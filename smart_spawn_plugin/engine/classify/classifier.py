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
   thin: code-looking text, programming terms and engineering imperatives on a software object
   ("Build the parser") → coding; maths terms → reasoning; a deictic reference to a visual
   ("this screenshot", "in the image", 图中) → vision, unless the image is to be *made* ("generate
   an image of …" → creative); slide decks to make → creative; literature reviews → research;
   translation → fast-cheap.
6. **Softmax** gives ``scores`` (sum to 1) and ``confidence`` (the winner's probability).
7. **Lightweight hint.** With ``L:``, unless the model is confident (≥ 0.6) in a specific category,
   the result is ``fast-cheap``.

The weights are package data (``data/classifier/model.json.gz``) fitted by
``scripts/train_classifier.py`` on permissively licensed rows only (``data/classifier/SOURCES.md``).
Importing this module reads nothing; the first :func:`classify` call loads the weights.

Speed: one normalisation and one tokenisation per call serve features, rules and signals; the
weights are packed one integer per feature, so the logits are a C-level ``sum`` over dict lookups
(exactly the numbers of :meth:`LinearModel.logits` over :func:`.textfeatures.features`); English
rule regexes only run when a guard token is present. :func:`classify` memoises results per text
(LRU); ``Classifier.classify`` never caches (the benchmarks time it as the cold path).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from importlib import resources
from itertools import repeat
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.models import CATEGORIES, Category

from .complexity import complexity
from .rules import (
    CODE_LOOK,
    LONG_TEXT_CHARS,
    RULE_CHARS,
    Signals,
    boosts,
    detect_signals,
    signals,
)
from .textfeatures import (
    MAX_CHARS,
    STOPWORDS,
    TokenSets,
    clip,
    meta_features,
    normalize,
    token_sets,
    tokens,
)

__all__ = [
    "Classification",
    "Classifier",
    "LinearModel",
    "ModelFileError",
    "Signals",
    "classify",
    "detect_signals",
    "load_model",
    "strip_prefixes",
]

MODEL_FILE: Final = "model.json.gz"
FORMAT_VERSION: Final = 1

#: Below this winner probability an ``L:`` task falls back to fast-cheap.
LIGHTWEIGHT_KEEP: Final = 0.6
#: Below this winner probability, a winner without readable evidence and without a rule that
#: speaks for it falls back to general (the catch-all category).
UNSURE: Final = 0.6

_PREFIX_RE: Final = re.compile(r"^\s*(force|fast|f|l|旗舰|轻量)\s*[:：]\s*", re.IGNORECASE)
_FLAGSHIP: Final = frozenset({"f", "force", "旗舰"})
_CATEGORY_ALIASES: Final[dict[str, Category]] = {
    **{c: c for c in CATEGORIES},
    "fast cheap": "fast-cheap",
    "fast_cheap": "fast-cheap",
    "fastcheap": "fast-cheap",
}


class Classification(BaseModel):
    """The classifier's answer. ``scores`` are probabilities over all seven categories.

    Immutable: :func:`classify` returns the same object for a repeated text (do not mutate
    ``scores`` either).
    """

    model_config = ConfigDict(frozen=True)

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


#: Feature kinds with their own lookup table (the prefix before ``:`` in a feature name).
_KINDS: Final = ("w", "b", "c", "z", "y", "m")
#: Kinds whose features can be shown to a reader as evidence (see :func:`_readable`).
_EVIDENCE_KINDS: Final = ("w", "b", "z", "y", "m")
#: Non-integral weights (hand-built models) are packed at this resolution.
_QUANTUM: Final = 1 << 24


class LinearModel:
    """A multinomial linear model: feature → one weight per class, plus a bias per class.

    ``weights`` and ``bias`` are given as raw numbers; the real value is ``raw / scale``
    (``from_payload`` passes the file's integers and its scale). For speed, each feature's weight
    vector is also packed into one Python integer (7 offset fields + a count field), so the
    logits of a text are one C-level ``sum`` over dict lookups — exact integer arithmetic.
    """

    __slots__ = (
        "_count_shift",
        "_evidence",
        "_field",
        "_mask",
        "_offset",
        "_tables",
        "_unit",
        "bias",
        "classes",
        "weights",
    )

    def __init__(
        self,
        classes: Sequence[Category],
        bias: Sequence[float],
        weights: Mapping[str, Sequence[float]],
        *,
        scale: float = 1.0,
    ) -> None:
        self.classes: tuple[Category, ...] = tuple(classes)
        self.bias: tuple[float, ...] = tuple(b / scale for b in bias)
        if len(self.bias) != len(self.classes) or any(
            len(w) != len(self.classes) for w in weights.values()
        ):
            raise ModelFileError("classifier weights do not match the class list")
        self.weights: dict[str, tuple[float, ...]] = {
            k: tuple(x / scale for x in v) for k, v in weights.items()
        }
        self._pack(weights, scale)

    def _pack(self, raw: Mapping[str, Sequence[float]], scale: float) -> None:
        integral = all(float(x).is_integer() for v in raw.values() for x in v)
        factor = 1 if integral else _QUANTUM
        ints = {k: [round(x * factor) for x in v] for k, v in raw.items()}
        self._unit = 1.0 / (scale * factor)
        top = max((abs(x) for v in ints.values() for x in v), default=0)
        self._offset = 1 << (top.bit_length() + 1)  # every field value + offset is >= 0
        # Room for 2**24 features per text without carries between fields.
        self._field = self._offset.bit_length() + 25
        self._mask = (1 << self._field) - 1
        self._count_shift = self._field * len(self.classes)
        self._tables: dict[str, dict[str, int]] = {kind: {} for kind in _KINDS}
        n = len(self.classes)
        # kind → per class: {feature: (label, weight minus the class average)}, only where that
        # difference is positive (the only features that can be evidence for the class).
        self._evidence: dict[str, list[dict[str, tuple[str, float]]]] = {
            kind: [{} for _ in range(n)] for kind in _EVIDENCE_KINDS
        }
        for name, vec in ints.items():
            kind, sep, body = name.partition(":")
            table = self._tables.get(kind)
            if not sep or table is None:
                continue  # a kind the featuriser never produces
            packed = 1 << self._count_shift
            for i, x in enumerate(vec):
                packed |= (x + self._offset) << (i * self._field)
            key = name if kind == "m" else body  # meta features are looked up by full name
            table[key] = packed
            label = _readable(name)
            if label is not None and kind in self._evidence:
                real = self.weights[name]
                mean = sum(real) / n
                for i, w in enumerate(real):
                    if w - mean > 0:
                        self._evidence[kind][i][key] = (label, w - mean)

    def _unpack(self, total: int) -> list[int]:
        """Per-class sums of the raw weights packed into ``total``."""
        count = total >> self._count_shift
        base = count * self._offset
        field, mask = self._field, self._mask
        return [((total >> (i * field)) & mask) - base for i in range(len(self.classes))]

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
            return cls(classes, bias, raw, scale=scale)
        except (KeyError, TypeError, ValueError, AssertionError) as exc:
            raise ModelFileError(f"malformed classifier weights: {exc!r}") from exc

    def logits(self, feats: Mapping[str, float]) -> list[float]:
        """Bias plus the weighted sum of the known features (unknown features are ignored).

        The reference implementation over a :func:`~.textfeatures.features` dict; the
        classifier itself uses the packed tables (:meth:`token_logits`), which agree with it.
        """
        acc = list(self.bias)
        n = len(acc)
        get = self.weights.get
        for name, value in feats.items():
            w = get(name)
            if w is not None:
                for i in range(n):
                    acc[i] += w[i] * value
        return acc

    def token_logits(self, ts: TokenSets, meta: Sequence[str]) -> tuple[list[float], float]:
        """Logits of a text from its token sets and meta features, and the token value
        ``1/sqrt(n)``: the same numbers as ``logits(features(text))``, computed with one dict
        lookup per distinct feature."""
        t = self._tables
        zero = repeat(0)
        total = (
            sum(map(t["w"].get, ts.words, zero))
            + sum(map(t["b"].get, ts.bigrams, zero))
            + sum(map(t["c"].get, ts.grams, zero))
            + sum(map(t["z"].get, ts.chars, zero))
            + sum(map(t["y"].get, ts.pairs, zero))
        )
        n = ts.size()
        value = 1.0 / math.sqrt(n) if n else 0.0
        unit = self._unit
        tok = self._unpack(total) if total else [0] * len(self.classes)
        acc = [b + x * unit * value for b, x in zip(self.bias, tok, strict=True)]
        mt = t["m"]
        meta_total = sum(map(mt.get, meta, zero))
        if meta_total:
            acc = [a + x * unit for a, x in zip(acc, self._unpack(meta_total), strict=True)]
        return acc, value

    def evidence(
        self, ts: TokenSets, meta: Sequence[str], value: float, idx: int, k: int = 4
    ) -> list[str]:
        """The k readable features that most favour class ``idx`` over the average class."""
        ev = self._evidence
        scored: list[tuple[float, str]] = []
        for kind, names, v in (
            ("w", ts.words, value),
            ("b", ts.bigrams, value),
            ("z", ts.chars, value),
            ("y", ts.pairs, value),
            ("m", meta, 1.0),
        ):
            table = ev[kind][idx]
            if not names or not table:
                continue
            for name in table.keys() & names:
                label, centred = table[name]
                margin = centred * v
                if margin > 0:
                    scored.append((margin, label))
        scored.sort(reverse=True)
        return [label for _, label in scored[:k]]


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


def strip_prefixes(text: str) -> tuple[str, bool, bool]:
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


class Classifier:
    """Classifies task texts with one :class:`LinearModel` plus the hand rules."""

    def __init__(self, model: LinearModel) -> None:
        self.model = model

    def classify(self, text: str) -> Classification:
        """Classify ``text`` (see the module docstring for the steps). Not cached.

        Raises :class:`InvalidParam` (field ``task``) for empty or whitespace-only text, also
        when only an override prefix was given. Never raises for any other string.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidParam("task must be a non-empty string", field="task")
        rest, flagship, lightweight = strip_prefixes(text)
        if not rest.strip():
            raise InvalidParam("task is empty after its override prefix", field="task")
        fired = [name for name, on in (("flagship", flagship), ("lightweight", lightweight)) if on]

        named = _CATEGORY_ALIASES.get(" ".join(normalize(rest).split())) if len(rest) < 64 else None
        if named is not None:
            onehot = {c: (1.0 if c == named else 0.0) for c in CATEGORIES}
            norm = normalize(rest)
            level = complexity(rest, norm, set(tokens(norm)), named)
            return Classification(
                category=named,
                confidence=1.0,
                scores=onehot,
                signals=detect_signals(rest, named).model_copy(
                    update={"flagship": flagship, "lightweight": lightweight, "complexity": level}
                ),
                override="+".join(["category", *fired]),
                reason=f"the task names the category {named!r}",
            )
        return self._classify_text(rest, flagship, lightweight, fired)

    def _classify_text(
        self, text: str, flagship: bool, lightweight: bool, fired: list[str]
    ) -> Classification:
        model = self.model
        # One normalisation and one tokenisation serve the features, the rules and the signals
        # (for an over-long text each looks at its own window, as its module documents).
        raw = clip(text)
        norm = normalize(raw)
        ts = token_sets(norm)
        meta = meta_features(raw, ts.cjk, norm)
        logits, value = model.token_logits(ts, meta)
        if len(text) <= MAX_CHARS and len(text) <= RULE_CHARS:
            head_norm, head_words, head_cjk = norm, ts.raw_words, ts.cjk
        else:
            head_norm = normalize(text[:RULE_CHARS])
            head_ts = token_sets(head_norm)
            head_words, head_cjk = head_ts.raw_words, head_ts.cjk
        rules: list[str] = []
        backed: set[str] = set()  # categories a rule spoke for
        for cat, boost, label in boosts(text[:RULE_CHARS], head_norm, head_words, head_cjk):
            if cat in model.classes:
                logits[model.classes.index(cat)] += boost
                rules.append(label)
                if boost > 0:
                    backed.add(cat)
        probs = _softmax(logits)
        idx = max(range(len(probs)), key=probs.__getitem__)
        category: Category = model.classes[idx]
        confidence = probs[idx]
        scores = dict.fromkeys(CATEGORIES, 0.0)
        scores.update({c: round(p, 4) for c, p in zip(model.classes, probs, strict=True)})

        evidence = model.evidence(ts, meta, value, idx)
        unsure: str | None = None
        if (
            not evidence
            and category not in backed
            and category != "general"
            and confidence < UNSURE
            and "general" in model.classes
        ):
            # Nothing readable speaks for the winner: it won on priors and sub-word noise. A
            # general assistant is the catch-all category ("everything else").
            unsure = f"no clear evidence; the model leaned {category} at p={confidence:.2f}"
            idx = model.classes.index("general")
            category = model.classes[idx]
            confidence = probs[idx]
            evidence = []
        reason = f"{category} (p={confidence:.2f})"
        if evidence:
            reason += ": " + ", ".join(repr(e) for e in evidence)
        if rules:
            reason += "; rules: " + ", ".join(rules)
        if unsure:
            reason += f" ({unsure})"

        if (
            lightweight
            and category != "fast-cheap"
            and (category == "general" or confidence < LIGHTWEIGHT_KEEP)
        ):
            reason = f"fast-cheap (L: hint; model said {reason})"
            category = "fast-cheap"
            # The user's hint decides here; report at least an even-odds confidence.
            confidence = max(scores["fast-cheap"], 0.5)

        level = complexity(text, head_norm, head_words, category, code_look=CODE_LOOK in rules)
        if len(text) <= LONG_TEXT_CHARS and len(text) <= RULE_CHARS:
            sig = signals(
                text,
                head_norm,
                head_words,
                head_cjk,
                category,
                flagship=flagship,
                lightweight=lightweight,
                complexity=level,
            )
        else:
            sig = detect_signals(text, category).model_copy(
                update={"flagship": flagship, "lightweight": lightweight, "complexity": level}
            )
        return Classification(
            category=category,
            confidence=round(min(max(confidence, 0.0), 1.0), 4),
            scores=scores,
            signals=sig,
            override="+".join(fired) or None,
            reason=reason,
        )


#: Texts up to this long are memoised by :func:`classify` (agents re-send identical tasks).
CACHE_MAX_CHARS: Final = 8000
CACHE_SIZE: Final = 4096


@cache
def _default() -> Classifier:
    return Classifier(load_model())


@lru_cache(maxsize=CACHE_SIZE)
def _classify_cached(text: str) -> Classification:
    return _default().classify(text)


def classify(text: str) -> Classification:
    """Classify a task text with the bundled model (see the module docstring).

    Results for texts up to :data:`CACHE_MAX_CHARS` are memoised (LRU, :data:`CACHE_SIZE`
    entries); the returned :class:`Classification` is immutable and may be shared.

    Raises :class:`InvalidParam` for empty/whitespace text; ``ModelFileError`` only if the
    package's weights file is broken.
    """
    if isinstance(text, str) and len(text) <= CACHE_MAX_CHARS:
        return _classify_cached(text)
    return _default().classify(text)
