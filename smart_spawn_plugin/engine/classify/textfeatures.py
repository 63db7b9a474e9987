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

Pure Python, no I/O: safe to import anywhere. The only state is a bounded per-token memo (token →
key and 3-grams), which never changes a result.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from itertools import islice, pairwise
from typing import Final, NamedTuple

#: Unicode ranges treated as CJK "characters as words" (kana, CJK ideographs, Hangul syllables).
_CJK_CLASS: Final = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN_RE: Final = re.compile(rf"(?P<cjk>[{_CJK_CLASS}]+)|(?P<word>[^\W{_CJK_CLASS}]+)")
_DIGITS_RE: Final = re.compile(r"\d")
CJK_RE: Final = re.compile(rf"[{_CJK_CLASS}]")
_CJK_RE: Final = CJK_RE
_KANA_RE: Final = re.compile("[\u3040-\u30ff]")
_HANGUL_RE: Final = re.compile("[\uac00-\ud7af]")
_CYRILLIC_RE: Final = re.compile("[\u0400-\u04ff]")
_LETTER_RE: Final = re.compile(r"[^\W\d_]")
_NON_ASCII_LETTER_RE: Final = re.compile(r"[^\W\d_\x00-\x7f]")

#: Code look: a fence, or lines that start like statements / end like blocks.
CODE_FENCE_RE: Final = re.compile(r"```|~~~")
CODE_LINE_RE: Final = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |#include|public |private |function |const |"
    r"let |var |return\b|if ?\(|for ?\(|while ?\(|select .+ from |\}|<\w+[ >]|\$ |>>> )"
    r"|[;{]\s*$|\b\w+\([^()\n]*\)\s*[:{]?\s*$|==|!=|=>|->|::",
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


def vocab(words: str) -> frozenset[str]:
    """A whole-token vocabulary from a space-separated list."""
    return frozenset(words.split())


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
    return word if word.isalpha() else _DIGITS_RE.sub("0", word)


def tokens(text: str) -> list[str]:
    """Latin-script word tokens of an already-normalised text, in order (CJK runs skipped)."""
    return [m.group("word") for m in _TOKEN_RE.finditer(text) if m.group("word")]


def cjk_share(text: str) -> tuple[int, float]:
    """(number of CJK characters, their share of all letters) of a text."""
    n_cjk = len(_CJK_RE.findall(text))
    n_letters = len(_LETTER_RE.findall(text))
    return n_cjk, (n_cjk / n_letters if n_letters else 0.0)


def _count_letters(text: str) -> int:
    # Exactly the characters ``[^\W\d_]`` matches (alphanumerics that are not decimal digits),
    # counted in C without building a match list.
    return sum(map(str.isalnum, text)) - sum(map(str.isdecimal, text))


def detect_language(text: str) -> str:
    """ISO-ish language code: ``zh``, ``ja``, ``ko``, ``ru``, ``en`` or ``other``.

    Follows the dev set's rule: at least two CJK characters that are ≥ 5 % of the letters or
    appear in the first 30 characters make it CJK (Hangul → ko, kana → ja, else zh).
    """
    if text.isascii():
        return "en" if _LETTER_RE.search(text) else "other"
    first = [m.group() for m in islice(_CJK_RE.finditer(text), 8)]
    if len(first) >= 2 and (
        _CJK_RE.search(text, 0, 30) is not None
        or len(_CJK_RE.findall(text)) / (_count_letters(text) or 1) >= 0.05
    ):
        head = "".join(first)
        if _HANGUL_RE.search(head):
            return "ko"
        if _KANA_RE.search(head):
            return "ja"
        return "zh"
    non_ascii = len(_NON_ASCII_LETTER_RE.findall(text))
    if not non_ascii:
        return "en" if _LETTER_RE.search(text) else "other"
    n_letters = _count_letters(text)
    if non_ascii / n_letters > 0.02:
        cyr = len(_CYRILLIC_RE.findall(text))
        return "ru" if cyr > n_letters / 2 else "other"
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
    if raw.count("?") + raw.count("？") >= 2:
        out.append("m:qs")
    return out


