"""Task decomposition: split a task into steps (plan mode) or a dependency graph (swarm mode).

Pure functions, no I/O. Model choice is not made here: steps and swarm tasks carry a category and
a budget, and the caller attaches a model (``model`` field) through selection.

Splitting (:func:`split_task`) tries, in the original's priority order, the first rule that
yields at least two parts: numbered list (also ``1、`` ``1．`` ``（1）`` ``一、`` ``第一步``),
bullets, sequencing words (then / next / finally / after that / 然后 / 最后 …), semicolons,
blank lines. Differences from the original, on purpose:

- only markers at the outermost indentation split, so nested sub-items stay with their parent;
- an intro line before a list that announces it (ends with ``:`` or says "following"/"以下") is
  kept as ``preamble`` context, not turned into a step;
- "next"/"finally" split only at a clause start ("the next version" is not a split point);
- keyword matching uses word boundaries ("core" is not found in "score");
- the number of parts is capped (adjacent parts are merged, with a warning).

Swarm edges (:func:`swarm`) need evidence; a numbered list is *not* chained by default (the
original chained every numbered/"then" list, §11.23); :func:`_infer_edges` states the rules.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from pydantic import Field

from smart_spawn_plugin.engine.dag import (
    MAX_GRAPH_NODES,
    Artifact,
    EdgeType,
    Stage,
    TaskFacts,
    TaskGraph,
    Wave,
    count_hits,
    infer_dependencies,
    terms,
    validate_max_parallel,
)
from smart_spawn_plugin.errors import InvalidParam, MissingParam
from smart_spawn_plugin.models import BUDGETS, CATEGORIES, Budget, Category, Pricing, Wire

MAX_TASK_CHARS: Final = 20_000
DEFAULT_MAX_STEPS: Final = 12
DEFAULT_MAX_TASKS: Final = 20

SplitMethod = Literal["numbered", "bullets", "conjunctions", "semicolons", "paragraphs", "none"]
Classifier = Callable[[str], Category]

NOT_SPLIT_REASON: Final = "Task does not appear to have multiple steps"
NOT_SWARM_REASON: Final = "Task does not decompose into multiple independent subtasks"


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
_INTRO = re.compile(r"[:：]\s*$|\b(?:following|below|as follows|these steps)\b|以下|如下")
_CONNECTOR = re.compile(
    r"(?:(?:^|[,;:.!?，。；：])\s*(?:and\s+)?|\s+and\s+)"
    r"(?P<c>after\s+that|afterwards|after\s+this|next|finally|lastly"
    r"|second(?:ly)?(?=,)|third(?:ly)?(?=,))\b[,，]?\s*"
    r"|(?:^|[,;:.!?，。；：]\s*|\s+)(?P<t>(?:and\s+)?then)\b[,，]?\s+"
    r"|[,;，。；]?\s*(?P<z>然后|接着|随后|之后|最后|其次)[,，]?",
    re.IGNORECASE,
)
# "since then", "by then" … are not sequencing.
_NOT_THEN = re.compile(r"\b(?:since|by|until|till|back|just|even|if)\s*$", re.IGNORECASE)
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
        if _INTRO.search(head):
            preamble = head
        else:  # a real first step written as prose before the list
            items.insert(0, Part(head))
    return items, preamble


def _split_connectors(text: str) -> list[Part]:
    parts: list[Part] = []
    start, connector = 0, None
    for m in _CONNECTOR.finditer(text):
        if m.group("t") and _NOT_THEN.search(text[: m.start()] + " "):
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
        ("conjunctions", _split_connectors),
        ("semicolons", lambda t: [Part(_clean(s)) for s in re.split(r"[;；]", t) if _clean(s)]),
        ("paragraphs", lambda t: [Part(_clean(s)) for s in re.split(r"\n\s*\n", t) if _clean(s)]),
    )
    for method, rule in rules:
        parts = rule(text)
        if len(parts) >= 2:
            return method, parts, None
    return "none", [Part(text)], None


def _cap(parts: list[Part], limit: int) -> list[list[int]]:
    """Group part indexes into at most ``limit`` runs of adjacent parts, as even as possible."""
    size, extra = divmod(len(parts), limit) if len(parts) > limit else (1, 0)
    groups: list[list[int]] = []
    i = 0
    while i < len(parts):
        n = size + (1 if len(groups) < extra else 0)
        groups.append(list(range(i, i + n)))
        i += n
    return groups


# ------------------------------------------------------------------------ budget & classification
_DOWN = terms("simple|quick|boilerplate|trivial|basic|straightforward|easy|简单|快速")
_UP = terms(
    "critical|complex|architecture|security|performance|optimize"
    "|optimise|optimization|core|thorough|thoroughly|in-depth|复杂"
    "|关键|安全|性能|优化|核心|全面"
)
_ORDER: Final[tuple[Budget, ...]] = ("low", "medium", "high")


def nudge_budget(text: str, budget: Budget) -> tuple[Budget, str | None]:
    """The budget moved one step by keywords, and why (``None`` if unchanged).

    Only down-words → one step cheaper; only up-words → one step dearer; both or neither →
    unchanged. ``any`` has no steps and stays ``any`` (the original turned it into ``low``).
    """
    down, up = _DOWN.search(text), _UP.search(text)
    if budget == "any" or bool(down) == bool(up):
        return budget, None
    i = _ORDER.index(budget)
    new = _ORDER[max(0, i - 1)] if down else _ORDER[min(2, i + 1)]
    hit = (down or up).group(0).lower()  # type: ignore[union-attr]
    if new == budget:
        return budget, None
    return new, f"budget {budget}→{new} (keyword '{hit}')"


_FALLBACK_KEYWORDS: Final[tuple[tuple[Category, re.Pattern[str]], ...]] = (
    (
        "coding",
        terms(
            "code|coding|program|programming|debug|fix|implement|refactor"
            "|typescript|python|javascript|rust|golang|java|sql|api"
            "|endpoint|function|class|test|bug|compile|build|deploy"
            "|docker|git|schema|database|代码|编程|实现|调试|修复|接口"
        ),
    ),
    (
        "reasoning",
        terms(
            "reason|reasoning|analyze|analyse|analysis|think|logic|math"
            "|calculate|prove|deduce|evaluate|compare|decision|strategy"
            "|plan|architecture|design|分析|推理|数学|设计"
        ),
    ),
    (
        "creative",
        terms(
            "creative|write|story|poem|essay|blog|content|marketing|copy"
            "|brainstorm|idea|slogan|narrative|fiction|写作|故事|文章"
        ),
    ),
    (
        "research",
        terms(
            "research|search|find|look up|investigate|survey|summarize"
            "|summarise|report|literature|paper|study|document"
            "|learn about|调研|研究|搜索|总结"
        ),
    ),
    (
        "fast-cheap",
        terms(
            "quick|fast|cheap|simple|brief|short|classify|label|tag|extract|parse|format|convert"
        ),
    ),
    ("vision", terms("image|picture|photo|screenshot|diagram|chart|visual|ocr|图片|图像|截图")),
)


def keyword_category(text: str) -> Category:
    """Fallback classifier: most whole-word keyword hits wins; ties to the earlier category."""
    best: Category = "general"
    best_hits = 0
    for category, pattern in _FALLBACK_KEYWORDS:
        hits = count_hits(pattern, text)
        if hits > best_hits:
            best, best_hits = category, hits
    return best


def resolve_classifier(classify: Classifier | None) -> Classifier:
    """``classify`` itself, else the engine classifier (imported lazily: it may not exist yet),
    else :func:`keyword_category`. Any result outside the known categories becomes ``general``."""
    chosen: Classifier
    if classify is not None:
        chosen = classify
    else:
        try:
            engine_classify = importlib.import_module("smart_spawn_plugin.engine.classify").classify
        except (ImportError, AttributeError):
            chosen = keyword_category
        else:

            def chosen(text: str) -> Category:
                category: Category = engine_classify(text).category
                return category

    def safe(text: str) -> Category:
        category = chosen(text)
        return category if category in CATEGORIES else "general"

    return safe


# ---------------------------------------------------------------------------------- validation
def validate_task(task: object) -> str:
    """The stripped task; :class:`MissingParam` if empty, :class:`InvalidParam` if not a str or
    longer than :data:`MAX_TASK_CHARS`."""
    if not isinstance(task, str):
        raise InvalidParam(f"task must be a string, got {type(task).__name__}", field="task")
    stripped = task.strip()
    if not stripped:
        raise MissingParam("task field is required in request body", field="task")
    if len(stripped) > MAX_TASK_CHARS:
        raise InvalidParam(
            f"task is too long: {len(stripped)} characters (at most {MAX_TASK_CHARS})",
            field="task",
        )
    return stripped


def validate_budget(budget: object) -> Budget:
    """``budget`` if it is one of low/medium/high/any, else :class:`InvalidParam` naming it."""
    for known in BUDGETS:
        if budget == known and isinstance(budget, str):
            return known
    raise InvalidParam(
        f"budget must be one of {', '.join(BUDGETS)}, got {budget!r}", field="budget"
    )


def _validate_limit(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_GRAPH_NODES:
        raise InvalidParam(f"{name} must be an integer from 1 to {MAX_GRAPH_NODES}", field=name)
    return value


# ------------------------------------------------------------------------------ plan: decompose
class StepModel(Wire):
    """A model a caller attached to a step: the original's ``{id,name,provider,score,pricing}``."""

    id: str
    name: str
    provider: str
    score: float
    pricing: Pricing = Field(default_factory=Pricing)


