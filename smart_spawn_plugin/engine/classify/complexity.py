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
  rare-word share, sentence counts, negations, category probabilities) routed MMLU *worse than
  length alone* with whole subjects held out, so they are not used: they learn MMLU subjects,
  not difficulty;
* **prior terms** (:data:`PRIOR`, set by hand, not fitted to any benchmark) read *what the task
  asks*, not what it is about: demanding asks ("prove", "formalise", "derive", "optimise",
  "refactor", "step by step", "edge cases"), extra steps ("…, then add tests"), explicit
  constraints ("do not use …", "at most 100 words", "must handle …"), code, an ask to
  investigate sources, and long documents push it up; chit-chat, one-line look-ups and short
  pieces of writing push it down. Topic words ("security", "kernel", "research", "race") and
  bare connectives ("then", "also", "must") are *not* counted: they are as frequent in a
  question about a field, or in a pasted passage, as in a hard ask, and counting them routed
  MMLU worse than length (they re-rank prompts by topic and, again, by length). The category
  only enters through "code" (a coding task), "look-up" and "short writing"; the ``auto``
  budget applies its own category shift on top.

With whole MMLU subjects held out, this score routes at least as well as prompt length
(``bench/complexity_curve.py``, figures in ``docs/complexity.md``).

Pure functions over precomputed parts, no I/O. Every regex runs only behind a token gate (a set
intersection with the task's words), so a typical task costs a few set operations and
substring checks — tens of µs at most, on every pick.
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
    "research": 0.9,  # an ask to investigate sources and synthesise them
    "long_document": 1.5,  # a long input to read
    "chat": -2.5,  # greetings, thanks, a word or two
    "lookup": -0.8,  # a one-line factual question
    "creative_short": -0.4,  # a short piece of writing
}

#: What the task *asks for* that a small model gets wrong, whatever the topic: proofs and
#: formal work, derivations, optimisation, system design, exhaustive or in-depth treatment.
#: Topic nouns ("security", "threat", "kernel", "research", "race") are left out on purpose: a
#: question *about* security is not a demanding ask, and such words fire on knowledge questions
#: of every level (on the MMLU routing data they marked no harder prompts than the rest).
_DEMANDING: Final = _words(
    "prove proofs formalise formalize formalised formalized formally rigorous rigorously "
    "derive derivation lemma invariant invariants coq isabelle verify optimal optimise "
    "optimize optimization optimisation asymptotic architect deadlock deadlocks "
    "linearizable linearisable refactor migrate synthesise synthesize comprehensive exhaustive "
    "thorough counterexample"
)
#: Demanding asks of more than one token (the tokeniser splits at hyphens), looked for only
#: when one of :data:`_DEMANDING_GATE` is a token.
_DEMANDING_PHRASES: Final = (
    "step by step",
    "step-by-step",
    "edge cases",
    "race condition",
    "trade-offs",
    "tradeoffs",
    "time complexity",
    "in lean",
    "lean 4",
    "design the architecture",
    "system design",
    "lock-free",
    "in-depth",
    "tla+",
)
_DEMANDING_GATE: Final = _words(
    "step edge race trade tradeoffs complexity lean architecture design lock depth tla"
)
#: Asks to investigate sources and synthesise them (not the category: a question *about* a
#: field is classified "research" too, and a routing score must not reward topics).
_RESEARCH_PHRASES: Final = (
    "investigate",
    "literature review",
    "review the literature",
    "survey the literature",
    "the literature on",
    "with citations",
    "cite sources",
    "cite your sources",
    "state of the art",
)
_RESEARCH_GATE: Final = _words("investigate literature citations cite state")
_RESEARCH_ZH: Final = ("调研", "文献综述")
#: Verbs that start a step of a task ("…, then *add* tests", "do not *use* globals").
_STEP_VERBS: Final = (
    r"(?:add|write|test|explain|implement|create|make|build|fix|refactor|migrate|compare|"
    r"summari[sz]e|list|prove|formali[sz]e|show|give|generate|translate|deploy|run|update|"
    r"document|return|output|provide|describe|analy[sz]e|evaluate|design|verify|check|"
    r"optimi[sz]e|rewrite|convert|plot|calculate|compute|derive|suggest|recommend|draft|"
    r"review|benchmark|measure|report|include|use|justify|identify|rank|propose|estimate)"
)
#: One more step in the ask: a sequencing word *followed by a task verb* ("…, then add tests",
#: "finally, benchmark it"). A bare "then" or "also" is as common in the prose of a pasted
#: passage or a question as in an ask, and counting it there ranks prompts by length twice.
#: Found as: a gate token of the task → the literals to look for → the step verb right after.
_SUBTASK_MARKERS: Final[dict[str, tuple[str, ...]]] = {
    "then": ("then",),
    "after": ("after that",),
    "finally": ("finally",),
    "additionally": ("additionally",),
    "also": ("also",),
    "next": ("next",),
    "second": ("second",),
    "secondly": ("secondly",),
    "third": ("third",),
    "thirdly": ("thirdly",),
}
_STEP_AFTER_RE: Final = re.compile(r",?\s+(?:please\s+)?" + _STEP_VERBS + r"\b")
_SUBTASK_ZH: Final = ("然后", "接着", "最后", "并且", "同时")
_LIST_LINE_RE: Final = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+", re.MULTILINE)
#: An explicit constraint on the answer: a prohibition of an action, a numeric limit with a
#: unit ("at most 100 words"), a requirement on behaviour ("must handle …", "make sure …").
#: Three patterns, each run only when its gate substring is in the text (they run on every pick).
_PROHIBITION_MARKERS: Final[dict[str, tuple[str, ...]]] = {
    "not": ("do not", "must not"),
    "don": ("don't",),
    "never": ("never",),
    "without": ("without",),
}
_PROHIBITED_AFTER_RE: Final = re.compile(
    r"\s+(?:use|using|include|including|mention|add|change|changing|exceed|exceeding|modify|"
    r"modifying|repeat|call|calling|import|rely|relying|break|breaking|downtime|external|any)\b"
)
_LIMIT_RE: Final = re.compile(
    r"\b(?:at most|at least|exactly|no more than|fewer than|less than|under|within|up to)\s+"
    r"\d+\s*(?:words?|lines?|sentences?|paragraphs?|characters?|chars|items?|bullets?|"
    r"bullet points|tokens?|pages?|steps?|ms|seconds?|minutes?|mb|gb|kb|%)"
)
_REQUIRE_RE: Final = re.compile(
    r"\bmust (?:handle|support|run|use|return|pass|work|stay|remain|compile|scale)\b"
    r"|\bmake sure\b|\bensure (?:that|the|it)\b|\b(?:requirements|constraints):"
)
_DIGIT_RE: Final = re.compile(r"\d")
#: Token gates: each pattern runs only when one of its words is a token of the text.
_LIMIT_GATE: Final = _words("most least exactly than under within up")
_REQUIRE_GATE: Final = _words("must sure ensure requirements constraints")
_DEMANDING_ZH: Final = ("证明", "推导", "形式化", "逐步", "最优", "架构设计", "重构", "死锁")
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


