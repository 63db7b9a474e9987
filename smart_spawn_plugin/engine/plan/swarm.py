"""Swarm planning: a task split into a dependency graph of persona-tagged sub-tasks.

:func:`swarm` splits a task like plan mode does (:mod:`.decompose`), adds
each task's persona, phase, artifacts and token estimate, infers evidence-based edges
(:func:`.dependencies.infer_dependencies`) and layers the
:class:`~smart_spawn_plugin.engine.plan.dag.TaskGraph` into waves. :func:`estimate_cost` prices the
result. Pure functions, no I/O; the persona keyword rules are read from ``data/decompose.json``
on first use.

Swarm edges need evidence; a numbered list is *not* chained by default (the original chained
every numbered/"then" list, §11.23); :func:`swarm` states the rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Final

from pydantic import Field

from smart_spawn_plugin.engine.plan.dag import TaskGraph, Wave, validate_max_parallel
from smart_spawn_plugin.engine.plan.decompose import (
    Classifier,
    StepModel,
    Unit,
    prepare,
    validate_limit,
)
from smart_spawn_plugin.engine.plan.dependencies import EdgeType, TaskFacts, infer_dependencies
from smart_spawn_plugin.engine.plan.splitting import SplitMethod
from smart_spawn_plugin.engine.plan.vocabulary import (
    Artifact,
    Stage,
    count_hits,
    load_vocabulary,
    terms,
)
from smart_spawn_plugin.models import Budget, Category, Pricing, Wire

DEFAULT_MAX_TASKS: Final = 20
NOT_SWARM_REASON: Final = "Task does not decompose into multiple independent subtasks"


# ------------------------------------------------------------------------------ swarm: personas
_PERSONA_BY_CATEGORY: Final[dict[Category, str]] = {
    "coding": "software-engineer",
    "research": "analyst",
    "creative": "writer",
    "reasoning": "analyst",
    "general": "assistant",
    "fast-cheap": "assistant",
    "vision": "analyst",
}


@cache
def _persona_rules() -> tuple[tuple[str, int, re.Pattern[str]], ...]:
    """(persona, priority, keywords) from ``data/decompose.json``, compiled once."""
    return tuple(
        (r.persona, r.priority, terms("|".join(r.words))) for r in load_vocabulary().personas.rules
    )


def persona_for(text: str, category: Category) -> str:
    """The category's default persona, replaced by a keyword rule of higher priority (or equal
    priority with more whole-word hits), as in the original but without substring false hits."""
    best, best_priority, best_hits = _PERSONA_BY_CATEGORY[category], 0, 0
    for persona, priority, pattern in _persona_rules():
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


def _tokens(unit: Unit, deps: list[Unit], preamble: str | None) -> TokenEstimate:
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
    limit = validate_limit(max_tasks, "max_tasks")
    text, method, units, preamble, warnings = prepare(task, budget, classify, limit, "task")
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
