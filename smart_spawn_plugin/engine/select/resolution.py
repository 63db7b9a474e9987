"""Request resolution: a pick request → category, budget, strategy and hard requirements.

A request that names its category keeps it (``budget: auto`` still reads the task's complexity);
otherwise the task text is classified and its signals become requirements: image input →
``vision``, tools → ``functionCalling``, long context → ``min_context`` and long-context prices,
a task language → a context tag. ``auto`` budgets follow complexity × category; a
flagship/lightweight prefix — or the personal memory of one — wins over any budget. The result,
:class:`Resolved`, is what :class:`.selection.Selector` filters and ranks by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

from smart_spawn_plugin.engine.select.budget import auto_budget
from smart_spawn_plugin.engine.select.memory import ForcedTier, MemoryRecall, RoutingMemory
from smart_spawn_plugin.engine.select.requests import ClassificationOut, PickRequest
from smart_spawn_plugin.engine.select.strategies import ASSUME_LONG
from smart_spawn_plugin.errors import MissingParam
from smart_spawn_plugin.models import Budget, Category, Strategy

if TYPE_CHECKING:
    from smart_spawn_plugin.engine.classify.classifier import Classification

#: Classification signals turn into requirements.
LONG_CONTEXT_MIN: Final = 128_000
#: Task language → context tag whose benchmarks favour models strong in that language.
LANGUAGE_TAGS: Final[dict[str, str]] = {"zh": "chinese"}
#: Wire forms of classifications kept (cleared when full). Shared by every decision of one
#: task text: decisions do not mutate them.
MAX_OUTS: Final = 4096
_OUTS: dict[tuple[int, bool, bool], tuple[Classification, ClassificationOut]] = {}


class Resolved(NamedTuple):
    """A pick request resolved: what :class:`.selection.Selector` filters and ranks by
    (immutable; a named tuple because one is built on every pick)."""

    category: Category
    budget: Budget
    strategy: Strategy
    request: PickRequest
    classification: ClassificationOut | None
    #: long-context pricing: None (ordinary prices), a prompt size, or ASSUME_LONG
    prompt_tokens: int | None = None
    #: why the budget is what it is when ``auto``, a prefix or a memory chose it
    budget_note: str | None = None
    #: the personal memory the pick follows
    memory: MemoryRecall | None = None


def resolve_request(request: PickRequest, memory: RoutingMemory | None = None) -> Resolved:
    """Category from the request or the task text; classification signals applied.

    ``memory`` (optional) remembers a prefix-forced tier or recalls the tier, exclusion or
    preferred model a plain query follows. Raises :class:`MissingParam` (field ``task``) when
    neither a category nor a task text is given."""
    from smart_spawn_plugin.engine.classify.classifier import classify, strip_prefixes

    if request.category is not None:
        if request.budget != "auto":
            return Resolved(
                request.category,
                request.budget,
                request.strategy,
                request,
                None,
                request.prompt_tokens,
            )
        level = None
        if request.task and request.task.strip():
            level = classify(request.task).signals.complexity
        tier, auto_note = auto_budget(level, request.category)
        return Resolved(
            request.category,
            tier,
            request.strategy,
            request,
            None,
            request.prompt_tokens,
            budget_note=auto_note,
        )
    if not request.task or not request.task.strip():
        raise MissingParam("task parameter is required", field="task")

    result = classify(request.task)
    sig = result.signals
    flagship, lightweight = sig.flagship, sig.lightweight
    recall = _recall(memory, request, strip_prefixes(request.task)[0], flagship, lightweight)
    if recall is not None and recall.kind == "forced":
        flagship, lightweight = recall.tier == "flagship", recall.tier == "lightweight"
    req = request
    require = list(req.require)
    if sig.needs_vision and "vision" not in require:
        require.append("vision")
    if sig.tools and "functionCalling" not in require:
        require.append("functionCalling")  # web search / browsing needs tool calls
    # a copy only when a signal changes the request (most tasks change nothing: the common
    # pick saves a model copy); a copy never shares its lists with the caller's request
    updates: dict[str, object] = {"require": require} if require != req.require else {}
    tag = LANGUAGE_TAGS.get(sig.language)
    if tag is not None and tag not in req.context:
        updates["context"] = [*req.context, tag]  # boost models strong in that language
    if sig.long_context and req.min_context < LONG_CONTEXT_MIN:
        updates["min_context"] = LONG_CONTEXT_MIN
    if recall is not None and recall.model and (recall.rating or 0) <= 2:
        updates["exclude"] = [*req.exclude, recall.model]
    if updates:
        req = req.model_copy(update={"require": require, **updates})
    category = result.category
    budget, strategy, note = _tier(
        req, sig.complexity, category, flagship, lightweight, recall is not None
    )
    out = _classification_out(result, flagship, lightweight)
    tokens = req.prompt_tokens
    if tokens is None and sig.long_context:
        tokens = ASSUME_LONG  # a long-context task: long-context prices apply
    return Resolved(category, budget, strategy, req, out, tokens, budget_note=note, memory=recall)


def _classification_out(
    result: Classification, flagship: bool, lightweight: bool
) -> ClassificationOut:
    """The wire form of a classification, memoised per classification object (``classify``
    returns the same immutable object for a repeated text) and prefix tier."""
    key = (id(result), flagship, lightweight)
    hit = _OUTS.get(key)
    if hit is not None and hit[0] is result:  # held here, so the id was not reused
        return hit[1]
    if len(_OUTS) >= MAX_OUTS:
        _OUTS.clear()
    sig = result.signals
    out = ClassificationOut(
        category=result.category,
        confidence=round(result.confidence, 3),
        signals={
            "needsVision": sig.needs_vision,
            "longContext": sig.long_context,
            "tools": sig.tools,
            "language": sig.language,
            "flagship": flagship,
            "lightweight": lightweight,
            "complexity": sig.complexity,
        },
        override=result.override,
    )
    _OUTS[key] = (result, out)
    return out


def _recall(
    memory: RoutingMemory | None,
    request: PickRequest,
    query: str,
    flagship: bool,
    lightweight: bool,
) -> MemoryRecall | None:
    """Remember a prefix-forced tier, or recall the memory a plain query follows."""
    if memory is None:
        return None
    if flagship or lightweight:
        tier: ForcedTier = "flagship" if flagship else "lightweight"
        memory.remember_forced(request.user_key, query, tier)
        return None
    return memory.recall(request.user_key, query)


def _tier(
    req: PickRequest,
    complexity: float,
    category: Category,
    flagship: bool,
    lightweight: bool,
    from_memory: bool,
) -> tuple[Budget, Strategy, str | None]:
    """The budget and strategy of a classified task, and the note that explains them:
    ``auto`` follows complexity × category; a flagship/lightweight prefix (or the memory of
    one) wins over any budget, and the note says so."""
    note: str | None = None
    strategy = req.strategy
    if req.budget == "auto":
        budget, note = auto_budget(complexity, category)
    else:
        budget = req.budget
    why = "a personal memory" if from_memory else "the prefix"
    over = f" (wins over {note})" if note else ""
    if flagship:
        budget, strategy = "any", "best_score"
        note = f"flagship from {why}: any budget, best score{over}"
    if lightweight:
        budget = "low" if budget in ("medium", "high", "any") else budget
        note = f"lightweight from {why}: {budget} budget{over}"
    return budget, strategy, note
