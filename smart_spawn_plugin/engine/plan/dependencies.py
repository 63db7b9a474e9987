"""Evidence-based dependency inference between tasks, from their text alone.

:func:`infer_dependencies` turns a list of :class:`TaskFacts` (each task's stage, artifact kinds
and subject words) into acyclic, transitively reduced edges typed by the evidence behind them;
:func:`smart_spawn_plugin.engine.plan.swarm.swarm` lays them out as a
:class:`~smart_spawn_plugin.engine.plan.dag.TaskGraph`.

Also home to the keyword helpers (:func:`terms`, :func:`count_hits`) and the bundled keyword
tables (``data/decompose.json``, :func:`load_vocabulary`) that decomposition, swarm planning and
this module share. The tables are read on first use, never at import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal, get_args

from smart_spawn_plugin.engine.plan.dag import natural_key, transitive_reduction
from smart_spawn_plugin.engine.plan.vocabulary import (
    Artifact,
    Stage,
    count_hits,
    load_vocabulary,
    terms,
)

EdgeType = Literal["reference", "temporal", "phase", "artifact", "given"]


# ------------------------------------------------------------------------------ stages & words
_STAGE_ORDER: Final[tuple[Stage, ...]] = get_args(Stage)  # the Literal's order
#: What each stage needs from earlier stages. Acyclic by construction: every producer stage comes
#: earlier in ``_STAGE_ORDER``, so these edges alone can never close a cycle.
_NEEDS: Final[dict[Stage, tuple[Stage, ...]]] = {
    "research": (),
    "setup": (),
    "design": ("research",),
    "build": ("research", "design", "setup"),
    "integrate": ("setup", "build"),
    "test": ("build", "integrate"),
    "synthesize": ("research",),
    "docs": ("build", "integrate"),
    "review": ("build", "integrate", "synthesize", "docs"),
    "release": ("setup", "build", "integrate", "test", "review"),
}
#: Consumers of these stages work *on* earlier output: with no identifiable subject they wait for
#: every producer they need (a test with no clear subject tests everything built).
_DOWNSTREAM: Final = frozenset({"integrate", "test", "synthesize", "docs", "review"})


@dataclass(frozen=True)
class _Tables:
    """The vocabulary's stage, artifact and subject tables, compiled."""

    #: (stage, keywords, weight), in table order; a stage may appear more than once.
    stage_words: tuple[tuple[Stage, re.Pattern[str], float], ...]
    artifacts: tuple[tuple[Artifact, re.Pattern[str]], ...]
    stop: frozenset[str]
    generic: frozenset[str]
    stage_vocab: frozenset[str]


@cache
def _tables() -> _Tables:
    vocab = load_vocabulary()
    return _Tables(
        stage_words=tuple(
            (r.stage, terms("|".join(r.words)), r.weight) for r in vocab.stages.rules
        ),
        artifacts=tuple((r.artifact, terms("|".join(r.words))) for r in vocab.artifacts.rules),
        stop=frozenset(vocab.subjects.stop_words),
        generic=frozenset(vocab.subjects.generic_words),
        stage_vocab=frozenset(vocab.subjects.stage_vocabulary),
    )


_WORD = re.compile(r"[a-z0-9][a-z0-9+#/-]*|[\u4e00-\u9fff]+")
_STEP_REF = re.compile(
    r"\b(?:step|task|item|part|point)\s*#?\s*(\d{1,3})\b|第\s*(\d{1,3})\s*[步项]|步骤\s*(\d{1,3})",
    re.IGNORECASE,
)
_PREV_REF = re.compile(
    r"\b(?:previous|preceding|prior|above|earlier)\s+(?:step|task|item|result|output|finding)s?\b"
    r"|\bonce (?:that|this|it)(?:'s| is) (?:done|finished|complete)\b|上一步|前一步",
    re.IGNORECASE,
)
_AGGREGATE = re.compile(
    r"\b(?:combine|merge|consolidate|synthesi[sz]e|aggregate|all (?:of )?the above"
    r"|everything above|(?:all|the|these|those) (?:results|findings|outputs|answers|reports"
    r"|summaries)|final (?:report|summary|answer|recommendation)"
    r"|compare (?:the|them|these|those|both|all))\b|汇总|综合|合并",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"\b(?:after|once|when)\s+(?P<x>(?!that\b|this\b)[^,.;:]{3,80}?)\s+"
    r"(?:is|are|has been|have been|pass|passes)\b",
    re.IGNORECASE,
)