class Step(Wire):
    """One plan step. ``reason`` explains the split and budget; a caller attaching a model may
    replace it with the selection's reason, as the original did."""

    step: int
    id: str
    task: str
    category: Category
    budget: Budget
    model: StepModel | None = None
    reason: str


class Decomposition(Wire):
    """``POST /decompose``'s response. The original's keys (``decomposed``, ``totalSteps``,
    ``steps``, ``originalTask``, ``context``, and ``reason`` when not split) are all present;
    ``method``, ``preamble`` and ``warnings`` are ours. Unsplit tasks still carry their one step."""

    decomposed: bool
    reason: str | None = None
    total_steps: int
    steps: list[Step]
    original_task: str
    context: str | None = None
    method: SplitMethod
    preamble: str | None = None
    warnings: list[str] = Field(default_factory=list)

    def wire(self) -> dict[str, object]:
        """The JSON dict; ``reason`` is omitted when unset, as in the original's split response."""
        out = self.model_dump(mode="json", by_alias=True)
        if out["reason"] is None:
            del out["reason"]
        return out


@dataclass(frozen=True)
class _Unit:
    """A (possibly merged) part with everything steps and swarm tasks need."""

    text: str
    members: tuple[int, ...]
    connector: str | None
    category: Category
    budget: Budget
    why: str


