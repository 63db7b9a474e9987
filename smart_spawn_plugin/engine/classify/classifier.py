"""Task text → category, confidence, per-category scores and routing signals.

Public API::

    classify(text) -> Classification        # the bundled model, loaded lazily once
    Classifier(model).classify(text)        # any .model.LinearModel (bench folds use this)

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
5. **Hand rules** (:mod:`.rules`, :mod:`.intents`) add to the logits where text shape is
   decisive and data is thin: code-looking text, programming terms and engineering imperatives
   on a software object ("Build the parser") → coding; maths terms → reasoning; a deictic
   reference to a visual ("this screenshot", "in the image", 图中) → vision, unless the image is
   to be *made* ("generate an image of …" → creative); slide decks to make → creative;
   literature reviews → research; translation → fast-cheap.
6. **Softmax** gives ``scores`` (sum to 1) and ``confidence`` (the winner's probability).
   With embedding heads (:mod:`.embedding`, setting ``embeddings``; installed with
   ``smart-spawn[embed]``) each head's probabilities multiply these and are renormalised; a
   head that cannot answer (timeout, missing package) is left out and the reason says so.
   When the winner has no readable evidence, no rule spoke for it and it is unsure (< 0.6), the
   likeliest category a rule spoke for wins instead, else ``general`` (the catch-all).
7. **Lightweight hint.** With ``L:``, unless the model is confident (≥ 0.6) in a specific category,
   the result is ``fast-cheap``.

The linear model and its weights live in :mod:`.model`. The weights are package data
(``data/classifier/model.bin``, pre-packed) fitted by
``scripts/train_classifier.py`` on permissively licensed rows only (``data/classifier/SOURCES.md``).
Importing this module reads nothing; the first :func:`classify` call loads the weights.

Speed: one normalisation and one tokenisation per call serve features, rules and signals; the
weights are packed one integer per feature, so the logits are a C-level ``sum`` over dict lookups
(exactly the numbers of :meth:`LinearModel.logits` over :func:`.textfeatures.features`); English
rule regexes only run when a guard token is present. :func:`classify` memoises results per text
(LRU); ``Classifier.classify`` never caches (the benchmarks time it as the cold path).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.models import CATEGORIES, Category

from .complexity import complexity
from .embedding import EmbeddingHead, EmbeddingUnavailable, heads_for
from .model import LinearModel, load_model
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
    clip,
    meta_features,
    normalize,
    token_sets,
    tokens,
)

__all__ = [
    "Classification",
    "Classifier",
    "Signals",
    "classify",
    "defer_heads",
    "detect_signals",
    "preload_heads",
    "reset",
    "strip_prefixes",
]


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
    heads_missing: bool = Field(
        default=False,
        exclude=True,
        description="An embedding head could not answer (so :func:`classify` does not memoise).",
    )


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


class Classifier:
    """Classifies task texts with one :class:`LinearModel`, the hand rules and any embedding
    heads (:mod:`.embedding`; none by default)."""

    def __init__(self, model: LinearModel, heads: Sequence[EmbeddingHead] = ()) -> None:
        self.model = model
        self.heads = tuple(heads)
        # per head: the head's index of each of the model's classes
        self._head_order = [[h.head.classes.index(c) for c in model.classes] for h in self.heads]

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
        heard, unheard = self._add_heads(text, probs) if self.heads else ([], [])
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
            # Nothing readable speaks for the winner: it won on priors and sub-word noise. A rule
            # that spoke for a category is readable evidence, so the likeliest such category
            # wins; without one, a general assistant is the catch-all ("everything else").
            unsure = f"no clear evidence; the model leaned {category} at p={confidence:.2f}"
            fallback = max(
                (c for c in model.classes if c in backed),
                key=lambda c: probs[model.classes.index(c)],
                default="general",
            )
            idx = model.classes.index(fallback)
            category = model.classes[idx]
            confidence = probs[idx]
            evidence = []
        reason = f"{category} (p={confidence:.2f})"
        if evidence:
            reason += ": " + ", ".join(repr(e) for e in evidence)
        if rules:
            reason += "; rules: " + ", ".join(rules)
        if heard:
            reason += "; embeddings: " + ", ".join(heard)
        if unheard:
            reason += "; without " + "; ".join(unheard)
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
            heads_missing=bool(unheard),
        )

    def _add_heads(self, text: str, probs: list[float]) -> tuple[list[str], list[str]]:
        """Multiply ``probs`` (in place, renormalised) by each head's probabilities: a product
        of experts in log space. Returns the heads heard and the unavailable ones (why)."""
        logp = [math.log(max(p, 1e-12)) for p in probs]
        heard: list[str] = []
        unheard: list[str] = []
        for head, order in zip(self.heads, self._head_order, strict=True):
            try:
                values = head.log_probs(text)
            except EmbeddingUnavailable as exc:
                unheard.append(f"{head.name} ({exc})")
                continue
            for i, j in enumerate(order):
                logp[i] += values[j]
            heard.append(head.name)
        if heard:
            probs[:] = _softmax(logp)
        return heard, unheard


#: Texts up to this long are memoised by :func:`classify` (agents re-send identical tasks).
CACHE_MAX_CHARS: Final = 8000
CACHE_SIZE: Final = 4096


@cache
def _default() -> Classifier:
    # The embedding heads follow the ``embeddings`` setting (environment or config file);
    # :func:`reset` re-reads it.
    from smart_spawn_plugin.settings import load_settings

    return Classifier(load_model(), heads_for(load_settings()))


def defer_heads() -> None:
    """Load the default classifier but not its embedding engines: until :func:`preload_heads`
    has loaded them, tasks are classified without them (and say so); those answers are not
    memoised. The server defers them until after its first response."""
    for head in _default().heads:
        head.defer()


def preload_heads() -> None:
    """Start loading the default classifier's embedding engines in the background."""
    for head in _default().heads:
        head.preload()


def reset() -> None:
    """Forget the default classifier and memoised results (after a settings change)."""
    _classify_cached.cache_clear()
    _default.cache_clear()


class _Unmemoised(Exception):
    """Carries a result that must not be memoised (``lru_cache`` never stores an exception)."""

    def __init__(self, result: Classification) -> None:
        self.result = result


@lru_cache(maxsize=CACHE_SIZE)
def _classify_cached(text: str) -> Classification:
    result = _default().classify(text)
    if result.heads_missing:
        # Answered without a head that may answer later (an endpoint still fitting or down
        # for a moment): the next call classifies again instead of keeping this answer.
        raise _Unmemoised(result)
    return result


def classify(text: str) -> Classification:
    """Classify a task text with the bundled model (see the module docstring).

    Results for texts up to :data:`CACHE_MAX_CHARS` are memoised (LRU, :data:`CACHE_SIZE`
    entries), except one given while an embedding head could not answer; the returned
    :class:`Classification` is immutable and may be shared.

    Raises :class:`InvalidParam` for empty/whitespace text; ``ModelFileError`` only if the
    package's weights file is broken.
    """
    if isinstance(text, str) and len(text) <= CACHE_MAX_CHARS:
        try:
            return _classify_cached(text)
        except _Unmemoised as partial:
            return partial.result
    return _default().classify(text)