def stage_scores(text: str) -> dict[Stage, float]:
    """Weighted keyword hits per stage (only stages with hits)."""
    scores: dict[Stage, float] = {}
    for stage, pattern, weight in _tables().stage_words:
        hits = count_hits(pattern, text)
        if hits:
            scores[stage] = scores.get(stage, 0.0) + weight * hits
    return scores


_CONSUMED = re.compile(
    r"\b(?:using|with|from|based on|according to|following|via)\b.*", re.IGNORECASE | re.DOTALL
)


def stage_of(text: str) -> Stage:
    """The best-scoring stage; ties go to the earlier stage; no hit at all means ``build``.

    A trailing "using/with/from/based on …" clause names what the task *consumes*, so it is
    ignored here ("build the api using the schema" is a build, not a design task) unless
    nothing else has a stage word.
    """
    scores = stage_scores(_CONSUMED.sub("", text)) or stage_scores(text)
    if not scores:
        return "build"
    return max(_STAGE_ORDER, key=lambda s: (scores.get(s, 0.0), -_STAGE_ORDER.index(s)))


def artifacts_of(text: str) -> list[Artifact]:
    """Artifact kinds the text mentions (whole words), in table order."""
    return [kind for kind, pattern in _tables().artifacts if pattern.search(text)]


def subjects_of(text: str) -> frozenset[str]:
    """Content words (light plural stemming) minus stop words, stage verbs and generic nouns;
    CJK runs contribute their character bigrams. Used to match consumers with producers."""
    tables = _tables()
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        if word.isascii():
            if word.endswith("ies") and len(word) > 4:
                word = word[:-3] + "y"
            elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
                word = word[:-1]
            if (
                word not in tables.stop
                and word not in tables.stage_vocab
                and word not in tables.generic
            ):
                out.add(word)
        else:
            grams = {word[i : i + 2] for i in range(len(word) - 1)} or {word}
            out |= {g for g in grams if g not in tables.generic and g not in tables.stage_vocab}
    return frozenset(out)


# ---------------------------------------------------------------------------------- inference
@dataclass(frozen=True)
class TaskFacts:
    """What dependency inference knows about one task (``connector``: the sequencing word that
    introduced it in the text, e.g. ``"after that"``)."""

    text: str
    connector: str | None
    stage: Stage
    artifacts: frozenset[Artifact]
    subjects: frozenset[str]

    @classmethod
    def of(cls, text: str, connector: str | None = None) -> TaskFacts:
        return cls(
            text, connector, stage_of(text), frozenset(artifacts_of(text)), subjects_of(text)
        )


def _match(consumer: TaskFacts, producer: TaskFacts) -> float:
    shared = len(consumer.subjects & producer.subjects)
    kinds = (consumer.artifacts & producer.artifacts) - {"test", "docs"}
    return shared + (0.5 if kinds else 0.0)


#: Connectors that keep a task in its predecessor's sentence: "research X and build Y" (the
#: coordination split's ``"and"``), "research X, then build Y".
SAME_SENTENCE: Final = frozenset({"and", "then", "and then"})


def _sentences(facts: list[TaskFacts]) -> list[int]:
    """A sentence number per task: a task introduced by a :data:`SAME_SENTENCE` connector
    shares its predecessor's sentence."""
    out: list[int] = []
    for i, fact in enumerate(facts):
        out.append(out[-1] if i and fact.connector in SAME_SENTENCE else i)
    return out


def _stage_edges(facts: list[TaskFacts]) -> list[tuple[int, int, EdgeType]]:
    """Edges from what each task's stage needs (see ``_NEEDS``), matched by shared subject.

    Within one sentence ("research competitors and build a pitch deck", "…, then …") an earlier
    task of a needed stage feeds a later one even without a shared subject: the sentence itself
    is the evidence that the parts are about the same thing.
    """
    edges: list[tuple[int, int, EdgeType]] = []
    sentence = _sentences(facts)
    for c, consumer in enumerate(facts):
        needed = _NEEDS[consumer.stage]
        by_stage = {s: [p for p, f in enumerate(facts) if f.stage == s and p != c] for s in needed}
        picked: list[tuple[int, EdgeType]] = []
        for producers in by_stage.values():
            scored = [(p, _match(consumer, facts[p])) for p in producers]
            top = max((s for _, s in scored), default=0.0)
            for p, score in scored:
                if top > 0 and score == top:
                    kind: EdgeType = "phase" if score >= 1 else "artifact"
                    picked.append((p, kind))
                elif not facts[p].subjects or (top == 0 and p < c and sentence[p] == sentence[c]):
                    # a generic producer ("set up the project") feeds all; an earlier one of
                    # the same sentence feeds a consumer that matched no producer by subject
                    picked.append((p, "phase"))
        wait_all = (
            consumer.stage == "release"
            or not consumer.subjects
            or (consumer.stage in _DOWNSTREAM and not picked)
        )
        if wait_all:
            picked = [(p, "phase") for ps in by_stage.values() for p in ps]
        edges.extend((p, c, kind) for p, kind in picked)
    return edges