def _prepare(
    task: object, budget: object, classify: Classifier | None, limit: int, noun: str
) -> tuple[str, SplitMethod, list[_Unit], str | None, list[str]]:
    text = validate_task(task)
    base = validate_budget(budget)
    method, parts, preamble = split_task(text)
    warnings: list[str] = []
    groups = _cap(parts, limit)
    if len(groups) < len(parts):
        warnings.append(
            f"{len(parts)} {noun}s were merged into {len(groups)} (limit {limit}); "
            "adjacent items share a step"
        )
    classifier = resolve_classifier(classify)
    units: list[_Unit] = []
    for group in groups:
        body = "\n".join(parts[i].text for i in group)
        category = classifier(body)
        step_budget, nudge = nudge_budget(body, base)
        source = (
            f"{method} item {group[0] + 1}"
            if len(group) == 1
            else (f"{method} items {group[0] + 1}-{group[-1] + 1} (merged)")
        )
        why = "; ".join(
            x
            for x in ("whole task" if method == "none" else source, f"category {category}", nudge)
            if x
        )
        units.append(
            _Unit(body, tuple(group), parts[group[0]].connector, category, step_budget, why)
        )
    return text, method, units, preamble, warnings


def decompose(
    task: object,
    *,
    budget: object = "medium",
    classify: Classifier | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    context: str | None = None,
) -> Decomposition:
    """Split ``task`` into sequential plan steps ``step-1``…, each with category, budget, reason.

    Raises :class:`InvalidParam`/:class:`MissingParam` for a bad ``task``, ``budget`` or
    ``max_steps`` (1..50). More parts than ``max_steps`` are merged into adjacent groups and a
    warning says so. ``context`` (the caller's tag string) is echoed back.
    """
    limit = _validate_limit(max_steps, "max_steps")
    text, method, units, preamble, warnings = _prepare(task, budget, classify, limit, "step")
    steps = [
        Step(
            step=i, id=f"step-{i}", task=u.text, category=u.category, budget=u.budget, reason=u.why
        )
        for i, u in enumerate(units, start=1)
    ]
    split = len(steps) >= 2
    return Decomposition(
        decomposed=split,
        reason=None if split else NOT_SPLIT_REASON,
        total_steps=len(steps),
        steps=steps,
        original_task=text,
        context=context,
        method=method,
        preamble=preamble,
        warnings=warnings,
    )