class TokenSets(NamedTuple):
    """The distinct token features of a normalised text, one set per kind (no prefixes).

    ``features`` names them ``w:``/``b:``/``c:``/``z:``/``y:``; :mod:`.classify` looks each kind
    up in its own table, so no prefixed strings are built on the hot path.
    """

    words: set[str]  #: ``w:`` word unigrams (digits → 0), function words and single characters
    #: (option labels "b", variables "x") left out
    bigrams: set[str]  #: ``b:`` adjacent word pairs, "a b" (a CJK run breaks a pair)
    grams: set[str]  #: ``c:`` character 3-grams of each ``<word>`` (≥ 3 letters, not a number)
    chars: set[str]  #: ``z:`` CJK characters, common function characters left out
    pairs: set[str]  #: ``y:`` CJK character bigrams inside a run
    raw_words: set[str]  #: the Latin tokens as written (for the hand rules; not features)
    cjk: bool  #: the text has a CJK character (``m:cjk``)

    def size(self) -> int:
        """Number of distinct token features (the ``n`` of the ``1/sqrt(n)`` value)."""
        return (
            len(self.words)
            + len(self.bigrams)
            + len(self.grams)
            + len(self.chars)
            + len(self.pairs)
        )


#: Latin token → (its feature key, the 3-grams of the key). Bounded: cleared when full. Pure
#: memoisation (the entry is a function of the token alone), so results never depend on it.
_WORD_MEMO: dict[str, tuple[str, tuple[str, ...]]] = {}
_WORD_MEMO_MAX: Final = 1 << 16
#: The Latin tokens of a text without CJK characters (``_TOKEN_RE``'s ``word`` group there).
_WORD_RE: Final = re.compile(r"\w+")


def _word_entry(token: str) -> tuple[str, tuple[str, ...]]:
    word = _word_key(token)
    if len(word) >= 3 and not word.isdigit():
        padded = "<" + word + ">"
        grams = tuple([padded[i : i + 3] for i in range(len(padded) - 2)])
    else:
        grams = ()
    if len(_WORD_MEMO) >= _WORD_MEMO_MAX:
        _WORD_MEMO.clear()
    entry = _WORD_MEMO[token] = (word, grams)
    return entry


def clear_memo() -> None:
    """Forget the per-token memo (benchmarks use it to time fully cold calls)."""
    _WORD_MEMO.clear()


def token_sets(norm: str) -> TokenSets:
    """The token features of an already-normalised (:func:`normalize`) text, by kind."""
    memo = _WORD_MEMO.get
    if norm.isascii() or _CJK_RE.search(norm) is None:  # one C-level pass per feature kind
        toks = _WORD_RE.findall(norm)
        entries = [memo(t) or _word_entry(t) for t in toks]
        keys = [e[0] for e in entries]
        by_key = dict(entries)
        return TokenSets(
            words={k for k in by_key if len(k) > 1} - STOPWORDS,
            bigrams=set(map(" ".join, pairwise(keys))),
            grams=set().union(*by_key.values()),
            chars=set(),
            pairs=set(),
            raw_words=set(toks),
            cjk=False,
        )
    items = _TOKEN_RE.findall(norm)
    runs = [run for run, _ in items if run]
    toks = [token for _, token in items if token]
    # A CJK run breaks a Latin bigram: it becomes "" in the key sequence.
    seq = [("", ()) if run else (memo(token) or _word_entry(token)) for run, token in items]
    keys = [e[0] for e in seq]
    by_key = dict(seq)
    by_key.pop("", None)
    pairs: set[str] = set()
    for run in runs:
        if len(run) > 1:
            pairs.update(map(operator.add, run, run[1:]))
    return TokenSets(
        words={k for k in by_key if len(k) > 1} - STOPWORDS,
        bigrams={a + " " + b for a, b in pairwise(keys) if a and b},
        grams=set().union(*by_key.values()),
        chars=set().union(*runs) - STOPCHARS,
        pairs=pairs,
        raw_words=set(toks),
        cjk=True,
    )


def meta_features(raw: str, cjk: bool, norm: str | None = None) -> list[str]:
    """Shape features of the (clipped, not normalised) text: length bucket, maths look, a
    question, several questions, CJK script. Their value is 1. (``norm`` is
    accepted for callers that have it; no meta feature needs it.)"""
    out = _meta(raw)
    if cjk:
        out.append("m:cjk")
    return out


def features(text: str) -> dict[str, float]:
    """Sparse features of ``text``.

    Token features are binary and scaled by ``1/sqrt(n)`` (n = number of distinct token features)
    so long and short prompts live on one scale; meta features (``m:``) have value 1.
    """
    raw = clip(text)
    norm = normalize(raw)
    ts = token_sets(norm)
    out: dict[str, float] = {}
    n = ts.size()
    if n:
        value = 1.0 / math.sqrt(n)
        for prefix, names in (
            ("w:", ts.words),
            ("b:", ts.bigrams),
            ("c:", ts.grams),
            ("z:", ts.chars),
            ("y:", ts.pairs),
        ):
            out.update(dict.fromkeys([prefix + name for name in names], value))
    for name in meta_features(raw, ts.cjk, norm):
        out[name] = 1.0
    return out
