"""Text → sparse features for the task classifier, shared by training and inference.

Contract: :func:`features` maps any string to a ``dict[str, float]`` of feature name → value. The
same function is used by ``scripts/train_classifier.py`` and by :mod:`.classify`, so the model
never sees features at inference that it was not trained with (and vice versa).

Evidence is always a whole token, never a substring of one: "good" never yields "go", "feedback"
never yields "db". Latin-script text becomes word unigrams and bigrams plus character 3-grams of
each padded word (so "refactoring" shares evidence with "refactor" without matching across word
boundaries). CJK text has no spaces, so it becomes character unigrams and bigrams — a cheap,
dependency-free stand-in for word segmentation. A few meta features (length bucket, code or maths
look, script) carry the shape of the prompt.

Pure Python, no I/O, no state: safe to import anywhere.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Final

#: Unicode ranges treated as CJK "characters as words" (kana, CJK ideographs, Hangul syllables).
_CJK_CLASS: Final = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN_RE: Final = re.compile(rf"(?P<cjk>[{_CJK_CLASS}]+)|(?P<word>[^\W{_CJK_CLASS}]+)")
_DIGITS_RE: Final = re.compile(r"\d")
_CJK_RE: Final = re.compile(rf"[{_CJK_CLASS}]")
_KANA_RE: Final = re.compile("[\u3040-\u30ff]")
_HANGUL_RE: Final = re.compile("[\uac00-\ud7af]")
_CYRILLIC_RE: Final = re.compile("[\u0400-\u04ff]")
_LETTER_RE: Final = re.compile(r"[^\W\d_]")

#: Code look: a fence, or lines that start like statements / end like blocks.
CODE_FENCE_RE: Final = re.compile(r"```|~~~")
CODE_LINE_RE: Final = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |#include|public |private |function |const |"
    r"let |var |return\b|if ?\(|for ?\(|while ?\(|select .+ from |\}|<\w+[ >]|\$ |>>> )"
    r"|[;{]\s*$|\w+\([^()\n]*\)\s*[:{]?\s*$|==|!=|=>|->|::",
    re.MULTILINE | re.IGNORECASE,
)
#: Maths look: LaTeX, inline $…$, equations with variables.
MATH_RE: Final = re.compile(
    r"\\(?:frac|sqrt|sum|int|cdot|times|le|ge|pi|alpha|theta)\b|\$[^$\n]{1,80}\$"
    r"|\b[a-z]\s*[\^=]\s*[-\d(a-z]|\d\s*[+\-*/×÷]\s*\d"
)

#: Texts longer than this are cut to head + tail before featurising: the instruction is almost
#: always at the start or the end, and it keeps inference time bounded for pasted documents.
MAX_CHARS: Final = 4000
_HEAD: Final = 3000

_LEN_BUCKETS: Final = (40, 100, 200, 400, 800, 1600)

#: Function words carry house style, not task type, as unigrams; they stay inside bigrams
#: ("write a", "in the image") where they do carry meaning.
STOPWORDS: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "so",
        "if",
        "then",
        "than",
        "also",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "why",
        "how",
        "into",
        "about",
        "over",
        "such",
        "some",
        "any",
        "each",
        "all",
    ]
)
#: The same for the commonest CJK function characters (unigrams only; bigrams keep them).
STOPCHARS: Final = frozenset("的一是了在有和我你他她它这那个们为以于之与及也就都而")


def normalize(text: str) -> str:
    """NFKC-fold (full-width → ASCII, compatibility forms) and lower-case."""
    return unicodedata.normalize("NFKC", text).lower()


def clip(text: str) -> str:
    """Head + tail of an over-long text (see :data:`MAX_CHARS`); short texts unchanged."""
    if len(text) <= MAX_CHARS:
        return text
    return text[:_HEAD] + "\n" + text[-(MAX_CHARS - _HEAD) :]


def _word_key(word: str) -> str:
    # Numbers carry shape, not identity: "2023" and "1999" are the same evidence.
    return _DIGITS_RE.sub("0", word) if any(ch.isdigit() for ch in word) else word


def tokens(text: str) -> list[str]:
    """Latin-script word tokens of an already-normalised text, in order (CJK runs skipped)."""
    return [m.group("word") for m in _TOKEN_RE.finditer(text) if m.group("word")]


def cjk_share(text: str) -> tuple[int, float]:
    """(number of CJK characters, their share of all letters) of a text."""
    n_cjk = len(_CJK_RE.findall(text))
    n_letters = len(_LETTER_RE.findall(text))
    return n_cjk, (n_cjk / n_letters if n_letters else 0.0)


def detect_language(text: str) -> str:
    """ISO-ish language code: ``zh``, ``ja``, ``ko``, ``ru``, ``en`` or ``other``.

    Follows the dev set's rule: at least two CJK characters that are ≥ 5 % of the letters or
    appear in the first 30 characters make it CJK (Hangul → ko, kana → ja, else zh).
    """
    n_cjk, share = cjk_share(text)
    if n_cjk >= 2 and (share >= 0.05 or _CJK_RE.search(text[:30])):
        head = "".join(_CJK_RE.findall(text)[:8])
        if _HANGUL_RE.search(head):
            return "ko"
        if _KANA_RE.search(head):
            return "ja"
        return "zh"
    letters = _LETTER_RE.findall(text)
    if not letters:
        return "other"
    non_ascii = sum(1 for ch in letters if not ch.isascii())
    if non_ascii / len(letters) > 0.02:
        cyr = len(_CYRILLIC_RE.findall(text))
        return "ru" if cyr > len(letters) / 2 else "other"
    return "en"


def looks_like_code(text: str) -> bool:
    """A code fence, or at least two code-looking lines/fragments."""
    if CODE_FENCE_RE.search(text):
        return True
    matches = CODE_LINE_RE.finditer(text)
    return next(matches, None) is not None and next(matches, None) is not None


def _meta(raw: str) -> list[str]:
    out = []
    n = len(raw)
    bucket = sum(1 for b in _LEN_BUCKETS if n > b)
    out.append(f"m:len{bucket}")
    if MATH_RE.search(raw):
        out.append("m:math")
    if raw.rstrip().endswith(("?", "？")):
        out.append("m:q")
    return out


def features(text: str) -> dict[str, float]:
    """Sparse features of ``text``.

    Token features are binary and scaled by ``1/sqrt(n)`` (n = number of distinct token features)
    so long and short prompts live on one scale; meta features (``m:``) have value 1.
    """
    raw = clip(text)
    norm = normalize(raw)
    feats: set[str] = set()
    prev: str | None = None
    for m in _TOKEN_RE.finditer(norm):
        run = m.group("cjk")
        if run:
            prev = None  # a CJK run breaks a Latin bigram
            feats.update("z:" + ch for ch in run if ch not in STOPCHARS)
            feats.update("y:" + run[i : i + 2] for i in range(len(run) - 1))
            continue
        word = _word_key(m.group("word"))
        if word not in STOPWORDS:
            feats.add("w:" + word)
        if prev is not None:
            feats.add("b:" + prev + " " + word)
        prev = word
        if len(word) >= 3 and not word.isdigit():
            padded = f"<{word}>"
            feats.update("c:" + padded[i : i + 3] for i in range(len(padded) - 2))
    out: dict[str, float] = {}
    if feats:
        value = 1.0 / math.sqrt(len(feats))
        out = dict.fromkeys(feats, value)
    for name in _meta(raw):
        out[name] = 1.0
    if _CJK_RE.search(norm):
        out["m:cjk"] = 1.0
    return out