# ------------------------------------------------------------------------------ swarm heuristics
# ------------------------------------------------------------------------------ swarm: personas
_PERSONA_BY_CATEGORY: Final[dict[Category, str]] = {
    "coding": "software-engineer",
    "research": "analyst",
    "creative": "writer",
    "reasoning": "analyst",
    "general": "software-engineer",
    "fast-cheap": "software-engineer",
    "vision": "analyst",
}
_PERSONA_RULES: Final[tuple[tuple[str, int, re.Pattern[str]], ...]] = (
    (
        "frontend-engineer",
        10,
        terms("frontend|front-end|react|vue|css|ui|ux|tailwind|svelte|angular|前端"),
    ),
    (
        "backend-engineer",
        10,
        terms("backend|back-end|api|server|endpoint|restful|rest api|graphql|microservice|后端"),
    ),
    (
        "database-architect",
        10,
        terms("database|schema|sql|postgres|postgresql|mysql|mongo|mongodb|migration|orm|数据库"),
    ),
    (
        "devops-engineer",
        10,
        terms(
            "deploy|docker|ci|ci/cd|pipeline|kubernetes|k8s|aws|gcp|azure"
            "|infrastructure|terraform|部署"
        ),
    ),
    (
        "security-engineer",
        10,
        terms(
            "security|auth|authentication|authorization|oauth|jwt|encrypt"
            "|encryption|vulnerability|安全"
        ),
    ),
    (
        "software-engineer",
        8,
        terms("test|unit test|integration test|e2e|coverage|jest|vitest|pytest|测试"),
    ),
    ("technical-writer", 8, terms("docs|documentation|guide|readme|tutorial|manual|wiki|文档")),
)

#: (stage, keywords, weight). Generic production verbs weigh half, so "write tests" is a test
#: task and "write a report" a synthesis task (the original tied them into "build", §11.24).


def persona_for(text: str, category: Category) -> str:
    """The category's default persona, replaced by a keyword rule of higher priority (or equal
    priority with more whole-word hits), as in the original but without substring false hits."""
    best, best_priority, best_hits = _PERSONA_BY_CATEGORY[category], 0, 0
    for persona, priority, pattern in _PERSONA_RULES:
        hits = count_hits(pattern, text)
        if hits and (priority > best_priority or (priority == best_priority and hits > best_hits)):
            best, best_priority, best_hits = persona, priority, hits
    return best


# ----------------------------------------------------------------------------- swarm: the models
#: Assumed completion tokens per sub-agent run, by category: (typical, generous). Assumptions,
#: not measurements; they exist so a cost estimate states what it assumed.
COMPLETION_TOKENS: Final[dict[Category, tuple[int, int]]] = {
    "coding": (1500, 6000),
    "reasoning": (1000, 5000),
    "creative": (800, 3000),
    "research": (1200, 5000),
    "general": (600, 3000),
    "fast-cheap": (200, 1000),
    "vision": (400, 2000),
}
#: Assumed role/system prompt tokens (typical, generous); task text counts ~4 characters a token.
PROMPT_OVERHEAD_TOKENS: Final = (800, 2000)
CHARS_PER_TOKEN: Final = 4


