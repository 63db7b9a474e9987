"""Task decomposition: split a task into steps (plan mode); the splitting, budget nudging and
classification that swarm mode (:mod:`smart_spawn_plugin.engine.plan.swarm`) builds on.

Pure functions, no I/O: the keyword tables (``data/decompose.json``) are read on first use. Model
choice is not made here: steps and swarm tasks carry a category and a budget, and the caller
attaches a model (``model`` field) through selection.

Splitting the text into parts is :mod:`.splitting`; this module turns parts into steps
(category, budget, preamble), validates input, and holds the wire shapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Final

from pydantic import Field

from smart_spawn_plugin.engine.plan.dag import MAX_GRAPH_NODES
from smart_spawn_plugin.engine.plan.splitting import SplitMethod, cap_parts, split_task
from smart_spawn_plugin.engine.plan.vocabulary import count_hits, load_vocabulary, terms
from smart_spawn_plugin.errors import InvalidParam, MissingParam
from smart_spawn_plugin.models import BUDGETS, CATEGORIES, Budget, Category, Pricing, Wire

MAX_TASK_CHARS: Final = 20_000
DEFAULT_MAX_STEPS: Final = 12

Classifier = Callable[[str], Category]

NOT_SPLIT_REASON: Final = "Task does not appear to have multiple steps"


# ------------------------------------------------------------------------ budget & classification
_ORDER: Final[tuple[Budget, ...]] = ("low", "medium", "high")


@cache
def _budget_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(down-words, up-words) from ``data/decompose.json``, compiled once."""
    words = load_vocabulary().budget
    return terms("|".join(words.down)), terms("|".join(words.up))


def nudge_budget(text: str, budget: Budget) -> tuple[Budget, str | None]:
    """The budget moved one step by keywords, and why (``None`` if unchanged).

    Only down-words → one step cheaper; only up-words → one step dearer; both or neither →
    unchanged. ``any`` has no steps and stays ``any`` (the original turned it into ``low``).
    """
    down_words, up_words = _budget_words()
    down, up = down_words.search(text), up_words.search(text)
    if budget == "any" or bool(down) == bool(up):
        return budget, None
    i = _ORDER.index(budget)
    new = _ORDER[max(0, i - 1)] if down else _ORDER[min(2, i + 1)]
    hit = (down or up).group(0).lower()  # type: ignore[union-attr]
    if new == budget:
        return budget, None
    return new, f"budget {budget}→{new} (keyword '{hit}')"


@cache
def _category_rules() -> tuple[tuple[Category, re.Pattern[str]], ...]:
    """(category, keywords) from ``data/decompose.json`` in table order, compiled once."""
    return tuple((r.category, terms("|".join(r.words))) for r in load_vocabulary().categories.rules)


def keyword_category(text: str) -> Category:
    """Fallback classifier: most whole-word keyword hits wins; ties to the earlier category."""
    best: Category = "general"
    best_hits = 0
    for category, pattern in _category_rules():
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
            # imported here: the classifier is only needed when a caller asks for it
            from smart_spawn_plugin.engine.classify.classifier import classify as engine_classify
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


def validate_limit(value: object, name: str) -> int:
    """``value`` if it is an int in 1..:data:`MAX_GRAPH_NODES`, else :class:`InvalidParam`."""
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
class Unit:
    """A (possibly merged) part with everything steps and swarm tasks need."""

    text: str
    members: tuple[int, ...]
    connector: str | None
    category: Category
    budget: Budget
    why: str


def prepare(
    task: object, budget: object, classify: Classifier | None, limit: int, noun: str
) -> tuple[str, SplitMethod, list[Unit], str | None, list[str]]:
    """Validate, split, cap at ``limit`` and classify: ``(text, method, units, preamble,
    warnings)``; shared by :func:`decompose` and :func:`.swarm.swarm`."""
    text = validate_task(task)
    base = validate_budget(budget)
    method, parts, preamble = split_task(text)
    warnings: list[str] = []
    groups = cap_parts(parts, limit)
    if len(groups) < len(parts):
        warnings.append(
            f"{len(parts)} {noun}s were merged into {len(groups)} (limit {limit}); "
            "adjacent items share a step"
        )
    classifier = resolve_classifier(classify)
    units: list[Unit] = []
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
            Unit(body, tuple(group), parts[group[0]].connector, category, step_budget, why)
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
    limit = validate_limit(max_steps, "max_steps")
    text, method, units, preamble, warnings = prepare(task, budget, classify, limit, "step")
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
