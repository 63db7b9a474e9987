"""Coordinated actions: split "Research competitors and build a pitch deck" into its two tasks.

A sentence often packs several tasks into one clause list joined by ``and`` or commas. This
module finds them, conservatively. Contract of :func:`split_coordinated`:

- the text is cut at ``", and "``, ``", "`` and ``" and "`` (outside brackets and quotes);
- a piece starts a **new task** only when (1) it begins with an action verb from
  ``data/decompose.json`` (``splitting.actionVerbs``, base forms only: "returns" or "tests"
  written as a noun do not count), (2) it has at least :data:`MIN_WORDS` words (a verb *and* its
  own object), and (3) the task it would close also has at least :data:`MIN_WORDS` words;
  otherwise the piece is glued back to the task before it, separator and all;
- the first piece must itself begin with an action verb, else nothing is split;
- after a *coordinating* verb (``splitting.coordinatingVerbs``: compare, contrast, choose …)
  the first ``and``/comma belongs to the verb's object ("compare A and B") and never splits.

So: "Research competitors and build a pitch deck" → two tasks; "compare A and B", "pros and
cons", "write a Tom and Jerry story" → one; "build and test the parser" → one (the two verbs
share one object, "build" alone is no task); "fix the bug, add a test and update the docs" →
three. Returns None when fewer than two tasks result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from smart_spawn_plugin.engine.plan.vocabulary import load_vocabulary

#: A task needs a verb and its own object: at least this many words.
MIN_WORDS: Final = 2

_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)
_LEAD = re.compile(r"^(?:also|then|please)\s+", re.IGNORECASE)
_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True)
class _Verbs:
    action: frozenset[str]
    coordinating: frozenset[str]


@cache
def _verbs() -> _Verbs:
    words = load_vocabulary().splitting
    return _Verbs(
        frozenset(w.lower() for w in words.action_verbs),
        frozenset(w.lower() for w in words.coordinating_verbs),
    )


def _first_word(text: str) -> str:
    match = re.match(r"[A-Za-z][A-Za-z-]*", _LEAD.sub("", text.strip()))
    return match.group(0).lower() if match else ""


def _words(text: str) -> int:
    return len(text.split())


def _pieces(text: str) -> list[tuple[str, str]]:
    """``(separator before it, piece)`` for every separator outside brackets and quotes."""
    out: list[tuple[str, str]] = []
    start, sep = 0, ""
    nested = _nested_ranges(text)
    for m in _SEPARATOR.finditer(text):
        if any(lo <= m.start() < hi for lo, hi in nested):
            continue
        out.append((sep, text[start : m.start()]))
        start, sep = m.end(), m.group(0)
    out.append((sep, text[start:]))
    return out


def _nested_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges inside brackets or double quotes (separators there never split)."""
    ranges: list[tuple[int, int]] = []
    depth, begin, quote_at = 0, 0, -1
    for i, ch in enumerate(text):
        if quote_at >= 0:
            if ch in '"”':
                ranges.append((quote_at, i))
                quote_at = -1
        elif ch in '"“':
            quote_at = i
        elif ch in _OPEN:
            if depth == 0:
                begin = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                ranges.append((begin, i))
    if depth:
        ranges.append((begin, len(text)))
    if quote_at >= 0:
        ranges.append((quote_at, len(text)))
    return ranges


def split_coordinated(text: str) -> list[str] | None:
    """The coordinated tasks of ``text`` (module contract), or None if it is one task."""
    verbs = _verbs()
    pieces = _pieces(text.strip())
    if len(pieces) < 2 or _first_word(pieces[0][1]) not in verbs.action:
        return None
    tasks: list[str] = [pieces[0][1].strip()]
    glue_next = _first_word(tasks[0]) in verbs.coordinating
    for sep, piece in pieces[1:]:
        body = piece.strip()
        starts_task = (
            not glue_next
            and _first_word(body) in verbs.action
            and _words(body) >= MIN_WORDS
            and _words(tasks[-1]) >= MIN_WORDS
        )
        if starts_task:
            tasks.append(_LEAD.sub("", body))
            glue_next = _first_word(body) in verbs.coordinating
        else:
            tasks[-1] = f"{tasks[-1]}{sep}{body}"
            glue_next = False
    tasks = [t.strip() for t in tasks if t.strip()]
    return tasks if len(tasks) >= 2 else None
