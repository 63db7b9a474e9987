"""A task graph: nodes with ``dependsOn`` edges, validated, ordered and layered; and the
evidence-based inference of those edges from task text (:func:`infer_dependencies`: stages,
artifacts, subject words, explicit references), which swarm decomposition uses.

Used three ways: by :func:`smart_spawn_plugin.engine.decompose.swarm` for the graphs it infers,
by the swarm mode to validate a DAG a user supplies (``TaskGraph.from_payload``), and by the
swarm executor, which asks :meth:`TaskGraph.ready` which nodes may start once others finished.

Contracts:

- Ordering is deterministic and *numeric-aware*: ``swarm-2`` sorts before ``swarm-10`` (the
  original sorted ids as strings, defect §11.26).
- Every algorithm assumes :meth:`TaskGraph.validate` passed; the public ones call it first, so a
  bad graph raises :class:`~smart_spawn_plugin.errors.InvalidParam` rather than looping or
  returning a partial order.
- Waves are informational (a picture of the parallelism); a real scheduler starts each node as
  soon as its own dependencies finish, which :meth:`TaskGraph.ready` answers.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from pydantic import Field, ValidationError

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.models import Wire

#: Upper bound on nodes in any graph we validate (inferred or user-supplied).
MAX_GRAPH_NODES: Final = 50
#: Bounds of ``maxParallel`` (the original clamped to 1..8; we validate instead).
MIN_PARALLEL: Final = 1
MAX_PARALLEL: Final = 8

_DIGITS = re.compile(r"(\d+)")


def natural_key(node_id: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that orders digit runs by value: ``swarm-2`` < ``swarm-10`` < ``swarm-10b``."""
    return tuple(
        (0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk)
        for chunk in _DIGITS.split(node_id)
        if chunk
    )


