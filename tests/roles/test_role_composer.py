"""POST /roles/compose semantics: composition, auto guardrails, caps, unknown ids, bad input."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.errors import InvalidBody, InvalidParam, MissingParam
from smart_spawn_plugin.roles import (
    RULE_CAP,
    STACK_BULLET_CAP,
    ComposeRequest,
    compose,
    compose_system_prompt,
    library,
    parse_compose_request,
)

TASK = "Add a refund endpoint to the payments service"


def wire(**body: object) -> dict[str, object]:
    return compose(parse_compose_request({"task": TASK, **body})).wire()


def test_no_blocks_returns_the_task_unchanged():
    out = wire()
    assert out["hasRole"] is False
    assert out["fullPrompt"] == TASK
    assert out["wordCount"] == len(TASK.split())
    assert out["persona"] is None
    assert "warnings" not in out  # omitted when empty, as the original


def test_all_block_kinds_compose_in_order():
    lib = library()
    role = compose_system_prompt(
        TASK,
        persona="backend-engineer",
        stack=["python", "fastapi"],
        domain="fintech",
        format="full-implementation",
        guardrails=["security", "accuracy"],
    )
    assert role.has_role
    assert role.persona == "backend-engineer"
    assert role.persona_title == "Backend Engineer"
    assert role.stack == ["python", "fastapi"]
    assert (role.domain, role.format) == ("fintech", "full-implementation")
    assert role.guardrails == ["security", "accuracy"]
    assert role.auto_guardrails == []  # the caller chose guardrails
    assert role.warnings == []
    prompt = role.full_prompt
    markers = [
        "# Role: Backend Engineer",
        lib.personas["backend-engineer"].core,
        "## Stack",
        "> Tech notes: " + str(lib.stacks["python"].tech_notes),
        "## Domain: Fintech",
        "## Output: Full Implementation",
        "## Rules",
        "Style: " + lib.personas["backend-engineer"].style,
        "\n---\n",
        "## Task\n" + TASK,
    ]
    positions = [prompt.index(marker) for marker in markers]
    assert positions == sorted(positions)
    assert prompt.startswith(role.role_prompt)
    assert role.word_count == len(role.role_prompt.split())
    assert lib.guardrails["security"].rules[0] in prompt


def test_wire_keys_are_camel_case_and_match_the_original():
    out = wire(persona="writer")
    original = {
        "hasRole", "persona", "personaTitle", "stack", "domain", "format", "guardrails",
        "wordCount", "fullPrompt",
    }  # fmt: skip
    assert original <= set(out)
    assert set(out) - original == {"autoGuardrails", "rolePrompt"}


def test_auto_guardrails_for_a_known_persona_are_visible():
    role = compose_system_prompt(TASK, persona="security-engineer")
    assert role.guardrails == ["security", "code"]
    assert role.auto_guardrails == ["security", "code"]
    assert 'Rules capped at 6: "concise" omitted' in role.warnings


def test_auto_guardrails_analyst_gets_research_accuracy_concise():
    role = compose_system_prompt("Size the EU e-bike market", persona="market-analyst")
    assert role.auto_guardrails == ["research", "accuracy"]
    assert role.warnings == ['Rules capped at 6: "concise" omitted']
    role = compose_system_prompt("Explain recursion", persona="teacher")
    assert role.guardrails == role.auto_guardrails == ["concise"]
    assert role.warnings == []


def test_auto_guardrails_not_added_when_caller_gives_guardrails_or_opts_out():
    role = compose_system_prompt(TASK, persona="devops-engineer", guardrails=["concise"])
    assert role.guardrails == ["concise"]
    assert role.auto_guardrails == []
    role = compose_system_prompt(TASK, persona="devops-engineer", auto_guardrails=False)
    assert role.guardrails == []
    assert "## Rules" not in role.full_prompt


def test_auto_guardrails_not_added_without_a_persona():
    role = compose_system_prompt(TASK, stack=["go"])
    assert role.guardrails == role.auto_guardrails == []


def test_unknown_persona_alone_is_not_a_role():
    """The original's defect 31: "bogus" was echoed and gave hasRole:true via auto concise."""
    out = wire(persona="bogus")
    assert out["hasRole"] is False
    assert out["persona"] is None
    assert out["personaTitle"] is None
    assert out["guardrails"] == []
    assert out["fullPrompt"] == TASK
    assert out["warnings"] == ['Unknown persona: "bogus"']


def test_every_kind_of_unknown_id_warns_with_suggestions():
    out = wire(
        persona="sofware-engineer",
        stack=["reakt", "go", "zzzz"],
        domain="fintek",
        format="reveiw",
        guardrails=["securty"],
    )
    assert out["hasRole"] is True  # go is real
    assert out["persona"] is None
    assert out["stack"] == ["go"]
    assert out["domain"] is None
    assert out["format"] is None
    assert out["guardrails"] == []
    assert out["warnings"] == [
        'Unknown persona: "sofware-engineer" (did you mean "software-engineer"?)',
        'Unknown domain: "fintek" (did you mean "fintech"?)',
        'Unknown format: "reveiw" (did you mean "review"?)',
        'Unknown stack blocks: "reakt" (did you mean "react"?), "zzzz"',
        'Unknown guardrails: "securty" (did you mean "security"?)',
    ]


def test_id_of_another_kind_is_named():
    out = wire(persona="react")
    assert out["warnings"] == ['Unknown persona: "react" (that is a stack block)']


def test_all_unknown_gives_no_role_with_warnings():
    out = wire(stack=["nope"], domain="nope", guardrails=["nope"])
    assert out["hasRole"] is False
    assert out["fullPrompt"] == TASK
    assert out["stack"] == []
    assert len(out["warnings"]) == 3  # type: ignore[arg-type]


