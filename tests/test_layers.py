"""The layer map, enforced: an ast-based check of every import in the package (``TYPE_CHECKING``
and function-level imports included), so docs/architecture.md cannot rot.

Layers, bottom up (a module may import its own layer and the layers below):

    vocabulary   models, vocab, errors, settings, log, contract (+ the package root, for
                 __version__)
    store        SQLite
    engine       catalog/, classify/, select/, plan/ (over store)
    roles        role blocks (vocabulary only)
    feedback     scores, stats, telemetry (over store)
    client       the Recommender: local (the one implementation of every use case) | remote
    providers    provider registry, quotas, usage, local servers (over engine and store)
    runtime      the composition root: settings, store, http client, outbox, recommender
    modes        the five spawn modes (over client, engine, roles and the contract)
    tools        the agent tools (over modes and the runtime)
    gateway      the reference host: implements the contract (vocabulary only)
    adapters     plugin, server/, mcp/ (+ mcp_server), llm_plugin, cli — never each other
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Final

PACKAGE: Final = "smart_spawn_plugin"
ROOT: Final = Path(__file__).resolve().parents[1] / PACKAGE

VOCABULARY: Final = frozenset({"models", "vocab", "errors", "settings", "log", "contract", ""})
RANK: Final = {
    **dict.fromkeys(VOCABULARY, 0),
    "store": 1,
    "engine": 2,
    "roles": 2,
    "feedback": 3,
    "client": 4,
    "providers": 4,
    "runtime": 5,
    "modes": 6,
    "tools": 7,
    "gateway": 1,  # the host side speaks only the vocabulary (contract, settings, errors, log)
    "data": 0,
}
ADAPTERS: Final = frozenset({"plugin", "server", "mcp", "llm_plugin", "cli"})
ADAPTER_RANK: Final = 9
#: Who may import the reference gateway: itself, the gateway plugin, the composition root (it
#: builds the spawners of host-less runs, lazily) and the CLI (it hosts the gateway for spawn
#: and chat).
GATEWAY_USERS: Final = frozenset({"gateway", "plugin", "runtime", "cli"})
#: The CLI is the console entry point: it may start the other adapters' entry modules.
CLI_MAY_START: Final = frozenset({"server.serve", "mcp_server", "plugin"})


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES: Final = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every module of ours that ``name`` imports, anywhere in the file."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                module = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        for target in targets:
            if target in MODULES and target != name:
                yield target


@cache
def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        edges[name].update(_imports(name, path))
    return edges


def group(module: str) -> str:
    """The layer key of a module: ``engine``, ``server``, ``cli`` (flat ``cli_*`` modules and
    a ``cli/`` package alike), ``mcp`` (``mcp/`` and ``mcp_server``), a vocabulary name …"""
    rest = module.removeprefix(PACKAGE).lstrip(".")
    head = rest.split(".", 1)[0]
    if head in {"cli", "__main__"} or head.startswith("cli_"):
        return "cli"
    if head == "mcp_server":
        return "mcp"
    return head


def rank(module: str) -> int:
    key = group(module)
    return ADAPTER_RANK if key in ADAPTERS else RANK[key]


def local(module: str) -> str:
    return module.removeprefix(PACKAGE).lstrip(".")


def test_every_module_has_a_layer() -> None:
    unknown = {group(m) for m in MODULES if group(m) not in RANK and group(m) not in ADAPTERS}
    assert not unknown, f"add these packages to the layer map: {sorted(unknown)}"


def test_arrows_point_down() -> None:
    upward = [
        f"{local(a)} -> {local(b)}"
        for a, targets in graph().items()
        for b in targets
        if rank(b) > rank(a) and not (group(b) == "gateway" and group(a) in GATEWAY_USERS)
    ]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_vocabulary_imports_only_vocabulary() -> None:
    bad = [
        f"{local(a)} -> {local(b)}"
        for a, targets in graph().items()
        if group(a) in VOCABULARY
        for b in targets
        if group(b) not in VOCABULARY
    ]
    assert not bad, "\n".join(bad)


def test_engine_and_store_stay_below_the_use_cases() -> None:
    higher = {"client", "tools", "modes", "feedback", "runtime", "gateway", *ADAPTERS}
    bad = [
        f"{local(a)} -> {local(b)}"
        for a, targets in graph().items()
        if group(a) in {"engine", "store"}
        for b in targets
        if group(b) in higher
    ]
    assert not bad, "\n".join(bad)


def test_adapters_never_import_each_other() -> None:
    bad = []
    for a, targets in graph().items():
        for b in targets:
            ga, gb = group(a), group(b)
            if ga in ADAPTERS and gb in ADAPTERS and ga != gb:
                if ga == "cli" and local(b) in CLI_MAY_START:
                    continue
                bad.append(f"{local(a)} -> {local(b)}")
    assert not bad, "\n".join(bad)


def test_only_the_host_side_knows_the_gateway() -> None:
    bad = [
        f"{local(a)} -> {local(b)}"
        for a, targets in graph().items()
        for b in targets
        if group(b) == "gateway" and group(a) not in GATEWAY_USERS
    ]
    assert not bad, "modes/, tools/, mcp/ … speak smart_spawn_plugin.contract:\n" + "\n".join(bad)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    cycles = _cycles(graph())
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_checker_sees_type_checking_and_function_imports() -> None:
    """``mcp_server`` imports the MCP SDK server and its tools only inside functions and under
    ``TYPE_CHECKING``; the checker must still see those edges."""
    assert f"{PACKAGE}.mcp.routing_tools" in graph()[f"{PACKAGE}.mcp_server"]
    assert f"{PACKAGE}.gateway.local" in graph()[f"{PACKAGE}.runtime"]
