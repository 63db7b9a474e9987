"""TaskGraph: validation errors, numeric ordering, waves, ready(), critical path, inference."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.engine.plan.dag import (
    TaskGraph,
    natural_key,
    transitive_reduction,
    validate_max_parallel,
)
from smart_spawn_plugin.engine.plan.dependencies import TaskFacts, infer_dependencies, stage_of
from smart_spawn_plugin.errors import InvalidParam


def graph(spec: dict[str, list[str]]) -> TaskGraph:
    return TaskGraph.from_payload([{"id": k, "task": k, "dependsOn": v} for k, v in spec.items()])


def test_natural_key_orders_numbers_by_value() -> None:
    ids = ["swarm-10", "swarm-2", "swarm-1", "swarm-11", "swarm-3"]
    assert sorted(ids, key=natural_key) == ["swarm-1", "swarm-2", "swarm-3", "swarm-10", "swarm-11"]


def test_topological_order_is_numeric_aware() -> None:
    g = graph({f"swarm-{i}": [] for i in (10, 2, 1, 11)})
    assert g.topological_order() == ["swarm-1", "swarm-2", "swarm-10", "swarm-11"]


def test_topological_order_respects_dependencies() -> None:
    g = graph({"swarm-1": ["swarm-10"], "swarm-2": [], "swarm-10": []})
    order = g.topological_order()
    assert order.index("swarm-10") < order.index("swarm-1")
    assert order == ["swarm-2", "swarm-10", "swarm-1"]


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"a": ["zzz"]}, "unknown task id"),
        ({"a": ["a"]}, "depends on itself"),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, "cycle"),
    ],
)
def test_validate_rejects_bad_graphs(spec: dict[str, list[str]], needle: str) -> None:
    with pytest.raises(InvalidParam, match=needle):
        graph(spec)


def test_cycle_message_names_the_cycle() -> None:
    with pytest.raises(InvalidParam) as info:
        graph({"a": ["b"], "b": ["a"], "c": []})
    message = info.value.message
    assert "a" in message
    assert "b" in message
    assert "→" in message
    assert info.value.field == "dependsOn"


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(InvalidParam, match="duplicate"):
        TaskGraph.from_payload([{"id": "a"}, {"id": "a"}])


def test_too_many_nodes_rejected() -> None:
    with pytest.raises(InvalidParam, match="too many"):
        TaskGraph.from_payload([{"id": f"n{i}"} for i in range(5)], max_nodes=4)


@pytest.mark.parametrize(
    "payload", [None, "x", [1], [{"id": ""}], [{"task": "no id"}], [{"id": "a", "dependsOn": 3}]]
)
def test_malformed_payload_is_invalid_param(payload: object) -> None:
    with pytest.raises(InvalidParam) as info:
        TaskGraph.from_payload(payload)
    assert info.value.field == "tasks"


def test_from_payload_accepts_description_alias() -> None:
    g = TaskGraph.from_payload(
        [{"id": "a", "description": "do it"}, {"id": "b", "dependsOn": ["a"]}]
    )
    assert g.nodes[0].task == "do it"
    assert g.nodes[1].depends_on == ["a"]


def test_validate_method_alias() -> None:
    g = TaskGraph(nodes=[])
    g.validate()  # an empty graph is valid


def test_ready_semantics() -> None:
    g = graph({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]})
    assert g.ready(set()) == ["a"]
    assert g.ready({"a"}) == ["b", "c"]
    assert g.ready({"a", "b"}) == ["c"]
    assert g.ready({"a", "b", "c"}) == ["d"]
    assert g.ready({"a", "b", "c", "d"}) == []


def test_ready_rejects_unknown_done_ids() -> None:
    with pytest.raises(InvalidParam, match="unknown"):
        graph({"a": []}).ready({"ghost"})


def test_waves_and_critical_path() -> None:
    g = graph({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": []})
    waves = g.waves(5)
    assert [w.task_ids for w in waves] == [["a", "e"], ["b", "c"], ["d"]]
    assert waves[0].description == "2 parallel tasks"
    assert waves[2].description == "1 task"
    assert g.critical_path_length() == 3


def test_waves_cap_delays_nodes_off_the_critical_path() -> None:
    g = graph({"x1": [], "x2": [], "x3": [], "long": [], "tail": ["long"]})
    waves = g.waves(2)
    assert all(len(w.task_ids) <= 2 for w in waves)
    assert "long" in waves[0].task_ids  # the chain head goes first, so total waves stay minimal
    assert len(waves) == 3


@pytest.mark.parametrize("bad", ["abc", 0, 9, 3.5, True, None, "3", -1])
def test_max_parallel_validated(bad: object) -> None:
    with pytest.raises(InvalidParam) as info:
        validate_max_parallel(bad)
    assert info.value.field == "maxParallel"


def test_transitive_reduction_removes_implied_edges() -> None:
    kept = transitive_reduction(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")])
    assert kept == {("a", "b"), ("b", "c")}


def test_stage_ignores_consumed_clause() -> None:
    assert stage_of("build the api using the schema") == "build"
    assert stage_of("write tests for the api") == "test"
    assert stage_of("design the database schema") == "design"
    assert stage_of("write the README") == "docs"


def test_inference_drops_cycle_closing_edges_with_warning() -> None:
    facts = [TaskFacts.of("use the result of step 2"), TaskFacts.of("use the result of step 1")]
    edges, warnings = infer_dependencies(facts, ["s-1", "s-2"])
    assert len(edges) == 1
    assert warnings
    assert "cycle" in warnings[0]
