"""Hand rules and routing signals for the task classifier: whole-token vocabularies and regexes.

Contract:

* :func:`boosts` returns logit boosts ``(category, boost, label)`` that :mod:`.classify` adds
  to the linear model's logits where text shape settles a question the (small) training data
  cannot: code-looking text and programming vocabulary → coding; maths/logic vocabulary →
  reasoning; a deictic reference to a visual ("this screenshot", 图中) → vision; a translation
  request → fast-cheap. The boosts are moderate, so strong model evidence can still win.
  Boosts from what the task asks for (its verb and audience) live in :mod:`.intents`.
* :func:`detect_signals` returns :class:`Signals` (vision, long context, tools, language).

Everything matches whole tokens or anchored phrases on NFKC-lower-cased text, never bare
substrings ("go" is not in "good", "see" is not in "seed", "db" is not in "feedback").
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from smart_spawn_plugin.models import Category

from .intents import intent_boosts
from .textfeatures import CJK_RE as _CJK_RE
from .textfeatures import detect_language, looks_like_code, normalize, tokens, vocab

#: The label of the code-look rule (the classifier reuses its verdict for complexity).
CODE_LOOK: Final = "code-looking text"
#: Logit added when text shape settles the question (see module docstring, step 5).
CODE_BOOST: Final = 2.5
VISION_BOOST: Final = 2.5
#: Per programming-vocabulary token (capped at :data:`CODE_VOCAB_CAP` tokens).
CODE_VOCAB_BOOST: Final = 0.75
CODE_VOCAB_CAP: Final = 4
TRANSLATE_BOOST: Final = 2.0
#: An engineering imperative on a software object ("Build the parser", "Optimize the auth layer").
ENGINEERING_BOOST: Final = 1.75
#: A slide deck / presentation to make ("build a pitch deck", "make slides for …").
PRESENTATION_BOOST: Final = 3.0
#: A literature review / state of research (the dev set's research tie-breaker).
LITERATURE_BOOST: Final = 2.0
#: A request to *make* an image ("Generate an image of a cat"): creative, and no image input.
IMAGE_GENERATION_BOOST: Final = 2.5
#: Per maths/logic term (capped at :data:`MATH_VOCAB_CAP` terms).
MATH_VOCAB_BOOST: Final = 0.75
MATH_VOCAB_CAP: Final = 3
#: Above this many characters a task counts as long context by size alone (~5k tokens).
LONG_TEXT_CHARS: Final = 20_000
#: Rules look at this much of the text: instructions sit at the start; it bounds the cost.
RULE_CHARS: Final = 4000

#: Whole tokens that only programming tasks use much. Matched against word tokens, never
#: substrings ("go" is deliberately absent: it is an English verb).
_CODE_WORDS: Final = vocab(
    "python java javascript typescript golang rust kotlin swift php ruby perl scala haskell "
    "sql html css regex regexp json yaml xml csv bash shell powershell numpy pandas django "
    "flask fastapi react vue angular node nodejs npm pip pytest junit docker kubernetes git "
    "github function functions method methods class classes array arrays string strings "
    "integer integers dictionary dict tuple boolean variable variables recursion recursive "
    "loop algorithm api apis endpoint endpoints backend frontend database schema query "
    "queries bug bugs debug debugging compile compiler exception stacktrace traceback "
    "refactor refactoring codebase repo repository code coding program programming script "
    "scripts implement implementation unittest sdk cli async await nullpointerexception "
    "deadlock deadlocks livelock mutex mutexes semaphore semaphores"
)
_CODE_ZH_RE: Final = re.compile(
    r"代码|函数|编程|程序|算法|数组|字符串|接口|脚本|报错|编写一个|实现一个"
)
#: Whole tokens of maths and formal reasoning ("prove" is matched as a word, never in "improve").
_MATH_WORDS: Final = vocab(
    "prove proof theorem lemma equation equations integral integrals derivative derivatives "
    "probability primes polynomial inequality modulo factorial divisible solve deduce "
    "syllogism arithmetic algebra geometry calculus"
)
_MATH_ZH_RE: Final = re.compile(r"证明|方程|概率|求解|不等式|数列|几何|推理|计算")

# Every English pattern below is guarded by a set of whole tokens at least one of which any match
# must contain (a ``\b``-bounded word of the pattern is always a whole token), so most texts skip
# the regex scan entirely; Chinese patterns run only on text with CJK characters.

#: A translation request (with or without a language pair).
_TRANSLATE_RE: Final = re.compile(
    r"^\s*(?:please\s+)?translate\b|\btranslate\s+(?:this|these|the|it|into|to|from|following)\b"
    r"|\bhow do (?:you|i) say\b"
)
_TRANSLATE_GATE: Final = frozenset({"translate", "say"})
_TRANSLATE_ZH: Final = "翻译"

#: Not a visual but software named after one: "the image resize service", "photo upload API".
_SOFTWARE_OBJECT: Final = (
    r"(?!\s+(?:pipelines?|services?|uploads?|uploader|processing|resiz\w*|api|endpoints?|"
    r"classifier|recognition|models?|datasets?|loader|storage|cache|component|gallery|cdn|"
    r"compression|optimi[sz]\w*|format|metadata))"
)
_VISUAL_WORDS: Final = vocab(
    "image images photo photos photograph photographs picture pictures pic pics screenshot "
    "screenshots screen chart charts graph graphs plot plots subplot subplots diagram "
    "diagrams figure figures infographic infographics scan scans meme memes poster posters "
    "map maps frame frames video whiteboard drawing sketch"
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
)
_VISION_DEICTIC_GATE: Final = _VISUAL_WORDS | vocab("shown depicted pictured illustrated")
_VISION_DEICTIC_ZH_RE: Final = re.compile(
    r"图中|图片|照片|截图|图表|如图|画面|图像|这张图|上图|下图"
)
#: Strong visual nouns: any mention implies image input.
_VISION_WORD_RE: Final = re.compile(
    r"\b(?:images?|photos?|photographs?|pictures?|screenshots?|ocr)\b" + _SOFTWARE_OBJECT
)
_VISION_WORD_GATE: Final = vocab(
    "image images photo photos photograph photographs picture pictures screenshot screenshots ocr"
)
_VISION_WORD_ZH_RE: Final = re.compile(r"图片|照片|截图|图像|图中")
_LONG_CONTEXT_RE: Final = re.compile(
    r"\b(?:whole|entire|full|complete)\s+(?:\w+\s+)?(?:repo|repository|codebase|code base|"
    r"monorepo|project|book|novel|document|manuscript|transcript|thesis|report|contract|log|"
    r"pdf)s?\b"
    r"|\blong\s+(?:document|pdf|report|transcript|context|paper|book|contract|log)s?\b"
    r"|\ball\s+(?:the\s+)?(?:files|modules|documents|chapters)\b"
    r"|\b\d+(?:[.,]\d+)?\s*(?:k|m|thousand|million)\s*[- ]?tokens?\b"
    r"|\b\d{1,3}(?:,\d{3})+\s*tokens?\b|\b\d{5,}\s*tokens?\b|\bmillion[- ]token"
    r"|\b(?:[2-9]\d|[1-9]\d{2,}|\d{1,3}(?:,\d{3})+)\s*[- ]?pages?\b"
    r"|\b(?:hundreds|thousands)\s+of\s+(?:pages|lines)\b"
    r"|\b(?:\d{1,3}(?:,\d{3})+|\d{4,})\s*[- ]?(?:lines?|loc)\b"
)
_LONG_CONTEXT_GATE: Final = vocab(
    "whole entire full complete long files modules documents chapters"
)
#: Substring guards for the size patterns ("100ktokens" and "300pages" are one token).
_LONG_CONTEXT_SUBSTRINGS: Final = ("token", "page", "line", "loc")
_LONG_CONTEXT_ZH_RE: Final = re.compile(
    r"整个(?:代码库|仓库|项目|文档)|长文档|长文本|全书|全文|\d+\s*万字|(?:[2-9]\d|\d{3,})\s*页"
)
_TOOLS_RE: Final = re.compile(
    r"\b(?:search|searching|look\s+up|lookup|check)\s+(?:\w+\s+)?(?:the\s+)?"
    r"(?:web|internet|online|google)\b|\bweb\s*search\b|\bbrows(?:e|ing)\b|\bgoogle\b"
    r"|\b(?:latest|recent|current|today'?s|breaking|up-to-date|real-time|live)\s+(?:\w+\s+)?"
    r"(?:news|prices?|developments?|releases?|versions?|updates?|events?|results?|scores?|"
    r"weather|rates?)\b|\bwith\s+(?:links|urls|citations|sources)\b|\bwebsites?\b|\burls?\b"
    r"|\bfetch\b|\bscrape\b|\bcrawl\b"
)
_TOOLS_GATE: Final = vocab(
    "web internet online google websearch browse browsing news price prices development "
    "developments release releases version versions update updates event events result "
    "results score scores weather rate rates links urls citations sources website websites "
    "url fetch scrape crawl"
)
_TOOLS_ZH_RE: Final = re.compile(r"联网|上网|搜索|网上|最新|实时|浏览|网页|网站")


#: Imperatives an agent gives a coding sub-agent; they count when they open the task (within
#: :data:`_LEAD_TOKENS` tokens, after "please", "can you" …).
_ENGINEERING_VERBS: Final = vocab(
    "build implement refactor optimize optimise debug fix deploy migrate harden profile port "
    "rewrite scaffold integrate containerize dockerize benchmark patch lint speed add extend "
    "configure upgrade instrument secure wire set code develop ship improve audit"
)
_LEAD_TOKENS: Final = 4
#: Software objects of those imperatives (whole tokens).
_SOFTWARE_NOUNS: Final = vocab(
    "parser parsers lexer tokenizer compiler interpreter module modules service services "
    "microservice microservices layer component components endpoint endpoints api apis "
    "middleware cache caching pipeline pipelines schema database db backend frontend server "
    "servers client library package plugin sdk cli app apps ui handler handlers controller "
    "scheduler worker workers queue auth authentication login tests test suite bug bugs crash "
    "leak regression migration migrations config repo repository codebase function functions "
    "class classes script query queries container containers cluster deployment "
    "infrastructure security websocket protocol kernel driver firmware extension webhook "
    "webhooks cron orm website webpage landing frontend dashboard crud logging dependencies "
    "vulnerabilities processor"
)
#: Slide decks and presentations (a creative deliverable, even when "built").
_PRESENTATION_WORDS: Final = vocab(
    "deck decks slides slide slideshow powerpoint ppt keynote presentation"
)
_PRESENTATION_VERBS: Final = vocab(
    "build make create prepare draft design write put produce assemble"
)
_PRESENTATION_ZH_RE: Final = re.compile(
    r"(?:做|制作|准备|写)(?:一[份个套])?.{0,8}?(?:PPT|ppt|幻灯片|演示文稿|路演)"
)
#: Literature reviews and state-of-research overviews are research, not creative writing.
_LITERATURE_RE: Final = re.compile(
    r"\b(?:literature\s+(?:review|survey)s?|review\s+of\s+(?:the\s+)?literature"
    r"|state\s+of\s+(?:the\s+)?(?:art|research)|systematic\s+reviews?|meta-analys[ie]s"
    r"|survey\s+(?:of\s+)?(?:the\s+)?(?:literature|papers|research))\b"
)
_LITERATURE_GATE: Final = vocab("literature state systematic meta survey")
_LITERATURE_ZH_RE: Final = re.compile(r"文献综述|研究现状|研究进展|国内外研究")
#: Making an image is not seeing one: "generate an image of a cat", "draw a picture of …".
_IMAGE_GENERATION_RE: Final = re.compile(
    r"\b(?:generate|create|draw|make|design|render|produce|paint|illustrate|imagine)\s+"
    r"(?!sure\b)(?:me\s+)?(?:an?\s+|the\s+|some\s+|\d+\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:images?|pictures?|photos?|illustrations?|drawings?|logos?|icons?|artworks?|portraits?|"
    r"wallpapers?|avatars?|sketch(?:es)?|paintings?)\b"
    + _SOFTWARE_OBJECT
    + r"|\b(?:text-to-image|image generation|dall-?e|midjourney|stable diffusion)\b"
)
_IMAGE_GENERATION_GATE: Final = vocab(
    "generate create draw make design render produce paint illustrate imagine text image dall "
    "dalle midjourney stable"
)
_IMAGE_GENERATION_ZH_RE: Final = re.compile(
    r"(?:生成|画|绘制|创作|设计)(?:一)?[张幅个份]?.{0,8}?(?:图片|图像|插画|画|头像|海报|logo|LOGO)"
)


#: Politeness and filler before the verb of a task ("please", "can you", "help me", "let's").
_LEAD_FILLER: Final = vocab(
    "please pls can could would you help me us let s lets i we need want to go ahead and now "
    "then first"
)
_LEAD_RE: Final = re.compile(r"\w+")


def _lead(norm: str) -> list[str]:
    """The first :data:`_LEAD_TOKENS` tokens of a task, filler skipped."""
    toks = _LEAD_RE.findall(norm, 0, 120)[:10]
    return [w for w in toks if w not in _LEAD_FILLER][:_LEAD_TOKENS]


def image_generation(norm: str, words: AbstractSet[str], cjk: bool) -> bool:
    """Whether the task asks to *make* an image (not to look at one)."""
    return (
        not words.isdisjoint(_IMAGE_GENERATION_GATE)
        and _IMAGE_GENERATION_RE.search(norm) is not None
    ) or (cjk and _IMAGE_GENERATION_ZH_RE.search(norm) is not None)


class Signals(BaseModel):
    """Routing hints beyond the category. Immutable (classification results are shared)."""

    model_config = ConfigDict(frozen=True)

    needs_vision: bool = False
    long_context: bool = False
    tools: bool = Field(default=False, description="The task needs web search or other tools.")
    language: str = Field(default="en", description="en, zh, ja, ko, ru or other.")
    flagship: bool = Field(default=False, description="F:/Force:/旗舰: prefix: use a top model.")
    lightweight: bool = Field(default=False, description="L:/Fast:/轻量: prefix: small model.")
    complexity: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="How likely a cheap model falls short (0 trivial – 1 flagship work).",
    )


def _has_cjk(norm: str) -> bool:
    return not norm.isascii() and _CJK_RE.search(norm) is not None


def boosts(
    head: str, norm: str, words: AbstractSet[str], cjk: bool
) -> list[tuple[Category, float, str]]:
    """The hand rules' logit boosts (see the module docstring) from precomputed parts: ``head``
    (the text, at most :data:`RULE_CHARS`), ``norm`` (its :func:`normalize`), ``words`` (its
    Latin tokens) and ``cjk`` (whether it has CJK characters)."""
    out: list[tuple[Category, float, str]] = []
    if looks_like_code(head):
        out.append(("coding", CODE_BOOST, CODE_LOOK))
    hits = len(words & _CODE_WORDS)
    if cjk:
        hits += len(set(_CODE_ZH_RE.findall(norm)))
    if hits:
        out.append(
            ("coding", CODE_VOCAB_BOOST * min(hits, CODE_VOCAB_CAP), f"{hits} programming term(s)")
        )
    hits = len(words & _MATH_WORDS)
    if cjk:
        hits += len(set(_MATH_ZH_RE.findall(norm)))
    if hits:
        out.append(
            ("reasoning", MATH_VOCAB_BOOST * min(hits, MATH_VOCAB_CAP), f"{hits} maths term(s)")
        )
    lead = _lead(norm)
    if (
        not _ENGINEERING_VERBS.isdisjoint(lead)
        and not words.isdisjoint(_SOFTWARE_NOUNS)
        and words.isdisjoint(_PRESENTATION_WORDS)
    ):
        out.append(("coding", ENGINEERING_BOOST, "engineering task"))
    if (
        not words.isdisjoint(_PRESENTATION_WORDS) and not words.isdisjoint(_PRESENTATION_VERBS)
    ) or (cjk and _PRESENTATION_ZH_RE.search(norm) is not None):
        out.append(("creative", PRESENTATION_BOOST, "presentation to make"))
    if (not words.isdisjoint(_LITERATURE_GATE) and _LITERATURE_RE.search(norm)) or (
        cjk and _LITERATURE_ZH_RE.search(norm)
    ):
        out.append(("research", LITERATURE_BOOST, "literature review"))
    if image_generation(norm, words, cjk):
        # The picture is the deliverable: move the image words' weight from vision to creative.
        out.append(("creative", IMAGE_GENERATION_BOOST, "image to generate"))
        out.append(("vision", -IMAGE_GENERATION_BOOST, "no image to look at"))
    elif (not words.isdisjoint(_VISION_DEICTIC_GATE) and _VISION_DEICTIC_RE.search(norm)) or (
        cjk and _VISION_DEICTIC_ZH_RE.search(norm)
    ):
        out.append(("vision", VISION_BOOST, "refers to a visual"))
    if (not words.isdisjoint(_TRANSLATE_GATE) and _TRANSLATE_RE.search(norm)) or (
        cjk and _TRANSLATE_ZH in norm
    ):
        out.append(("fast-cheap", TRANSLATE_BOOST, "translation request"))
    out.extend(intent_boosts(norm, words, cjk, lead))
    return out


def detect_signals(text: str, category: Category | None = None) -> Signals:
    """Signals from the text alone (plus ``needs_vision`` when the category is vision)."""
    # Scanning a bounded prefix keeps pasted megabyte-size tasks fast; size alone already
    # marks them long.
    norm = normalize(text[:LONG_TEXT_CHARS])
    return signals(text, norm, set(tokens(norm)), _has_cjk(norm), category)


def signals(
    text: str,
    norm: str,
    words: AbstractSet[str],
    cjk: bool,
    category: Category | None = None,
    *,
    flagship: bool = False,
    lightweight: bool = False,
    complexity: float = 0.0,
) -> Signals:
    """:func:`detect_signals` on precomputed parts: ``norm`` is :func:`normalize` of
    ``text[:LONG_TEXT_CHARS]``, ``words`` its Latin tokens, ``cjk`` whether it has CJK."""
    # Image input: a strong visual noun ("this photo", "a screenshot of …", 图中) — unless the
    # task asks to *make* the image ("generate an image of a cat").
    needs_vision = category == "vision" or (
        (
            (not words.isdisjoint(_VISION_WORD_GATE) and _VISION_WORD_RE.search(norm) is not None)
            or (cjk and _VISION_WORD_ZH_RE.search(norm) is not None)
        )
        and not image_generation(norm, words, cjk)
    )
    long_context = (
        len(text) > LONG_TEXT_CHARS
        or (
            (
                not words.isdisjoint(_LONG_CONTEXT_GATE)
                or any(sub in norm for sub in _LONG_CONTEXT_SUBSTRINGS)
            )
            and _LONG_CONTEXT_RE.search(norm) is not None
        )
        or (cjk and _LONG_CONTEXT_ZH_RE.search(norm) is not None)
    )
    tools = (not words.isdisjoint(_TOOLS_GATE) and _TOOLS_RE.search(norm) is not None) or (
        cjk and _TOOLS_ZH_RE.search(norm) is not None
    )
    return Signals(
        needs_vision=needs_vision,
        long_context=long_context,
        tools=tools,
        language=detect_language(text[:RULE_CHARS]),
        flagship=flagship,
        lightweight=lightweight,
        complexity=complexity,
    )
