"""Task complexity: how likely a cheap model falls short on a task, in [0, 1].

Contract: :func:`complexity` maps a task (its text, normalised text, word tokens and the
classifier's category) to a number in [0, 1]. Higher means a small, cheap model is
more likely to fail and a flagship model more likely to be worth its price. It is a *routing
score*: its order is what matters (see ``bench/complexity_curve.py``), and the ``auto`` budget
(:mod:`smart_spawn_plugin.engine.select.budget`) cuts it into tiers.

The score is a logistic model over a few generic prompt features — never words of a particular
benchmark or subject:

* **learned terms** (:data:`LEARNED_NAMES`; weights in ``data/classifier/complexity.json``,
  fitted by ``scripts/train_complexity.py`` on the RouteLLM MMLU routing data in
  ``../shared/data/routing``, target "a strong call pays off": the strong model right, the weak
  one wrong): the bias and the prompt length. Richer fitted feature sets (digits, maths symbols,
  technical vocabulary, category probabilities) routed MMLU well in-sample but *worse than
  length alone* with whole subjects held out, so they are not used: they learn MMLU subjects,
  not difficulty. A "reasoning task" prior was dropped too: on MMLU the prompts classified as
  reasoning are where a strong call pays off *least* (both models miss the maths);
* **prior terms** (:data:`PRIOR`, set by hand, not fitted to any benchmark): demanding verbs and
  objects ("prove", "formalise", "architecture", "deadlock"), several sub-tasks in one ask,
  explicit constraints, code or coding, research and long documents push it up;
  chit-chat, one-line look-ups and short pieces of writing push it down.

Pure functions over precomputed parts, no I/O; cost is a few regex scans of the text head.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from functools import cache
from importlib import resources
from typing import Final

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.models import Category

from .textfeatures import looks_like_code


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Characters of the task the features look at (the instruction is at the start).
HEAD_CHARS: Final = 4000

#: The learned weights: package data written by ``scripts/train_complexity.py``.
WEIGHTS_FILE: Final = "complexity.json"
#: Names of the learned terms (the file's ``weights`` keys, plus ``bias``).
LEARNED_NAMES: Final = ("length",)

#: Hand-set weights for what the MMLU questions cannot teach (not tuned on any benchmark).
PRIOR: Final[dict[str, float]] = {
    "demanding": 0.9,  # per demanding term, up to 3
    "subtasks": 0.45,  # per extra sub-task marker, up to 4
    "constraints": 0.3,  # per explicit constraint, up to 3
    "code": 0.6,  # code in the task or a coding task
    "research": 0.9,  # investigate and synthesise
    "long_document": 1.5,  # a long input to read
    "chat": -2.5,  # greetings, thanks, a word or two
    "lookup": -0.8,  # a one-line factual question
    "creative_short": -0.4,  # a short piece of writing
}

#: Verbs and objects that make a task hard for a small model, whatever the topic.
_DEMANDING: Final = _words(
    "prove proof proofs formalise formalize formalised formalized formally rigorous "
    "rigorously derive derivation theorem theorems lemma invariant invariants lean coq "
    "isabelle tla verify verification optimal optimise optimize optimization optimisation "
    "complexity asymptotic architecture architect distributed concurrency concurrent "
    "deadlock deadlocks race lock-free consensus scalable scalability threat security "
    "vulnerability cryptographic compiler kernel tradeoff tradeoffs trade-offs "
    "counterexample edge cases refactor migrate novel research synthesise synthesize "
    "comprehensive exhaustive in-depth thorough step-by-step"
)
#: Words that add a sub-task ("then", "also", "finally") or a constraint ("must", "without").
_SUBTASK_WORDS: Final = _words("then finally next also additionally afterwards subsequently")
_SUBTASK_ZH: Final = ("然后", "接着", "最后", "并且", "同时")
_LIST_LINE_RE: Final = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+", re.MULTILINE)
_CONSTRAINT_WORDS: Final = _words(
    "must without exactly ensure guarantee constraint constraints requirement requirements strictly"
)
_CONSTRAINT_ZH: Final = ("必须", "不得", "至少", "至多", "不超过")
#: Gate words of a long input ("300-page", "the whole transcript").
_LONG_DOC_GATE: Final = _words(
    "page pages whole entire full book novel transcript thesis manuscript contract"
)
_LONG_DOC_RE: Final = re.compile(
    r"\b(?:[2-9]\d|[1-9]\d{2,})\s*[- ]?pages?\b|\b(?:whole|entire|full)\s+(?:book|novel|"
    r"report|transcript|thesis|manuscript|contract|document|codebase|repo|repository)\b"
)
_LONG_DOC_ZH_RE: Final = re.compile(r"(?:[2-9]\d|\d{3,})\s*页|整个(?:代码库|仓库|项目|文档)|全书")
_LOOKUP_OPENERS: Final = _words("who what when where which name list define")
_CHAT_WORDS: Final = _words(
    "hello hi hey hiya howdy yo greetings thanks thank thx ty morning evening bye goodbye "
    "cheers ok okay ping"
)
_CHAT_ZH: Final = ("你好", "您好", "谢谢", "早上好", "晚上好", "在吗", "再见", "嗨")


def _cap(x: float, top: float) -> float:
    return min(x, top)


def features(
    text: str,
    norm: str,
    words: AbstractSet[str],
    category: Category,
    *,
    code_look: bool | None = None,
) -> dict[str, float]:
    """The feature values of a task (names as in :data:`LEARNED_NAMES` and :data:`PRIOR`).

    ``norm`` is the NFKC-lower-cased text head, ``words`` its Latin word tokens and ``category``
    the classifier's answer. ``code_look`` (the head :func:`~.textfeatures.looks_like_code`) is
    computed when not given: the classifier passes the verdict it already has.
    """
    n = len(text)
    cjk = not norm.isascii()
    lines = "\n" in norm
    demanding = len(words & _DEMANDING)
    if "step by step" in norm or (cjk and ("逐步" in norm or "证明" in norm or "形式化" in norm)):
        demanding += 1
    subtasks = len(words & _SUBTASK_WORDS)
    constraints = len(words & _CONSTRAINT_WORDS)
    if lines:
        subtasks += len(_LIST_LINE_RE.findall(norm))
    if cjk:
        subtasks += sum(1 for w in _SUBTASK_ZH if w in norm)
        constraints += sum(1 for w in _CONSTRAINT_ZH if w in norm)
    long_doc = (
        n > 20_000
        or (not words.isdisjoint(_LONG_DOC_GATE) and _LONG_DOC_RE.search(norm) is not None)
        or (cjk and _LONG_DOC_ZH_RE.search(norm) is not None)
    )
    if code_look is None:
        code_look = looks_like_code(text[:HEAD_CHARS])
    stripped = norm.strip()
    chat = (len(words) <= 4 and not words.isdisjoint(_CHAT_WORDS)) or (
        len(stripped) <= 12 and stripped.startswith(_CHAT_ZH)
    )
    tiny = n <= 3 and not any(ch.isdigit() for ch in text)
    opener = stripped.split(" ", 1)[0] if stripped else ""
    lookup = (
        category in ("fast-cheap", "general")
        and n < 120
        and opener in _LOOKUP_OPENERS
        and stripped.count("?") <= 1
        and demanding == 0
    )
    return {
        "length": math.log1p(n) / math.log(4000.0),
        "demanding": _cap(demanding, 3),
        "subtasks": _cap(subtasks, 4),
        "constraints": _cap(constraints, 3),
        "code": 1.0 if category == "coding" or code_look else 0.0,
        "research": 1.0 if category == "research" else 0.0,
        "long_document": 1.0 if long_doc else 0.0,
        "chat": 1.0 if chat or tiny else 0.0,
        "lookup": 1.0 if lookup else 0.0,
        "creative_short": 1.0 if category == "creative" and n < 200 else 0.0,
    }


class ComplexityWeightsError(SmartSpawnError):
    """The bundled complexity weights are missing or malformed (a packaging bug)."""

    code = "COMPLEXITY_MODEL"


@cache
def learned() -> dict[str, float]:
    """The learned weights (``bias`` + :data:`LEARNED_NAMES`), read once from package data."""
    ref = resources.files("smart_spawn_plugin").joinpath("data", "classifier", WEIGHTS_FILE)
    try:
        payload = json.loads(ref.read_text(encoding="utf-8"))
        weights = {k: float(v) for k, v in payload["weights"].items()}
        weights["bias"] = float(payload["bias"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ComplexityWeightsError(f"cannot read complexity weights: {exc!r}") from exc
    unknown = set(weights) - {"bias", *LEARNED_NAMES}
    if unknown:
        raise ComplexityWeightsError(f"unknown complexity features: {sorted(unknown)}")
    return weights


def prior_logit(feats: Mapping[str, float]) -> float:
    """The hand-set part of the logit (:data:`PRIOR`)."""
    return sum(value * PRIOR[name] for name, value in feats.items() if name in PRIOR)


def score(feats: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The complexity of a task from its :func:`features`: a logistic of the learned terms
    (``weights``, the bundled ones by default) plus the prior terms, rounded to 3 dp."""
    w = learned() if weights is None else weights
    z = w.get("bias", 0.0) + prior_logit(feats)
    z += sum(feats[name] * w.get(name, 0.0) for name in LEARNED_NAMES if name in feats)
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 3)


def complexity(
    text: str,
    norm: str,
    words: AbstractSet[str],
    category: Category,
    *,
    code_look: bool | None = None,
) -> float:
    """How likely a cheap model falls short on the task, in [0, 1] (see module docstring and
    :func:`features` for the arguments)."""
    return score(features(text, norm, words, category, code_look=code_look))
