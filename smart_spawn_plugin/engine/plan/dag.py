"""A task graph: nodes with ``dependsOn`` edges, validated, ordered and layered.

Used three ways: by :func:`.swarm.swarm` for the graphs it infers (the
edges come from :func:`.dependencies.infer_dependencies`), by the swarm
mode to validate a DAG a user supplies (``TaskGraph.from_payload``), and by the swarm executor,
which asks :meth:`TaskGraph.ready` which nodes may start once others finished.

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
from typing import Final

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
