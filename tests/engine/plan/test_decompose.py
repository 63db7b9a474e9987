"""decompose() and swarm(): splitting heuristics, budgets, validation, evidence-based edges."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.engine.plan.decompose import (
    MAX_TASK_CHARS,
    decompose,
    keyword_category,
    nudge_budget,
    resolve_classifier,
)
from smart_spawn_plugin.engine.plan.splitting import split_task
from smart_spawn_plugin.engine.plan.swarm import SwarmTask, estimate_cost, swarm
from smart_spawn_plugin.errors import InvalidParam, MissingParam
from smart_spawn_plugin.models import Category, Pricing


def fixed(text: str) -> Category:
    """A deterministic classifier, so these tests do not depend on engine.classify."""
    return keyword_category(text)


def texts(task: str) -> list[str]:
    return [p.text for p in split_task(task)[1]]


# ----------------------------------------------------------------------------------- splitting
def test_numbered_list() -> None:
    method, parts, _ = split_task("1. design the schema\n2. build the api\n3) write docs")
    assert method == "numbered"
    assert [p.text for p in parts] == ["design the schema", "build the api", "write docs"]


@pytest.mark.parametrize(
    "task",
    [
        "一、调研市场\n二、设计数据库\n三、实现接口",
        "1．调研市场\n2．设计数据库\n3．实现接口",
        "1、调研市场\n2、设计数据库\n3、实现接口",
        "（1）调研市场\n（2）设计数据库\n（3）实现接口",
        "第一步：调研市场\n第二步：设计数据库\n第三步：实现接口",
    ],
)
def test_chinese_numbered_lists(task: str) -> None:
    method, parts, _ = split_task(task)
    assert method == "numbered"
    assert [p.text for p in parts] == ["调研市场", "设计数据库", "实现接口"]


def test_decimal_is_not_a_list_marker() -> None:
    assert split_task("Allocate 1.5 GB\n2.5 GB for cache")[0] == "none"


def test_bullets_keep_nested_items_with_parent() -> None:
    method, parts, _ = split_task("- fix the bug\n  - add a regression check\n* update docs")
    assert method == "bullets"
    assert len(parts) == 2
    assert "regression" in parts[0].text


def test_announcing_intro_becomes_preamble_not_a_step() -> None:
    method, parts, preamble = split_task("Build a todo app:\n1. design schema\n2. build API")
    assert method == "numbered"
    assert preamble == "Build a todo app:"
    assert [p.text for p in parts] == ["design schema", "build API"]


def test_prose_before_list_is_a_step() -> None:
    assert texts("Create a repo.\n- add README\n- add CI") == [
        "Create a repo.",
        "add README",
        "add CI",
    ]


def test_sequencing_words() -> None:
    method, parts, _ = split_task("First, research X, then write the draft. Finally, publish it")
    assert method == "conjunctions"
    assert [p.text for p in parts] == ["research X", "write the draft", "publish it"]
    assert parts[2].connector == "finally"


def test_after_that_connector_is_recorded() -> None:
    _, parts, _ = split_task("Build the api. After that, deploy it")
    assert [p.connector for p in parts] == [None, "after that"]


def test_next_mid_sentence_does_not_split() -> None:
    assert split_task("Release the next version of the app")[0] == "none"


def test_since_then_does_not_split() -> None:
    assert split_task("Nothing changed since then in the repo")[0] == "none"


def test_chinese_sequencing_words() -> None:
    assert texts("先设计数据库，然后实现接口，最后写测试") == ["先设计数据库", "实现接口", "写测试"]


def test_semicolons_and_paragraphs() -> None:
    assert split_task("a thing; another thing；third")[0] == "semicolons"
    assert texts("a thing; another thing；third") == ["a thing", "another thing", "third"]
    assert split_task("Para one.\n\n  \nPara two.")[0] == "paragraphs"


def test_priority_numbered_over_semicolons() -> None:
    assert split_task("1. a; b\n2. c; d")[0] == "numbered"


def test_trailing_conjunction_removed() -> None:
    assert texts("write code and; test it or") == ["write code", "test it"]


# ------------------------------------------------------------------------------------ decompose
def test_decompose_steps_shape() -> None:
    d = decompose("1. implement the parser\n2. write a poem", classify=fixed)
    assert d.decomposed
    assert d.total_steps == 2
    assert [s.id for s in d.steps] == ["step-1", "step-2"]
    assert [s.step for s in d.steps] == [1, 2]
    assert d.steps[0].category == "coding"
    assert d.steps[1].category == "creative"
    wire = d.wire()
    assert {"decomposed", "totalSteps", "steps", "originalTask", "context"} <= wire.keys()
    assert "reason" not in wire
    step = wire["steps"][0]  # type: ignore[index]
    assert {"step", "task", "category", "budget", "model", "reason"} <= step.keys()


def test_unsplit_task_is_single_step() -> None:
    d = decompose("Write a haiku about autumn", classify=fixed)
    assert not d.decomposed
    assert d.reason == "Task does not appear to have multiple steps"
    assert len(d.steps) == 1
    assert d.method == "none"


def test_budget_nudges_and_reason() -> None:
    d = decompose("quick lint fix; critical security audit", budget="medium", classify=fixed)
    assert [s.budget for s in d.steps] == ["low", "high"]
    assert "quick" in d.steps[0].reason


@pytest.mark.parametrize(
    ("text", "budget", "expected"),
    [
        ("Optimize the core security layer", "any", "any"),
        ("upgrade: a complex critical task", "any", "any"),
        ("a simple task", "any", "any"),
        ("a complex task", "high", "high"),
        ("a simple task", "low", "low"),
        ("simple but complex", "medium", "medium"),
        ("compute the score", "medium", "medium"),  # "core" inside "score" is no keyword
    ],
)
def test_nudge_budget(text: str, budget: str, expected: str) -> None:
    assert nudge_budget(text, budget)[0] == expected  # type: ignore[arg-type]


def test_huge_numbered_list_is_capped() -> None:
    task = "\n".join(f"{i}. item number {i}" for i in range(1, 101))
    d = decompose(task, classify=fixed)
    assert d.total_steps == 12
    assert any("100" in w and "12" in w for w in d.warnings)
    assert "item number 100" in d.steps[-1].task  # merged, not dropped
    plan = swarm(task, classify=fixed)
    assert plan.dag.total_tasks == 20


@pytest.mark.parametrize("bad", [123, None, ["x"]])
def test_task_must_be_str(bad: object) -> None:
    with pytest.raises(InvalidParam) as info:
        decompose(bad)
    assert info.value.field == "task"


@pytest.mark.parametrize("empty", ["", "   \n"])
def test_empty_task_is_missing(empty: str) -> None:
    with pytest.raises(MissingParam):
        swarm(empty)


def test_task_length_cap() -> None:
    with pytest.raises(InvalidParam, match="too long"):
        decompose("x" * (MAX_TASK_CHARS + 1))


@pytest.mark.parametrize("bad", ["cheap", None, 3, "HIGH"])
def test_budget_validated(bad: object) -> None:
    with pytest.raises(InvalidParam) as info:
        decompose("a; b", budget=bad)
    assert info.value.field == "budget"


@pytest.mark.parametrize("bad", [0, 51, "5", 2.0])
def test_max_steps_validated(bad: object) -> None:
    with pytest.raises(InvalidParam):
        decompose("a; b", max_steps=bad)  # type: ignore[arg-type]


def test_classifier_fallback_and_guard() -> None:
    assert keyword_category("good morning") == "general"  # no "go" substring hit
    assert resolve_classifier(lambda _t: "nonsense")("x") == "general"  # type: ignore[arg-type,return-value]
    assert resolve_classifier(None)("implement the api") in {
        "coding", "reasoning", "creative", "research", "general", "fast-cheap", "vision"
    }  # fmt: skip


# ---------------------------------------------------------------------------------------- swarm
def deps(task: str, **kw: object) -> dict[str, list[str]]:
    plan = swarm(task, classify=fixed, **kw)  # type: ignore[arg-type]
    return {t.id: t.depends_on for t in plan.dag.tasks}


def test_independent_numbered_items_run_in_parallel() -> None:
    plan = swarm(
        "1. Research competitor A\n2. Research competitor B\n3. Research competitor C",
        classify=fixed,
    )
    assert plan.decomposed
    assert plan.dag.waves[0].task_ids == ["swarm-1", "swarm-2", "swarm-3"]
    assert plan.dag.total_waves == 1
    assert plan.dag.edges == []


def test_sequential_opt_in_chains() -> None:
    got = deps("1. Research A\n2. Research B\n3. Research C", sequential=True)
    assert got == {"swarm-1": [], "swarm-2": ["swarm-1"], "swarm-3": ["swarm-2"]}


def test_build_then_test_it() -> None:
    assert deps("Build the parser, then write tests for it") == {
        "swarm-1": [],
        "swarm-2": ["swarm-1"],
    }


def test_tests_never_precede_the_build_they_test() -> None:
    # The original put the tests (wave 2) before the build (wave 3) here (§11.24).
    plan = swarm(
        "Set up the config; design the data model; write tests for the api; "
        "build the api endpoints",
        classify=fixed,
    )
    by_id = {t.id: t for t in plan.dag.tasks}
    assert "swarm-4" in by_id["swarm-3"].depends_on
    assert by_id["swarm-3"].wave > by_id["swarm-4"].wave
    assert by_id["swarm-3"].phase == "test"


def test_tests_depend_only_on_the_matching_build() -> None:
    got = deps(
        "1. Build the login page\n2. Build the search api\n3. Write tests for the search api"
    )
    assert got["swarm-3"] == ["swarm-2"]
    assert got["swarm-1"] == []


def test_research_before_write() -> None:
    got = deps("1. Research pricing of A\n2. Research pricing of B\n3. Write a summary report")
    assert got["swarm-3"] == ["swarm-1", "swarm-2"]


def test_explicit_step_reference() -> None:
    got = deps(
        "1. Collect the logs\n2. Collect the metrics\n3. Using the output of step 2, plot it"
    )
    assert got["swarm-3"] == ["swarm-2"]


def test_after_clause_reference() -> None:
    got = deps("Draft the press release; translate the FAQ after the press release is drafted")
    assert got["swarm-2"] == ["swarm-1"]


def test_release_waits_for_everything_and_reduction() -> None:
    plan = swarm(
        "1. design the database schema\n2. build the REST api using the schema\n"
        "3. build the react frontend\n4. write tests for the api\n5. deploy to production",
        classify=fixed,
    )
    by_id = {t.id: t.depends_on for t in plan.dag.tasks}
    assert by_id["swarm-2"] == ["swarm-1"]
    assert by_id["swarm-4"] == ["swarm-2"]
    assert by_id["swarm-5"] == ["swarm-3", "swarm-4"]  # swarm-2 implied via swarm-4: reduced
    assert plan.dag.critical_path_length == 4
    assert plan.dag.tasks[0].persona == "database-architect"
    assert plan.dag.tasks[2].persona == "frontend-engineer"


def test_swarm_wire_shape() -> None:
    plan = swarm("1. build the api\n2. write tests for the api", classify=fixed, context="python")
    wire = plan.wire()
    assert wire["decomposed"] is True
    assert "reason" not in wire
    dag = wire["dag"]
    assert isinstance(dag, dict)
    assert {"tasks", "waves", "edges", "totalTasks", "totalWaves", "originalTask", "context",
            "estimatedCost"} <= dag.keys()  # fmt: skip
    assert "warning" not in dag
    task = dag["tasks"][1]
    assert {"id", "description", "category", "budget", "persona", "dependsOn", "model",
            "reason", "wave"} <= task.keys()  # fmt: skip
    assert dag["edges"] == [{"from": "swarm-1", "to": "swarm-2", "type": "phase"}]
    assert dag["waves"][1] == {"wave": 1, "taskIds": ["swarm-2"], "description": "1 task"}
    assert dag["context"] == "python"


def test_unsplittable_swarm() -> None:
    plan = swarm("Write a haiku", classify=fixed)
    assert not plan.decomposed
    assert plan.wire()["reason"] == "Task does not decompose into multiple independent subtasks"
    assert plan.dag.total_tasks == 1


@pytest.mark.parametrize("bad", ["abc", 0, 9, 3.5, None, True])
def test_swarm_max_parallel_invalid(bad: object) -> None:
    with pytest.raises(InvalidParam) as info:
        swarm("a; b", max_parallel=bad)
    assert info.value.field == "maxParallel"


def test_max_parallel_limits_wave_width() -> None:
    task = "\n".join(f"{i}. Research topic {i}" for i in range(1, 8))
    plan = swarm(task, max_parallel=3, classify=fixed)
    assert [len(w.task_ids) for w in plan.dag.waves] == [3, 3, 1]
    assert plan.dag.graph().ready(set()) == [f"swarm-{i}" for i in range(1, 8)]


def test_ids_numeric_order_past_ten() -> None:
    task = "\n".join(f"{i}. Research topic {i}" for i in range(1, 13))
    plan = swarm(task, classify=fixed)
    assert [t.id for t in plan.dag.tasks][9:] == ["swarm-10", "swarm-11", "swarm-12"]
    assert plan.dag.waves[0].task_ids[:3] == ["swarm-1", "swarm-2", "swarm-3"]


def test_token_assumptions_and_cost() -> None:
    plan = swarm("1. build the api\n2. write tests for the api", classify=fixed)
    t1, t2 = plan.dag.tasks
    assert t2.tokens.prompt_low > t1.tokens.prompt_low  # includes the dependency's output
    assert plan.dag.estimated_cost is None

    def lookup(task: SwarmTask) -> Pricing | None:
        return Pricing(prompt=1.0, completion=2.0) if task.id == "swarm-1" else None

    cost = estimate_cost(plan.dag.tasks, lookup)
    tk = t1.tokens
    assert cost.low == round((tk.prompt_low + 2 * tk.completion_low) / 1e6, 4)
    assert cost.high > cost.low
    assert cost.unpriced == ["swarm-2"]
    priced = swarm("1. build the api\n2. test the api", classify=fixed, price_lookup=lookup)
    assert priced.dag.estimated_cost is not None


# ----------------------------------------------------------------------- coordinated actions
@pytest.mark.parametrize(
    ("task", "parts"),
    [
        ("Research competitors and build a pitch deck",
         ["Research competitors", "build a pitch deck"]),
        ("Fix the bug, add a regression test and update the docs",
         ["Fix the bug", "add a regression test", "update the docs"]),
        ("Research competitors, pricing and market size, and draft a memo",
         ["Research competitors, pricing and market size", "draft a memo"]),
        ("Compare Postgres and MySQL and write a recommendation",
         ["Compare Postgres and MySQL", "write a recommendation"]),
    ],
)  # fmt: skip
def test_coordinated_actions_split(task: str, parts: list[str]) -> None:
    method, got, _ = split_task(task)
    assert method == "coordination"
    assert [p.text for p in got] == parts
    assert [p.connector for p in got][1:] == ["and"] * (len(parts) - 1)


@pytest.mark.parametrize(
    "task",
    [
        "compare A and B",
        "list the pros and cons of Rust",
        "Write a Tom and Jerry story",
        "build and test the parser",  # two verbs, one shared object: one task
        "Write a function that reads a file and returns its lines",  # "returns" is no imperative
        "Summarize the report (write costs and list benefits)",  # inside brackets
        "Tom and Jerry build a treehouse",  # the first piece is no action
    ],
)
def test_coordination_does_not_split(task: str) -> None:
    assert split_task(task)[0] == "none"


def test_coordination_inside_sequencing_parts() -> None:
    _, parts, _ = split_task("Research competitors and analyse their pricing, then build a deck")
    assert [(p.text, p.connector) for p in parts] == [
        ("Research competitors", None),
        ("analyse their pricing", "and"),
        ("build a deck", "then"),
    ]


def test_pitch_deck_depends_on_the_research() -> None:
    plan = swarm("Research competitors and build a pitch deck", classify=fixed)
    research, deck = plan.dag.tasks
    assert plan.decomposed and plan.dag.method == "coordination"
    assert deck.depends_on == ["swarm-1"]
    assert [(e.from_, e.to, e.type) for e in plan.dag.edges] == [("swarm-1", "swarm-2", "phase")]
    assert (research.persona, deck.persona) == ("market-analyst", "strategist")


def test_same_sentence_needs_stage_evidence() -> None:
    # two research tasks in one sentence: nothing to wait for, they run in parallel
    assert deps("Research pricing of A and research pricing of B") == {
        "swarm-1": [],
        "swarm-2": [],
    }
    # "then" also keeps one sentence: the build needs the research before it
    assert deps("Research competitors, then build a pitch deck")["swarm-2"] == ["swarm-1"]
    # across sentences (no connector) there is no edge without a shared subject
    assert deps("Research competitors; build a pitch deck")["swarm-2"] == []
