"""Hand rules and routing signals for the task classifier: whole-token vocabularies and regexes.

Contract:

* :func:`rule_boosts` returns logit boosts ``(category, boost, label)`` that :mod:`.classify` adds
  to the linear model's logits where text shape settles a question the (small) training data
  cannot: code-looking text and programming vocabulary → coding; maths/logic vocabulary →
  reasoning; a deictic reference to a visual ("this screenshot", 图中) → vision; a translation
  request → fast-cheap. The boosts are moderate, so strong model evidence can still win.
* :func:`detect_signals` returns :class:`Signals` (vision, long context, tools, language).

Everything matches whole tokens or anchored phrases on NFKC-lower-cased text, never bare
substrings ("go" is not in "good", "see" is not in "seed", "db" is not in "feedback").
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from typing import Final

from pydantic import BaseModel, Field

from smart_spawn_plugin.models import Category

from .textfeatures import detect_language, looks_like_code, normalize, tokens

#: Logit added when text shape settles the question.
#: Logit added when text shape settles the question (see module docstring, step 5).
CODE_BOOST: Final = 2.5
VISION_BOOST: Final = 2.5
#: Per programming-vocabulary token (capped at :data:`CODE_VOCAB_CAP` tokens).
CODE_VOCAB_BOOST: Final = 0.75
CODE_VOCAB_CAP: Final = 4
TRANSLATE_BOOST: Final = 2.0
#: Per maths/logic term (capped at :data:`MATH_VOCAB_CAP` terms).
MATH_VOCAB_BOOST: Final = 0.75
MATH_VOCAB_CAP: Final = 3
#: Above this many characters a task counts as long context by size alone (~5k tokens).
LONG_TEXT_CHARS: Final = 20_000
#: Rules look at this much of the text: instructions sit at the start; it bounds the cost.
RULE_CHARS: Final = 4000

#: Whole tokens that only programming tasks use much. Matched against word tokens, never
#: substrings ("go" is deliberately absent: it is an English verb).
_CODE_WORDS: Final = frozenset(
    [
        "python",
        "java",
        "javascript",
        "typescript",
        "golang",
        "rust",
        "kotlin",
        "swift",
        "php",
        "ruby",
        "perl",
        "scala",
        "haskell",
        "sql",
        "html",
        "css",
        "regex",
        "regexp",
        "json",
        "yaml",
        "xml",
        "csv",
        "bash",
        "shell",
        "powershell",
        "numpy",
        "pandas",
        "django",
        "flask",
        "fastapi",
        "react",
        "vue",
        "angular",
        "node",
        "nodejs",
        "npm",
        "pip",
        "pytest",
        "junit",
        "docker",
        "kubernetes",
        "git",
        "github",
        "function",
        "functions",
        "method",
        "methods",
        "class",
        "classes",
        "array",
        "arrays",
        "string",
        "strings",
        "integer",
        "integers",
        "dictionary",
        "dict",
        "tuple",
        "boolean",
        "variable",
        "variables",
        "recursion",
        "recursive",
        "loop",
        "algorithm",
        "api",
        "apis",
        "endpoint",
        "endpoints",
        "backend",
        "frontend",
        "database",
        "schema",
        "query",
        "queries",
        "bug",
        "bugs",
        "debug",
        "debugging",
        "compile",
        "compiler",
        "exception",
        "stacktrace",
        "traceback",
        "refactor",
        "refactoring",
        "codebase",
        "repo",
        "repository",
        "code",
        "coding",
        "program",
        "programming",
        "script",
        "scripts",
        "implement",
        "implementation",
        "unittest",
        "sdk",
        "cli",
        "async",
        "await",
        "nullpointerexception",
    ]
)
_CODE_ZH_RE: Final = re.compile(
    r"代码|函数|编程|程序|算法|数组|字符串|接口|脚本|报错|编写一个|实现一个"
)
#: Whole tokens of maths and formal reasoning ("prove" is matched as a word, never in "improve").
_MATH_WORDS: Final = frozenset(
    [
        "prove",
        "proof",
        "theorem",
        "lemma",
        "equation",
        "equations",
        "integral",
        "integrals",
        "derivative",
        "derivatives",
        "probability",
        "primes",
        "polynomial",
        "inequality",
        "modulo",
        "factorial",
        "divisible",
        "solve",
        "deduce",
        "syllogism",
        "arithmetic",
        "algebra",
        "geometry",
        "calculus",
    ]
)
_MATH_ZH_RE: Final = re.compile(r"证明|方程|概率|求解|不等式|数列|几何|推理|计算")
#: A translation request (with or without a language pair).
_TRANSLATE_RE: Final = re.compile(
    r"^\s*(?:please\s+)?translate\b|\btranslate\s+(?:this|these|the|it|into|to|from|following)\b"
    r"|\bhow do (?:you|i) say\b|翻译"
)

_VISUAL = (
    r"images?|photos?|photographs?|pictures?|pics?|screenshots?|screen ?shots?|charts?|graphs?|"
    r"plots?|subplots?|diagrams?|figures?|infographics?|scans?|memes?|posters?|maps?|frames?|"
    r"video|whiteboard|drawing|sketch"
)
#: A visual the reader must see: "this photo", "in the image", "the chart below", 图中 …
_VISION_DEICTIC_RE: Final = re.compile(
    rf"\b(?:this|these|the|attached|above|below|following|given|uploaded|my|each|both)\s+"
    rf"(?:\w+\s+)?(?:{_VISUAL})\b|\b(?:{_VISUAL})\s+(?:above|below|shown|attached)\b"
    r"|\b(?:shown|depicted|pictured|illustrated)\b"
    r"|图中|图片|照片|截图|图表|如图|画面|图像|这张图|上图|下图",
)
#: Strong visual nouns: any mention implies image input.
_VISION_WORD_RE: Final = re.compile(
    r"\b(?:images?|photos?|photographs?|pictures?|screenshots?|ocr)\b|图片|照片|截图|图像|图中"
)
_LONG_CONTEXT_RE: Final = re.compile(
    r"\b(?:whole|entire|full|complete)\s+(?:\w+\s+)?(?:repo|repository|codebase|code base|"
    r"monorepo|project|book|novel|document|manuscript|transcript|thesis|report|contract|log)s?\b"
    r"|\blong\s+(?:document|pdf|report|transcript|context|paper|book|contract|log)s?\b"
    r"|\ball\s+(?:the\s+)?(?:files|modules|documents|chapters)\b"
    r"|\b\d+(?:[.,]\d+)?\s*(?:k|m|thousand|million)\s*[- ]?tokens?\b"
    r"|\b\d{1,3}(?:,\d{3})+\s*tokens?\b|\b\d{5,}\s*tokens?\b|\bmillion[- ]token"
    r"|整个(?:代码库|仓库|项目|文档)|长文档|长文本|全书|全文|\d+\s*万字",
)
_TOOLS_RE: Final = re.compile(
    r"\b(?:search|searching|look\s+up|lookup|check)\s+(?:\w+\s+)?(?:the\s+)?"
    r"(?:web|internet|online|google)\b|\bweb\s*search\b|\bbrows(?:e|ing)\b|\bgoogle\b"
    r"|\b(?:latest|recent|current|today'?s|breaking|up-to-date|real-time|live)\s+(?:\w+\s+)?"
    r"(?:news|prices?|developments?|releases?|versions?|updates?|events?|results?|scores?|"
    r"weather|rates?)\b|\bwith\s+(?:links|urls|citations|sources)\b|\bwebsites?\b|\burls?\b"
    r"|\bfetch\b|\bscrape\b|\bcrawl\b"
    r"|联网|上网|搜索|网上|最新|实时|浏览|网页|网站",
)


class Signals(BaseModel):
    """Routing hints beyond the category."""

    needs_vision: bool = False
    long_context: bool = False
    tools: bool = Field(default=False, description="The task needs web search or other tools.")
    language: str = Field(default="en", description="en, zh, ja, ko, ru or other.")
    flagship: bool = Field(default=False, description="F:/Force:/旗舰: prefix: use a top model.")
    lightweight: bool = Field(default=False, description="L:/Fast:/轻量: prefix: small model.")


def rule_boosts(text: str) -> list[tuple[Category, float, str]]:
    """Logit boosts from the hand rules for ``text`` (see the module docstring)."""
    out: list[tuple[Category, float, str]] = []
    head = text[:RULE_CHARS]
    norm = normalize(head)
    words = set(tokens(norm))
    if looks_like_code(head):
        out.append(("coding", CODE_BOOST, "code-looking text"))
    hits = len(words & _CODE_WORDS) + len(set(_CODE_ZH_RE.findall(norm)))
    if hits:
        out.append(
            ("coding", CODE_VOCAB_BOOST * min(hits, CODE_VOCAB_CAP), f"{hits} programming term(s)")
        )
    hits = len(words & _MATH_WORDS) + len(set(_MATH_ZH_RE.findall(norm)))
    if hits:
        out.append(
            ("reasoning", MATH_VOCAB_BOOST * min(hits, MATH_VOCAB_CAP), f"{hits} maths term(s)")
        )
    if _VISION_DEICTIC_RE.search(norm):
        out.append(("vision", VISION_BOOST, "refers to a visual"))
    if _TRANSLATE_RE.search(norm):
        out.append(("fast-cheap", TRANSLATE_BOOST, "translation request"))
    return out


def detect_signals(text: str, category: Category | None = None) -> Signals:
    """Signals from the text alone (plus ``needs_vision`` when the category is vision)."""
    # Scanning a bounded prefix keeps pasted megabyte-size tasks fast; size alone already
    # marks them long.
    norm = normalize(text[:LONG_TEXT_CHARS])
    return Signals(
        needs_vision=category == "vision" or bool(_VISION_WORD_RE.search(norm)),
        long_context=len(text) > LONG_TEXT_CHARS or bool(_LONG_CONTEXT_RE.search(norm)),
        tools=bool(_TOOLS_RE.search(norm)),
        language=detect_language(text[:RULE_CHARS]),
    )
