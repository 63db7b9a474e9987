"""Intent rules for the task classifier: boosts from what a task asks for, not its topic.

Contract: :func:`intent_boosts` returns logit boosts ``(category, boost, label)`` from the task's
opening verb and its audience — tests to write → coding; an explanation for a lay audience or
chit-chat → general; a short transformation ("classify", "extract") or a summary → fast-cheap,
unless the source is a long document (→ general); a decision to weigh or a question to
investigate → research; explicit step-by-step thinking → reasoning. :func:`.rules.boosts` adds
them to its own (topic and text-shape) boosts.

Like :mod:`.rules`, everything matches whole tokens or anchored phrases on NFKC-lower-cased
text, and English regexes only run when a guard token is present. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Final

from smart_spawn_plugin.models import Category

from .textfeatures import vocab

#: Tests to write or fix are code, whatever the verb ("Write the tests", "add unit tests").
TESTS_BOOST: Final = 2.5
_TESTS_RE: Final = re.compile(
    r"\b(?:write|add|create|generate|fix|update|run|extend|cover|improve)\s+(?:\w+\s+){0,3}?"
    r"(?:tests?|test\s+cases?|test\s+suites?|unit\s+tests?|specs?|assertions?)\b"
    r"|\b(?:unit|integration|regression|e2e|end-to-end|property-based|snapshot)\s+tests?\b"
)
_TESTS_GATE: Final = vocab("test tests spec specs assertions assertion")
_TESTS_ZH_RE: Final = re.compile(r"(?:写|编写|补充|添加|增加)(?:一些|几个)?(?:单元)?测试")
#: An explanation pitched at a lay audience is a general question even when its topic is
#: technical ("Explain recursion to a child", "ELI5 how TLS works").
AUDIENCE_BOOST: Final = 2.5
_AUDIENCE_RE: Final = re.compile(
    r"\b(?:to|for)\s+(?:a|an|my)?\s*(?:\d+|five|ten|\w+)?[- ]?(?:year[- ]old|child|children|"
    r"kid|kids|beginner|beginners|layman|laymen|layperson|grandma|grandmother|non-?technical)\b"
    r"|\blike\s+i'?m\s+(?:five|5|a\s+child)\b|\beli5\b|\bin\s+(?:simple|plain|layman'?s)\s+"
    r"(?:terms|english|words|language)\b"
)
_AUDIENCE_GATE: Final = vocab(
    "child children kid kids beginner beginners layman laymen layperson grandma grandmother "
    "nontechnical non eli5 five simple plain"
)
_AUDIENCE_ZH_RE: Final = re.compile(
    r"(?:给|向|对)(?:一个)?(?:小孩|孩子|小朋友|外行|初学者|老人)|通俗(?:易懂)?地"
)
#: Chit-chat or too little text to tell: a general assistant's job ("hello", "x", "thanks").
CHAT_BOOST: Final = 3.0
_GREETINGS: Final = vocab(
    "hello hi hey hiya howdy yo greetings thanks thank thx ty morning evening afternoon bye "
    "goodbye cheers sup ok okay test testing ping"
)
_GREETINGS_ZH: Final = ("你好", "您好", "谢谢", "早上好", "晚上好", "在吗", "再见", "嗨")
#: A verb that opens a short, well-defined transformation: a small model's job.
SHORT_TASK_BOOST: Final = 1.75
_SHORT_TASK_VERBS: Final = vocab(
    "classify categorize categorise label tag extract proofread paraphrase rephrase reword "
    "spellcheck detect identify"
)
#: Summaries: short work for a small model, unless the source is long (then it needs a
#: long-context, capable model: general).
SUMMARY_BOOST: Final = 1.5
LONG_DOC_BOOST: Final = 1.5
_SUMMARY_VERBS: Final = vocab("summarize summarise summarized summarised tldr condense")
_SUMMARY_ZH_RE: Final = re.compile(r"总结|概括|摘要|归纳|概述")
#: A question to investigate and weigh: research ("Research auth libraries", "evaluate
#: whether we should build or buy …").
INVESTIGATE_BOOST: Final = 1.75
_INVESTIGATE_VERBS: Final = vocab("research investigate survey scout")
_DECISION_RE: Final = re.compile(
    r"\b(?:evaluate|assess|determine|analy[sz]e|weigh|decide)\s+(?:whether|if)\b"
    r"|\bbuild\s+(?:or|vs\.?|versus)\s+buy\b|\bbuy\s+(?:or|vs\.?|versus)\s+build\b"
    r"|\bmake\s+(?:or|vs\.?)\s+buy\b"
)
_DECISION_GATE: Final = vocab("whether buy")
DECISION_BOOST: Final = 2.5
#: Explicit step-by-step thinking is reasoning ("think step by step about why …").
STEPWISE_BOOST: Final = 2.5
_STEPWISE_RE: Final = re.compile(
    r"\bstep[- ]by[- ]step\b|\bthink\s+(?:carefully|hard|deeply|it\s+through)\b"
    r"|\breason\s+(?:through|about|carefully)\b|\bwhy\s+(?:\w+\s+){0,6}(?:deadlocks?|races?)\b"
)
_STEPWISE_GATE: Final = vocab("step think reason deadlock deadlocks race races")
_STEPWISE_ZH_RE: Final = re.compile(r"一步一步|逐步|分步|仔细想")
#: Documents long enough to need a long context ("this 300-page PDF").
_LONG_DOC_RE: Final = re.compile(
    r"\b(?:this|that|the|these|attached|uploaded|following|our|my|whole|entire|full)\s+"
    r"(?:[2-9]\d|[1-9]\d{2,})\s*[- ]?pages?\b"
    r"|\b(?:whole|entire|full)\s+(?:book|novel|report|transcript|thesis|manuscript|contract|"
    r"document|pdf)\b"
)
_LONG_DOC_GATE: Final = vocab("page pages whole entire full")
_LONG_DOC_ZH_RE: Final = re.compile(r"(?:[2-9]\d|\d{3,})\s*页|全书|长文档|长文本")


def intent_boosts(
    norm: str, words: AbstractSet[str], cjk: bool, lead: list[str]
) -> list[tuple[Category, float, str]]:
    """Boosts from what the task asks for (its verb and audience), not its topic."""
    out: list[tuple[Category, float, str]] = []
    opener = lead[:1]
    if (not words.isdisjoint(_TESTS_GATE) and _TESTS_RE.search(norm)) or (
        cjk and _TESTS_ZH_RE.search(norm)
    ):
        out.append(("coding", TESTS_BOOST, "tests to write"))
    if (not words.isdisjoint(_AUDIENCE_GATE) and _AUDIENCE_RE.search(norm)) or (
        cjk and _AUDIENCE_ZH_RE.search(norm)
    ):
        out.append(("general", AUDIENCE_BOOST, "explanation for a lay audience"))
    stripped = norm.strip()
    if len(words) <= 4 and (
        not words.isdisjoint(_GREETINGS) or (cjk and stripped.startswith(_GREETINGS_ZH))
    ):
        out.append(("general", CHAT_BOOST, "chit-chat"))
    elif not cjk and not any(len(w) > 1 and not w.isdigit() for w in words):
        out.append(("general", CHAT_BOOST, "too little text to tell"))
    if not _SHORT_TASK_VERBS.isdisjoint(opener):
        out.append(("fast-cheap", SHORT_TASK_BOOST, f"short task ({opener[0]})"))
    summary = not _SUMMARY_VERBS.isdisjoint(opener) or (
        cjk and _SUMMARY_ZH_RE.search(norm[:24]) is not None
    )
    long_doc = (not words.isdisjoint(_LONG_DOC_GATE) and _LONG_DOC_RE.search(norm) is not None) or (
        cjk and _LONG_DOC_ZH_RE.search(norm) is not None
    )
    if long_doc:
        # Too long for a small model, and a document (pages, a contract) is not code.
        out.append(("general", LONG_DOC_BOOST, "long document to read"))
        out.append(("fast-cheap", -LONG_DOC_BOOST, "too long for a small model"))
        out.append(("coding", -LONG_DOC_BOOST, "a document, not code"))
    elif summary:
        out.append(("fast-cheap", SUMMARY_BOOST, "summary"))
    if not words.isdisjoint(_DECISION_GATE) and _DECISION_RE.search(norm):
        out.append(("research", DECISION_BOOST, "decision to weigh"))
    elif not _INVESTIGATE_VERBS.isdisjoint(opener):
        out.append(("research", INVESTIGATE_BOOST, "question to investigate"))
    if (not words.isdisjoint(_STEPWISE_GATE) and _STEPWISE_RE.search(norm)) or (
        cjk and _STEPWISE_ZH_RE.search(norm)
    ):
        out.append(("reasoning", STEPWISE_BOOST, "step-by-step reasoning"))
        # "think step by step …" is a demand for worked reasoning, not conversation.
        out.append(("general", -STEPWISE_BOOST / 2, "not small talk"))
    return out