def _reference_edges(
    facts: list[TaskFacts], part_to_unit: dict[int, int]
) -> list[tuple[int, int, EdgeType]]:
    """Edges a task's own words ask for: "step 2", "the previous step", "combine the results",
    "after the schema is designed", a leading "after that"."""
    edges: list[tuple[int, int, EdgeType]] = []
    for c, fact in enumerate(facts):
        text = fact.text
        if c > 0 and (
            fact.connector in {"after that", "afterwards", "after this"} or _PREV_REF.search(text)
        ):
            edges.append((c - 1, c, "temporal"))
        for m in _STEP_REF.finditer(text):
            number = int(next(g for g in m.groups() if g))
            target = part_to_unit.get(number - 1)
            if target is not None and target != c:
                edges.append((target, c, "reference"))
        if _AGGREGATE.search(text):
            edges.extend((p, c, "reference") for p in range(c))
        for m in _AFTER.finditer(text):
            clause = m.group("x")
            wanted, stages = subjects_of(clause), stage_scores(clause)
            scored = [
                (p, len(wanted & f.subjects) + (1 if f.stage in stages else 0))
                for p, f in enumerate(facts)
                if p != c
            ]
            top = max((s for _, s in scored), default=0)
            edges.extend((p, c, "reference") for p, s in scored if top > 0 and s == top)
    return edges


def _acyclic(
    ids: Sequence[str], candidates: Sequence[tuple[int, int, EdgeType]]
) -> tuple[dict[tuple[int, int], EdgeType], list[str]]:
    """Add candidate edges in priority order, skipping any that would close a cycle (with a
    warning) — the original replaced *all* edges by a chain on any cycle."""
    succ: dict[int, set[int]] = {i: set() for i in range(len(ids))}
    kept: dict[tuple[int, int], EdgeType] = {}
    warnings: list[str] = []

    def reaches(start: int, goal: int) -> bool:
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            fresh = succ[node] - seen
            seen |= fresh
            stack.extend(fresh)
        return False

    for src, dst, kind in candidates:
        if src == dst or (src, dst) in kept:
            continue
        if reaches(dst, src):
            warnings.append(f"ignored {kind} edge {ids[src]} → {ids[dst]}: it would close a cycle")
            continue
        succ[src].add(dst)
        kept[(src, dst)] = kind
    return kept, warnings


def infer_dependencies(
    facts: Sequence[TaskFacts],
    ids: Sequence[str],
    *,
    part_to_unit: dict[int, int] | None = None,
    sequential: bool = False,
) -> tuple[dict[tuple[str, str], EdgeType], list[str]]:
    """Evidence-based edges ``{(dependency id, dependant id): type}``, acyclic and transitively
    reduced, plus warnings for edges dropped to avoid a cycle.

    Priority when edges conflict: the opt-in ``sequential`` chain, then the task's own words
    (``temporal``/``reference``), then ``phase``/``artifact``. ``part_to_unit`` maps 0-based
    original list positions to task indexes so "step 7" still resolves after merging.
    """
    facts = list(facts)
    mapping = part_to_unit if part_to_unit is not None else {i: i for i in range(len(facts))}
    candidates: list[tuple[int, int, EdgeType]] = []
    if sequential:
        candidates += [(i, i + 1, "temporal") for i in range(len(facts) - 1)]
    candidates += _reference_edges(facts, mapping)
    candidates += _stage_edges(facts)
    kept, warnings = _acyclic(ids, candidates)
    named = {(ids[s], ids[d]): kind for (s, d), kind in kept.items()}
    reduced = transitive_reduction(ids, named)
    return {edge: named[edge] for edge in sorted(reduced, key=_edge_key)}, warnings


def _edge_key(edge: tuple[str, str]) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    return natural_key(edge[1]), natural_key(edge[0])