class TokenEstimate(Wire):
    """Assumed tokens for one run: prompt = role overhead + task text + direct dependencies'
    outputs (passed as context); completion from :data:`COMPLETION_TOKENS`."""

    prompt_low: int
    prompt_high: int
    completion_low: int
    completion_high: int


class CostEstimate(Wire):
    """USD for the whole swarm at the low and high token assumptions (4 dp). Tasks the price
    lookup could not price are listed in ``unpriced`` and excluded from the sums."""

    low: float
    high: float
    unpriced: list[str] = Field(default_factory=list)
    assumption: str = (
        "tokens per task from TokenEstimate (role overhead + task text + dependency outputs; "
        "completion by category); prices per 1M tokens"
    )


class SwarmTask(Wire):
    """One swarm node, in the original's shape plus ``phase``, ``artifacts`` and ``tokens``."""

    id: str
    description: str
    category: Category
    budget: Budget
    persona: str
    depends_on: list[str] = Field(default_factory=list)
    model: StepModel | None = None
    reason: str
    wave: int
    phase: Stage
    artifacts: list[Artifact] = Field(default_factory=list)
    tokens: TokenEstimate


class SwarmEdge(Wire):
    """``{from, to, type}``: ``to`` depends on ``from``; ``type`` says what evidence made it."""

    from_: str = Field(alias="from")
    to: str
    type: EdgeType


class SwarmDag(Wire):
    """The original's ``dag`` object plus ``method``, ``maxParallel``, ``criticalPathLength``,
    ``preamble`` and ``warnings``. ``estimatedCost`` is null unless a price lookup was given."""

    tasks: list[SwarmTask]
    waves: list[Wave]
    edges: list[SwarmEdge]
    total_tasks: int
    total_waves: int
    original_task: str
    context: str | None = None
    estimated_cost: CostEstimate | None = None
    warning: str | None = None
    warnings: list[str] = Field(default_factory=list)
    method: SplitMethod
    max_parallel: int
    critical_path_length: int
    preamble: str | None = None

    def graph(self) -> TaskGraph:
        """The dependency graph, for :meth:`TaskGraph.ready` in the executor."""
        return TaskGraph.from_edges(
            [t.id for t in self.tasks], [(e.from_, e.to) for e in self.edges]
        )


class SwarmPlan(Wire):
    """``POST /swarm``'s response: ``{decomposed, reason?, dag}``. An undecomposable task still
    carries a one-task ``dag`` so a caller can run it as is."""

    decomposed: bool
    reason: str | None = None
    dag: SwarmDag

    def wire(self) -> dict[str, object]:
        """The JSON dict; ``reason`` and ``dag.warning`` are omitted when unset, as original."""
        out = self.model_dump(mode="json", by_alias=True)
        if out["reason"] is None:
            del out["reason"]
        if out["dag"]["warning"] is None:
            del out["dag"]["warning"]
        return out


def _tokens(unit: _Unit, deps: list[_Unit], preamble: str | None) -> TokenEstimate:
    text_tokens = math.ceil((len(unit.text) + len(preamble or "")) / CHARS_PER_TOKEN)
    low, high = COMPLETION_TOKENS[unit.category]
    return TokenEstimate(
        prompt_low=PROMPT_OVERHEAD_TOKENS[0]
        + text_tokens
        + sum(COMPLETION_TOKENS[d.category][0] for d in deps),
        prompt_high=PROMPT_OVERHEAD_TOKENS[1]
        + text_tokens
        + sum(COMPLETION_TOKENS[d.category][1] for d in deps),
        completion_low=low,
        completion_high=high,
    )