def validate_max_parallel(value: object) -> int:
    """``value`` if it is an int in 1..8; otherwise :class:`InvalidParam` naming ``maxParallel``.

    A bool is rejected although it is an int subclass; so are floats like ``3.0`` and numeric
    strings: the original turned a non-number into NaN and looped forever (defect §11.1).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParam(
            f"maxParallel must be an integer from {MIN_PARALLEL} to {MAX_PARALLEL}, got {value!r}",
            field="maxParallel",
        )
    if not MIN_PARALLEL <= value <= MAX_PARALLEL:
        raise InvalidParam(
            f"maxParallel must be from {MIN_PARALLEL} to {MAX_PARALLEL}, got {value}",
            field="maxParallel",
        )
    return value


class TaskNode(Wire):
    """One node: an id, its task text, and the ids it depends on."""

    id: str = Field(min_length=1, max_length=200)
    task: str = ""
    depends_on: list[str] = Field(default_factory=list)


class Wave(Wire):
    """One informational wave: nodes that could run side by side (``description`` as original)."""

    wave: int
    task_ids: list[str]
    description: str


class TaskGraph(Wire):
    """A graph of :class:`TaskNode`; edges point from each dependency to its dependant."""

    nodes: list[TaskNode] = Field(default_factory=list)

    # ----------------------------------------------------------------------------- building
    @classmethod
    def from_payload(cls, items: object, *, max_nodes: int = MAX_GRAPH_NODES) -> TaskGraph:
        """Parse and validate a user-supplied graph: ``[{id, task|description, dependsOn}]``.

        Raises :class:`InvalidParam` (field ``tasks``) for a malformed payload or any graph error.
        """
        if not isinstance(items, list):
            raise InvalidParam("tasks must be a list of {id, task, dependsOn}", field="tasks")
        nodes: list[TaskNode] = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise InvalidParam(f"tasks[{index}] must be an object", field="tasks")
            data = dict(item)
            if "task" not in data and "description" in data:
                data["task"] = data.pop("description")
            try:
                nodes.append(TaskNode.model_validate(data))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise InvalidParam(
                    f"tasks[{index}].{where}: {first['msg']}", field="tasks"
                ) from None
        graph = cls(nodes=nodes)
        graph.validate_graph(max_nodes=max_nodes)
        return graph

    @classmethod
    def from_edges(cls, ids: Sequence[str], edges: Iterable[tuple[str, str]]) -> TaskGraph:
        """A graph over ``ids`` with ``(from, to)`` edges (``to`` depends on ``from``)."""
        deps: dict[str, list[str]] = {node_id: [] for node_id in ids}
        for src, dst in edges:
            if src not in deps[dst]:
                deps[dst].append(src)
        return cls(nodes=[TaskNode(id=i, depends_on=deps[i]) for i in ids])

    # ---------------------------------------------------------------------------- validation
    def validate_graph(self, *, max_nodes: int = MAX_GRAPH_NODES) -> None:
        """Raise :class:`InvalidParam` naming the problem; return ``None`` when the graph is sound.

        Checks, in order: node count, duplicate ids, self-dependency, unknown dependency ids,
        cycles (the message spells one cycle out: ``a → b → a``).
        """
        if len(self.nodes) > max_nodes:
            raise InvalidParam(
                f"too many tasks: {len(self.nodes)} (at most {max_nodes})", field="tasks"
            )
        seen: set[str] = set()
        for node in self.nodes:
            if node.id in seen:
                raise InvalidParam(f"duplicate task id {node.id!r}", field="tasks")
            seen.add(node.id)
        for node in self.nodes:
            if node.id in node.depends_on:
                raise InvalidParam(f"task {node.id!r} depends on itself", field="dependsOn")
            unknown = [d for d in node.depends_on if d not in seen]
            if unknown:
                raise InvalidParam(
                    f"task {node.id!r} depends on unknown task id(s) {unknown}",
                    field="dependsOn",
                )
        cycle = self.find_cycle()
        if cycle:
            raise InvalidParam(
                "dependency cycle: " + " → ".join([*cycle, cycle[0]]), field="dependsOn"
            )

    # ``validate`` is the name the brief asks for; pydantic's deprecated ``BaseModel.validate``
    # classmethod is shadowed on purpose.
    def validate(self, *, max_nodes: int = MAX_GRAPH_NODES) -> None:  # type: ignore[override]
        """Alias of :meth:`validate_graph`."""
        self.validate_graph(max_nodes=max_nodes)

    def find_cycle(self) -> list[str]:
        """One cycle as a list of ids in dependency order, or ``[]``. Unknown deps are ignored."""
        deps = self._deps()
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        for root in self._sorted(deps):
            if state.get(root):
                continue
            # Iterative DFS so a long chain cannot hit the recursion limit.
            path: list[str] = [root]
            iters = [iter(self._sorted(deps[root]))]
            state[root] = 1
            while iters:
                nxt = next(iters[-1], None)
                if nxt is None:
                    state[path.pop()] = 2
                    iters.pop()
                    continue
                if nxt not in deps:
                    continue
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt) :]
                    # path runs dependant → dependency; report it dependency-first.
                    return list(reversed(cycle))
                if not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    iters.append(iter(self._sorted(deps[nxt])))
        return []

    # ---------------------------------------------------------------------------- algorithms
    def ids(self) -> list[str]:
        """Node ids in the order given."""
        return [n.id for n in self.nodes]

    def edges(self) -> list[tuple[str, str]]:
        """``(dependency, dependant)`` pairs, dependants in node order."""
        return [(d, n.id) for n in self.nodes for d in n.depends_on]

    def topological_order(self) -> list[str]:
        """Kahn's order; among ready nodes the numerically smallest id goes first."""
        self.validate_graph(max_nodes=max(len(self.nodes), MAX_GRAPH_NODES))
        deps = self._deps()
        dependants = self._dependants()
        missing = {k: len(v) for k, v in deps.items()}
        heap = [(natural_key(k), k) for k, n in missing.items() if n == 0]
        heapq.heapify(heap)
        order: list[str] = []
        while heap:
            _, node = heapq.heappop(heap)
            order.append(node)
            for child in dependants[node]:
                missing[child] -= 1
                if missing[child] == 0:
                    heapq.heappush(heap, (natural_key(child), child))
        return order

    def depth(self) -> dict[str, int]:
        """Earliest level of each node (0 = no dependencies): the unlimited-parallelism layering."""
        level: dict[str, int] = {}
        deps = self._deps()
        for node in self.topological_order():
            level[node] = 1 + max((level[d] for d in deps[node]), default=-1)
        return level

    def critical_path_length(self) -> int:
        """Nodes on the longest dependency chain (0 for an empty graph); a lower bound on waves."""
        return 1 + max(self.depth().values(), default=-1)

    def waves(self, max_parallel: int = 5) -> list[Wave]:
        """Layer the graph into waves of at most ``max_parallel`` nodes.

        Greedy list scheduling with unit durations: each wave takes the ready nodes with the
        longest remaining chain first (ties: numeric id order), so capping a wide layer delays
        the nodes that can best afford it, not simply the last ones in text order.
        """
        validate_max_parallel(max_parallel)
        order = self.topological_order()
        deps = self._deps()
        dependants = self._dependants()
        tail: dict[str, int] = {}
        for node in reversed(order):
            tail[node] = 1 + max((tail[c] for c in dependants[node]), default=0)
        placed: set[str] = set()
        waves: list[Wave] = []
        while len(placed) < len(order):
            ready = [n for n in order if n not in placed and all(d in placed for d in deps[n])]
            ready.sort(key=lambda n: (-tail[n], natural_key(n)))
            chunk = sorted(ready[:max_parallel], key=natural_key)
            placed.update(chunk)
            label = "1 task" if len(chunk) == 1 else f"{len(chunk)} parallel tasks"
            waves.append(Wave(wave=len(waves), task_ids=chunk, description=label))
        return waves

    def ready(self, done: set[str]) -> list[str]:
        """Nodes not in ``done`` whose dependencies are all in ``done`` (numeric id order).

        ``done`` holds finished node ids; an id that is not in the graph raises
        :class:`InvalidParam` because it means the caller's bookkeeping is wrong.
        """
        deps = self._deps()
        unknown = sorted(set(done) - deps.keys(), key=natural_key)
        if unknown:
            raise InvalidParam(f"unknown task id(s) in done: {unknown}", field="done")
        ready = [n for n, ds in deps.items() if n not in done and all(d in done for d in ds)]
        return sorted(ready, key=natural_key)

    # ------------------------------------------------------------------------------- helpers
    def _deps(self) -> dict[str, list[str]]:
        return {n.id: list(dict.fromkeys(n.depends_on)) for n in self.nodes}

    def _dependants(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for node in self.nodes:
            for dep in dict.fromkeys(node.depends_on):
                out[dep].append(node.id)
        return out

    @staticmethod
    def _sorted(ids: Iterable[str]) -> list[str]:
        return sorted(ids, key=natural_key)


def transitive_reduction(
    ids: Sequence[str], edges: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The edges of an acyclic graph minus those implied by a longer path.

    An edge ``a → c`` goes when ``c`` is reachable from ``a`` through another successor.
    ``O(V·E)``, fine for at most :data:`MAX_GRAPH_NODES` nodes.
    """
    succ: dict[str, set[str]] = {i: set() for i in ids}
    for src, dst in edges:
        succ[src].add(dst)

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for nxt in succ[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    kept: set[tuple[str, str]] = set()
    for src, direct in succ.items():
        implied: set[str] = set()
        for mid in direct:
            implied |= reachable(mid)
        kept.update((src, dst) for dst in direct if dst not in implied)
    return kept


# ------------------------------------------------------------------- dependency inference
# ----------------------------------------------------------------------------- keyword helpers
def terms(spec: str) -> re.Pattern[str]:
    """One case-insensitive pattern from ``"word|other word|词"``: latin words match whole, with
    common inflections (-s, -es, -ed, -ing; "write" → "writing"); CJK words match anywhere (CJK
    text has no word boundaries)."""
    words = [w for w in spec.split("|") if w]
    latin: list[str] = []
    for word in (w for w in words if w.isascii()):
        stem = re.escape(word).replace(r"\ ", r"\s+")
        latin.append(stem[:-1] + "(?:e|es|ed|ing)" if word.endswith("e") else stem)
    cjk = [re.escape(w) for w in words if not w.isascii()]
    alts = []
    if latin:
        alts.append(r"\b(?:" + "|".join(latin) + r")(?:s|es|ed|ing)?\b")
    if cjk:
        alts.append("|".join(cjk))
    return re.compile("|".join(alts), re.IGNORECASE)


def count_hits(pattern: re.Pattern[str], text: str) -> int:
    return len({m.group(0).lower() for m in pattern.finditer(text)})


def _words(text: str) -> list[str]:
    return text.split()


Stage = Literal[
    "research",
    "design",
    "setup",
    "build",
    "integrate",
    "test",
    "synthesize",
    "docs",
    "review",
    "release",
]
Artifact = Literal["schema", "api", "component", "config", "test", "docs"]
EdgeType = Literal["reference", "temporal", "phase", "artifact", "given"]

_STAGE_WORDS: Final[tuple[tuple[Stage, re.Pattern[str], float], ...]] = (
    (
        "research",
        terms(
            "research|investigate|survey|gather|collect|explore|look up"
            "|find out|study|调研|研究|调查"
        ),
        1.0,
    ),
    (
        "design",
        terms(
            "design|plan|architect|schema|spec|specification|define"
            "|data model|outline|wireframe|设计|规划"
        ),
        1.0,
    ),
    (
        "setup",
        terms(
            "set up|setup|configure|scaffold|initialize|initialise"
            "|bootstrap|install|provision|搭建|配置|初始化"
        ),
        1.0,
    ),
    ("build", terms("implement|develop|code|refactor|fix|实现|开发|编写"), 1.0),
    ("build", terms("build|create|write|make|add|构建|创建"), 0.5),
    ("integrate", terms("integrate|connect|wire up|hook up|glue|集成|对接"), 1.0),
    ("test", terms("test|verify|validate|check|qa|测试|验证"), 1.0),
    (
        "synthesize",
        terms(
            "summarize|summarise|summary|summaries|synthesize|synthesise"
            "|report|write-up|article|blog post|essay|comparison"
            "|recommendation|conclusion|copy|总结|报告|撰写"
        ),
        1.0,
    ),
    ("docs", terms("docs|documentation|document|readme|guide|tutorial|changelog|文档"), 1.0),
    ("review", terms("review|audit|proofread|critique|审查|评审|审核"), 1.0),
    ("release", terms("deploy|release|publish|ship|launch|部署|发布|上线"), 1.0),
)
_STAGE_ORDER: Final[tuple[Stage, ...]] = (
    "research",
    "design",
    "setup",
    "build",
    "integrate",
    "test",
    "synthesize",
    "docs",
    "review",
    "release",
)
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

_ARTIFACTS: Final[tuple[tuple[Artifact, re.Pattern[str]], ...]] = (
    ("schema", terms("schema|model|data model|entity|entities|table")),
    ("api", terms("api|endpoint|route|restful|rest api|graphql|接口")),
    ("component", terms("component|widget|page|view|layout|ui|页面")),
    ("config", terms("config|configuration|settings|env|environment|配置")),
    ("test", terms("test|spec|fixture|mock|测试")),
    ("docs", terms("docs|documentation|readme|guide|文档")),
)

_STOP: Final = frozenset(
    _words(
        "a an the and or but of for to in on at by with from into onto via as is are be been "
        "it its this that these those them they their our your my we you i all any each every "
        "some both then next finally after afterwards before once when while so also using use "
        "based new please should must can will would need needs make sure step task item part "
        "one two three result results output outputs everything thing things stuff way how "
        "what which who there here first second third last done ready about over under up out"
    )
)
_GENERIC: Final = frozenset(
    _words(
        "project app application system architecture codebase code repo repository environment "
        "service solution product website site stack infrastructure tool platform overall "
        "whole 项目 系统"
    )
)
_STAGE_VOCAB: Final = frozenset(
    _words(
        "research investigate survey gather collect explore study design plan architect "
        "spec specification define outline wireframe setup set configure scaffold initialize "
        "initialise bootstrap install provision implement develop refactor fix build create "
        "write make add integrate connect wire hook glue test verify validate check qa "
        "summarize summarise summary synthesize synthesise report write-up document review "
        "audit proofread critique deploy release publish ship launch unit integration "
        "调研 研究 调查 设计 规划 搭建 配置 初始化 实现 开发 编写 构建 创建 集成 对接 测试 验证 "
        "总结 报告 撰写 文档 审查 评审 审核 部署 发布 上线"
    )
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
    for stage, pattern, weight in _STAGE_WORDS:
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
    return [kind for kind, pattern in _ARTIFACTS if pattern.search(text)]


def subjects_of(text: str) -> frozenset[str]:
    """Content words (light plural stemming) minus stop words, stage verbs and generic nouns;
    CJK runs contribute their character bigrams. Used to match consumers with producers."""
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        if word.isascii():
            if word.endswith("ies") and len(word) > 4:
                word = word[:-3] + "y"
            elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
                word = word[:-1]
            if word not in _STOP and word not in _STAGE_VOCAB and word not in _GENERIC:
                out.add(word)
        else:
            grams = {word[i : i + 2] for i in range(len(word) - 1)} or {word}
            out |= {g for g in grams if g not in _GENERIC and g not in _STAGE_VOCAB}
    return frozenset(out)


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


def _stage_edges(facts: list[TaskFacts]) -> list[tuple[int, int, EdgeType]]:
    """Edges from what each task's stage needs (see ``_NEEDS``), matched by shared subject."""
    edges: list[tuple[int, int, EdgeType]] = []
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
                elif not facts[p].subjects:  # a generic producer ("set up the project") feeds all
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