def test_caps_are_reported_and_only_included_blocks_listed():
    """The original's observed case: devops + nextjs, typescript, stripe hits both caps."""
    lib = library()
    role = compose_system_prompt(
        TASK, persona="devops-engineer", stack=["nextjs", "typescript", "stripe"]
    )
    assert len(lib.stacks["nextjs"].instructions) + len(lib.stacks["typescript"].instructions) == 10
    assert role.stack == ["nextjs", "typescript"]
    assert role.guardrails == ["code", "production"]
    assert role.auto_guardrails == ["code", "production"]
    assert role.warnings == [
        'Stack bullets capped at 10: "stripe" omitted',
        'Rules capped at 6: "concise" omitted',
    ]
    stack_part = role.role_prompt.split("## Stack\n")[1].split("\n\n")[0]
    assert len(stack_part.splitlines()) == STACK_BULLET_CAP
    rules_part = role.role_prompt.split("## Rules\n")[1].split("\n\n")[0]
    assert len(rules_part.splitlines()) == RULE_CAP
    assert lib.stacks["stripe"].instructions[0] not in role.full_prompt


def test_a_block_cut_part_way_is_listed_and_named_truncated():
    lib = library()
    sizes = [len(lib.stacks[s].instructions) for s in ("vue", "nodejs", "go")]
    assert sizes == [4, 5, 5]
    role = compose_system_prompt(TASK, stack=["vue", "nodejs", "go"])
    assert role.stack == ["vue", "nodejs", "go"]
    assert role.warnings == ['Stack bullets capped at 10: "go" truncated']
    assert lib.stacks["go"].instructions[0] in role.full_prompt
    assert lib.stacks["go"].instructions[1] not in role.full_prompt


def test_tech_notes_come_only_from_included_stack_blocks():
    role = compose_system_prompt(TASK, stack=["react", "nodejs", "python"])  # 5 + 5 + 4
    assert role.stack == ["react", "nodejs"]
    assert role.warnings == ['Stack bullets capped at 10: "python" omitted']
    assert "Tech notes" not in role.full_prompt


def test_rules_cap_with_explicit_guardrails_and_duplicates():
    role = compose_system_prompt(
        TASK, guardrails=["code", "security", "code", "concise", "accuracy"]
    )
    assert role.guardrails == ["code", "security"]
    assert role.warnings == ['Rules capped at 6: "concise" omitted, "accuracy" omitted']


def test_ids_are_normalised_python_callers_may_pass_a_comma_string_the_wire_may_not():
    role = compose_system_prompt(TASK, persona=" Debugger ", stack="React, ,TypeScript,react")
    assert role.persona == "debugger"
    assert role.stack == ["react", "typescript"]
    out = wire(guardrails=["code", "security"], stack=[])
    assert out["guardrails"] == ["code", "security"]
    with pytest.raises(InvalidParam) as info:
        wire(guardrails="code,security")
    assert info.value.field == "guardrails"


def test_blank_ids_mean_absent():
    out = wire(persona="", domain="  ", stack=[], guardrails=[], format=None)
    assert out["hasRole"] is False
    assert "warnings" not in out


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({}, MissingParam, "task"),
        ({"task": None}, MissingParam, "task"),
        ({"task": "   "}, MissingParam, "task"),
        ({"task": 42}, InvalidParam, "task"),
        ({"task": "t", "persona": 3}, InvalidParam, "persona"),
        ({"task": "t", "domain": ["fintech"]}, InvalidParam, "domain"),
        ({"task": "t", "format": {"id": "review"}}, InvalidParam, "format"),
        ({"task": "t", "stack": [1, "react"]}, InvalidParam, "stack"),
        ({"task": "t", "stack": {"react": True}}, InvalidParam, "stack"),
        ({"task": "t", "guardrails": 7}, InvalidParam, "guardrails"),
        ({"task": "t", "guardrails": [None]}, InvalidParam, "guardrails"),
        ({"task": "t", "stack": ["x"] * 51}, InvalidParam, "stack"),
        ({"task": "t", "persona": "p" * 65}, InvalidParam, "persona"),
        ({"task": "t", "autoGuardrails": "no"}, InvalidParam, "autoGuardrails"),
    ],
)
def test_bad_input_raises_our_error_naming_the_field(body, error, field):
    with pytest.raises(error) as info:
        parse_compose_request(body)
    assert info.value.field == field
    assert field in info.value.message
    assert info.value.status == 400


def test_missing_task_message_is_the_originals():
    with pytest.raises(MissingParam, match="task required"):
        ComposeRequest.model_validate({"persona": "writer"})


def test_constructing_the_model_directly_raises_our_errors_too():
    with pytest.raises(InvalidParam):
        ComposeRequest(task="t", persona=5)
    with pytest.raises(InvalidParam):
        compose_system_prompt(TASK, stack=[1])  # type: ignore[list-item]
    with pytest.raises(MissingParam):
        compose_system_prompt("")


def test_non_object_body_is_invalid_body():
    with pytest.raises(InvalidBody):
        parse_compose_request(["task"])


def test_request_accepts_snake_and_camel_and_ignores_extras():
    req = parse_compose_request({"task": "t", "auto_guardrails": False, "extra": 1})
    assert req.auto_guardrails is False
    req = parse_compose_request({"task": "t", "autoGuardrails": False})
    assert req.auto_guardrails is False
    assert ComposeRequest.model_validate(req) is req


@pytest.mark.parametrize("persona", sorted(library().personas))
def test_every_persona_composes(persona):
    role = compose_system_prompt(TASK, persona=persona)
    assert role.has_role
    assert role.persona == persona
    assert role.guardrails  # every persona has at least concise
    assert role.guardrails == role.auto_guardrails