def _count_followed(
    norm: str,
    words: AbstractSet[str],
    markers: Mapping[str, tuple[str, ...]],
    after: re.Pattern[str],
) -> int:
    """How often a marker literal (starting at a word boundary) is directly followed by
    ``after``; only the markers whose gate token is among ``words`` are looked for. Plain
    ``str.find`` plus an anchored match: a scanning regex cost several µs per pick."""
    count = 0
    for token in words & markers.keys():
        for literal in markers[token]:
            start = norm.find(literal)
            while start != -1:
                end = start + len(literal)
                if (start == 0 or not norm[start - 1].isalnum()) and after.match(norm, end):
                    count += 1
                start = norm.find(literal, end)
    return count


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
    if not words.isdisjoint(_DEMANDING_GATE):
        demanding += sum(p in norm for p in _DEMANDING_PHRASES)
    if cjk:
        demanding += sum(w in norm for w in _DEMANDING_ZH)
    subtasks = _count_followed(norm, words, _SUBTASK_MARKERS, _STEP_AFTER_RE)
    constraints = _count_followed(norm, words, _PROHIBITION_MARKERS, _PROHIBITED_AFTER_RE)
    if not words.isdisjoint(_LIMIT_GATE) and _DIGIT_RE.search(norm) is not None:
        constraints += len(_LIMIT_RE.findall(norm))
    if not words.isdisjoint(_REQUIRE_GATE):
        constraints += len(_REQUIRE_RE.findall(norm))
    if lines:
        subtasks += len(_LIST_LINE_RE.findall(norm))
    if cjk:
        subtasks += sum(w in norm for w in _SUBTASK_ZH)
        constraints += sum(w in norm for w in _CONSTRAINT_ZH)
    research = (
        not words.isdisjoint(_RESEARCH_GATE) and any(p in norm for p in _RESEARCH_PHRASES)
    ) or (cjk and any(w in norm for w in _RESEARCH_ZH))
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
        "research": 1.0 if research else 0.0,
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