def swarm(
    task: object,
    *,
    budget: object = "medium",
    max_parallel: object = 5,
    classify: Classifier | None = None,
    max_tasks: int = DEFAULT_MAX_TASKS,
    context: str | None = None,
    sequential: bool = False,
    price_lookup: Callable[[SwarmTask], Pricing | None] | None = None,
) -> SwarmPlan:
    """Split ``task`` into ``swarm-1``… tasks with persona, phase, artifacts and evidence-based
    dependencies, reduced transitively and checked for cycles, layered into waves.

    Edge rules (no edge without evidence; a numbered list alone is *not* chained):

    - ``reference``/``temporal``: the task's words — "step 2", "the previous step", "combine the
      results" (all earlier tasks), "after the schema is designed", a leading "after that";
    - ``phase``: a stage needs an earlier stage's output (build ← design/setup/research, test ←
      build/integrate, synthesize ← research, release ← everything built and tested, …), matched
      by shared subject words; a consumer with no subject ("write tests for it") or a downstream
      one with no match waits for all producers of the needed stages, so a test never runs before
      the build it tests, whatever the text order;
    - ``artifact``: as ``phase`` when only an artifact kind (schema, api, …) is shared;
    - ``sequential=True`` adds the original's i → i+1 chain (opt-in).

    Raises :class:`InvalidParam` for ``maxParallel`` outside 1..8 or not an int, a bad
    ``budget``, ``task`` or ``max_tasks``; :class:`MissingParam` for an empty task.
    ``price_lookup`` (task → pricing per 1M tokens of its attached model, or ``None``) fills
    ``estimatedCost``; without it the field is null and the caller prices the plan.
    """
    parallel = validate_max_parallel(max_parallel)
    limit = _validate_limit(max_tasks, "max_tasks")
    text, method, units, preamble, warnings = _prepare(task, budget, classify, limit, "task")
    ids = [f"swarm-{i}" for i in range(1, len(units) + 1)]
    facts = [TaskFacts.of(u.text, u.connector) for u in units]
    part_to_unit = {m: i for i, u in enumerate(units) for m in u.members}
    kept, cycle_warnings = infer_dependencies(
        facts, ids, part_to_unit=part_to_unit, sequential=sequential
    )
    graph = TaskGraph.from_edges(ids, kept)
    graph.validate_graph(max_nodes=limit)
    waves = graph.waves(parallel)
    wave_of = {tid: w.wave for w in waves for tid in w.task_ids}
    tasks: list[SwarmTask] = []
    for i, (node, fact, unit) in enumerate(zip(graph.nodes, facts, units, strict=True)):
        deps = [units[ids.index(d)] for d in node.depends_on]
        persona = persona_for(unit.text, unit.category)
        tasks.append(
            SwarmTask(
                id=ids[i],
                description=unit.text,
                category=unit.category,
                budget=unit.budget,
                persona=persona,
                depends_on=node.depends_on,
                reason=f"{unit.why}; phase {fact.stage}",
                wave=wave_of[ids[i]],
                phase=fact.stage,
                artifacts=sorted(fact.artifacts),
                tokens=_tokens(unit, deps, preamble),
            )
        )
    edges = [SwarmEdge(from_=src, to=dst, type=kept[(src, dst)]) for src, dst in graph.edges()]
    all_warnings = warnings + cycle_warnings
    dag = SwarmDag(
        tasks=tasks,
        waves=waves,
        edges=edges,
        total_tasks=len(tasks),
        total_waves=len(waves),
        original_task=text,
        context=context,
        warning="; ".join(all_warnings) or None,
        warnings=all_warnings,
        method=method,
        max_parallel=parallel,
        critical_path_length=graph.critical_path_length(),
        preamble=preamble,
    )
    if price_lookup is not None:
        dag.estimated_cost = estimate_cost(tasks, price_lookup)
    split = len(tasks) >= 2
    return SwarmPlan(decomposed=split, reason=None if split else NOT_SWARM_REASON, dag=dag)


def estimate_cost(
    tasks: Sequence[SwarmTask], price_lookup: Callable[[SwarmTask], Pricing | None]
) -> CostEstimate:
    """Sum each task's :class:`TokenEstimate` at its model's prices (USD per 1M tokens)."""
    low = high = 0.0
    unpriced: list[str] = []
    for t in tasks:
        price = price_lookup(t)
        if price is None:
            unpriced.append(t.id)
            continue
        tk = t.tokens
        low += (tk.prompt_low * price.prompt + tk.completion_low * price.completion) / 1e6
        high += (tk.prompt_high * price.prompt + tk.completion_high * price.completion) / 1e6
    return CostEstimate(low=round(low, 4), high=round(high, 4), unpriced=unpriced)
