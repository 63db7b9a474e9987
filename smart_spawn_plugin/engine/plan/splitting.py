"""Splitting a task into parts (plan and swarm modes).

:func:`split_task` tries, in the original's priority order, the first rule that yields at least
two parts: numbered list (also ``1、`` ``1．`` ``（1）`` ``一、`` ``第一步``), bullets, sequencing
words (then / next / finally / after that / 然后 / 最后 …), coordinated actions ("research
competitors and build a deck": :mod:`.coordination`, also applied inside the parts of the
sequencing-word and semicolon rules; each new part has connector ``"and"``), semicolons, blank
lines. Differences from the original, on purpose:

- only markers at the outermost indentation split, so nested sub-items stay with their parent;
- an intro line before a list that announces it (ends with ``:`` or says "following"/"以下") is
  kept as ``preamble`` context, not turned into a step;
- "next"/"finally" split only at a clause start ("the next version" is not a split point);
- keyword matching uses word boundaries ("core" is not found in "score");
- the number of parts is capped (adjacent parts are merged, with a warning).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from smart_spawn_plugin.engine.plan.coordination import split_coordinated
from smart_spawn_plugin.engine.plan.vocabulary import load_vocabulary

SplitMethod = Literal[
    "numbered", "bullets", "conjunctions", "coordination", "semicolons", "paragraphs", "none"
]


# ------------------------------------------------------------------------------------ splitting
@dataclass(frozen=True)
class Part:
    """One split part: its text and the sequencing word that introduced it, if any."""

    text: str
    connector: str | None = None


_NUMBERED = re.compile(
    r"^(?P<indent>[ \t]*)(?:"
    r"(?:step\s*)?\d{1,3}[.)](?=\s)"  # 1. 1) Step 1.  ("1.5" is no marker: needs a space)
    r"|step\s*\d{1,3}\s*[:：]"  # Step 1:
    r"|\d{1,3}\s*[．、）]"  # 1． 1、 1）
    r"|[(（]\d{1,3}[)）]"  # (1) （1）
    r"|[一二三四五六七八九十]{1,3}\s*[、．.]"  # 一、
    r"|[(（][一二三四五六七八九十]{1,3}[)）]"  # （一）
    r"|第[一二三四五六七八九十\d]{1,3}步[:：、，,]?"  # 第一步
    r")[ \t]*",
    re.MULTILINE | re.IGNORECASE,
)
_BULLET = re.compile(r"^(?P<indent>[ \t]*)[-*•·+][ \t]+", re.MULTILINE)


def _alternation(words: tuple[str, ...], space: str) -> str:
    """``a|b c`` from words, regex-escaped, each space written as ``space``."""
    return "|".join(re.escape(w).replace(r"\ ", space) for w in words)


@dataclass(frozen=True)
class _Cues:
    """The splitting cue patterns, built from ``data/decompose.json`` on first use."""

    intro: re.Pattern[str]
    connector: re.Pattern[str]
    not_then: re.Pattern[str]  # "since then", "by then" … are not sequencing.


@cache
def _cues() -> _Cues:
    words = load_vocabulary().splitting
    intro = tuple(w for w in words.intro_phrases if w.isascii())
    intro_cjk = tuple(w for w in words.intro_phrases if not w.isascii())
    latin = tuple(w for w in words.sequencing_words if w.isascii())
    cjk = tuple(w for w in words.sequencing_words if not w.isascii())
    return _Cues(
        intro=re.compile(
            r"[:：]\s*$|\b(?:" + _alternation(intro, " ") + r")\b|" + _alternation(intro_cjk, " ")
        ),
        connector=re.compile(
            r"(?:(?:^|[,;:.!?，。；：])\s*(?:and\s+)?|\s+and\s+)"
            r"(?P<c>" + _alternation(latin, r"\s+") + r"|second(?:ly)?(?=,)|third(?:ly)?(?=,))"
            r"\b[,，]?\s*"
            r"|(?:^|[,;:.!?，。；：]\s*|\s+)(?P<t>(?:and\s+)?then)\b[,，]?\s+"
            r"|[,;，。；]?\s*(?P<z>" + _alternation(cjk, r"\s+") + r")[,，]?",
            re.IGNORECASE,
        ),
        not_then=re.compile(
            r"\b(?:" + _alternation(words.not_then_words, r"\s+") + r")\s*$", re.IGNORECASE
        ),
    )


_LEADING_ORDINAL = re.compile(
    r"^(?:first(?:ly)?|to (?:start|begin)|首先|第一)\b[,，:：]?\s*|^首先[,，]?", re.IGNORECASE
)
_TRAILING_JOIN = re.compile(r"(?:[\s,;，；]+(?:and|or|but))+\s*[,;，；]?\s*$|[\s,;，；]+$", re.I)


def _clean(text: str) -> str:
    return _TRAILING_JOIN.sub("", text.strip()).strip()


def _split_markers(text: str, pattern: re.Pattern[str]) -> tuple[list[Part], str | None]:
    """Split at outermost-indent markers; return the items and an announcing preamble."""
    marks = list(pattern.finditer(text))
    if len(marks) < 2:
        return [], None
    outer = min(len(m.group("indent").expandtabs(4)) for m in marks)
    marks = [m for m in marks if len(m.group("indent").expandtabs(4)) == outer]
    ends = [m.start() for m in marks[1:]] + [len(text)]
    items = [Part(_clean(text[m.end() : end])) for m, end in zip(marks, ends, strict=True)]
    items = [p for p in items if p.text]
    head = _clean(text[: marks[0].start()])
    preamble: str | None = None
    if head:
        if _cues().intro.search(head):
            preamble = head
        else:  # a real first step written as prose before the list
            items.insert(0, Part(head))
    return items, preamble


def _split_connectors(text: str) -> list[Part]:
    parts: list[Part] = []
    start, connector = 0, None
    cues = _cues()
    for m in cues.connector.finditer(text):
        if m.group("t") and cues.not_then.search(text[: m.start()] + " "):
            continue
        word = (m.group("c") or m.group("t") or m.group("z") or "").lower()
        parts.append(Part(text[start : m.start()], connector))
        start, connector = m.end(), " ".join(word.split())
    parts.append(Part(text[start:], connector))
    cleaned = [Part(_clean(_LEADING_ORDINAL.sub("", p.text.strip())), p.connector) for p in parts]
    return [p for p in cleaned if p.text]


def split_task(text: str) -> tuple[SplitMethod, list[Part], str | None]:
    """``(method, parts, preamble)``; ``method`` is ``"none"`` and ``parts`` has one item if no
    rule yields at least two parts. Parts are stripped and never empty."""
    text = text.strip()
    for method, pattern in (("numbered", _NUMBERED), ("bullets", _BULLET)):
        items, preamble = _split_markers(text, pattern)
        if len(items) >= 2:
            return method, items, preamble  # type: ignore[return-value]
    rules: tuple[tuple[SplitMethod, Callable[[str], list[Part]]], ...] = (
        ("conjunctions", lambda t: _coordinated(_split_connectors(t), at_least=2)),
        ("coordination", lambda t: _coordinated([Part(t)])),
        ("semicolons", lambda t: _coordinated([Part(_clean(s)) for s in re.split(r"[;；]", t)])),
        ("paragraphs", lambda t: [Part(_clean(s)) for s in re.split(r"\n\s*\n", t) if _clean(s)]),
    )
    for method, rule in rules:
        parts = rule(text)
        if len(parts) >= 2:
            return method, parts, None
    return "none", [Part(text)], None


def _coordinated(parts: list[Part], at_least: int = 1) -> list[Part]:
    """Each part split further into its coordinated actions (the first keeps the connector);
    nothing when there are fewer than ``at_least`` parts to begin with."""
    out: list[Part] = []
    if len(parts) < at_least:
        return out
    for part in (p for p in parts if p.text):
        pieces = split_coordinated(part.text) if "\n" not in part.text else None
        if pieces is None:
            out.append(part)
            continue
        out.append(Part(_clean(pieces[0]), part.connector))
        out.extend(Part(_clean(piece), "and") for piece in pieces[1:])
    return [p for p in out if p.text]


def cap_parts(parts: list[Part], limit: int) -> list[list[int]]:
    """Group part indexes into at most ``limit`` runs of adjacent parts, as even as possible."""
    size, extra = divmod(len(parts), limit) if len(parts) > limit else (1, 0)
    groups: list[list[int]] = []
    i = 0
    while i < len(parts):
        n = size + (1 if len(groups) < extra else 0)
        groups.append(list(range(i, i + n)))
        i += n
    return groups
