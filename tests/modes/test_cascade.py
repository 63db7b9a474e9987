"""cascade: cheapest adequate first, the quality gate, escalation, the budget ceiling, the log."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.contract import SpawnRequest
from smart_spawn_plugin.modes import recommend_mode, run_mode
from smart_spawn_plugin.modes.base import ModeRequest, SpawnRecord
from smart_spawn_plugin.modes.gate import cheap_check, parse_judge
from tests.modes.conftest import (
    JUDGE_MARK,
    FakeSpawner,
    Script,
    SelectorRecommender,
    judge,
    make_ctx,
)

REFUSAL = "I'm sorry, but I can't help with that."


def judge_by_answer(scores: dict[str, float]):
    """A responder: the judge's score depends on which model's answer it grades."""

    def respond(request: SpawnRequest) -> Script | None:
        if JUDGE_MARK not in request.task:
            return None
        for model, score in scores.items():
            if f"answer from {model}" in request.task:
                return judge(score)
        return judge(9)

    return respond


def req(**kw: object) -> ModeRequest:
    base: dict[str, object] = {"task": "write a parser", "category": "coding", "budget": "high"}
    return ModeRequest.parse({**base, **kw})


async def test_passes_gate_without_escalation(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    r = req()
    result = await run_mode("cascade", r, make_ctx(spawner, recommender, r))
    assert result.status == "ok"
    assert [w.model for w in spawner.workers] == ["google/flash"]  # cheapest adequate
    assert len(spawner.requests) == 2  # the answer and its judge
    assert [e.role for e in recommender.logged] == ["cascade_cheap", "cascade_judge"]
    [step] = result.escalations
    assert step.passed and step.check == "judge" and step.score == pytest.approx(0.9)
    assert step.judge_model and step.judge_model != "google/flash"
    assert result.output == "answer from google/flash"
    assert result.cost_usd == pytest.approx(0.011)


@pytest.mark.parametrize(
    ("script", "check"),
    [
        (Script(output=REFUSAL), "refusal"),
        (Script(output="   "), "empty"),
        (Script(output=None, outcome="error", error="boom"), "error"),
        (Script(output="```python\ndef f(:"), "truncated"),
    ],
)
async def test_cheap_checks_escalate_without_judge(
    recommender: SelectorRecommender, script: Script, check: str
) -> None:
    spawner = FakeSpawner({"google/flash": script})
    r = req()
    result = await run_mode("cascade", r, make_ctx(spawner, recommender, r))
    assert result.status == "ok"
    assert [w.model for w in spawner.workers] == ["google/flash", "openai/gpt-big"]
    assert [e.check for e in result.escalations] == [check, "judge"]
    assert result.escalations[0].score == 0 and result.escalations[0].judge_model is None
    assert [e.role for e in recommender.logged] == [
        "cascade_cheap",
        "cascade_escalation_1",
        "cascade_judge",
    ]
    assert result.output == "answer from openai/gpt-big"


async def test_low_judge_score_escalates_one_tier(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(responder=judge_by_answer({"google/flash": 3}))
    r = req()
    result = await run_mode("cascade", r, make_ctx(spawner, recommender, r))
    assert [(e.model, e.budget, e.passed) for e in result.escalations] == [
        ("google/flash", "low", False),
        ("openai/gpt-big", "medium", True),
    ]
    assert result.escalations[0].score == pytest.approx(0.3)


async def test_unparseable_judge_counts_as_low_confidence(
    recommender: SelectorRecommender,
) -> None:
    answers = iter(["looks fine to me", '{"score": 8, "reason": "good"}'])
    spawner = FakeSpawner(
        responder=lambda rq: Script(output=next(answers)) if JUDGE_MARK in rq.task else None
    )
    r = req()
    result = await run_mode("cascade", r, make_ctx(spawner, recommender, r))
    assert [e.check for e in result.escalations] == ["judge_unparseable", "judge"]
    assert "unparseable" in result.escalations[0].reason
    assert result.status == "ok"


async def test_respects_max_escalation(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(judge_score=2)
    r = req(maxEscalation=1)
    result = await run_mode("cascade", r, make_ctx(spawner, recommender, r))
    assert len(spawner.workers) == 2
    assert result.status == "partial"
    assert result.output is not None
    assert "minConfidence" in result.errors[0]
    roles = [e.role for e in recommender.logged]
    assert roles.count("cascade_judge") == 2 and "cascade_escalation_2" not in roles


async def test_never_escalates_past_the_users_budget(recommender: SelectorRecommender) -> None:
    spawner = FakeSpawner(judge_score=1)
    r = req(budget="medium", maxEscalation=3)
    result = await run_mode("cascade", r, make_ctx(spawner, recommender, r))
    assert "anthropic/opus" not in spawner.models
    assert all(e.budget in ("low", "medium") for e in result.escalations)
    models = [e.model for e in result.escalations]
    assert len(models) == len(set(models))  # never retries a model
    assert result.status == "partial"


async def test_judge_model_override(spawner: FakeSpawner, recommender: SelectorRecommender) -> None:
    r = req(judgeModel="qwen/small")
    result = await run_mode("cascade", r, make_ctx(spawner, recommender, r))
    assert spawner.models == ["google/flash", "qwen/small"]
    assert result.escalations[0].judge_model == "qwen/small"


async def test_cascade_recommend_shape(
    spawner: FakeSpawner, recommender: SelectorRecommender
) -> None:
    r = req(budget="medium")
    payload = (await recommend_mode("cascade", r, make_ctx(spawner, recommender, r))).model_dump(
        mode="json", by_alias=True
    )
    assert payload["action"] == "cascade"
    assert payload["cheapModel"] == "google/flash"
    assert payload["premiumModel"] == "openai/gpt-big"  # within the medium ceiling
    assert payload["cheapPricing"]["prompt"] == pytest.approx(0.3)
    assert {
        "cheapLabel",
        "premiumLabel",
        "escalationHint",
        "ladder",
        "minConfidence",
        "maxEscalation",
        "judgeInstructions",
        "routingDecision",
    } <= payload.keys()
    assert recommender.logged == []  # nothing ran, nothing logged (the original logged both)


def test_parse_judge_variants() -> None:
    assert parse_judge('```json\n{"score": 7, "reason": "ok"}\n```').score == 7
    assert parse_judge('Verdict: {"score": "8.5", "reason": "x"} thanks').score == 8.5
    assert parse_judge("score: 6 because").score == 6
    assert parse_judge("I'd give it 4/10").score == 4
    assert parse_judge('{"score": 40}').score == 10
    bad = parse_judge("no idea")
    assert bad.score is None and not bad.parsed


def test_refusal_only_near_the_start_of_short_answers() -> None:
    long_ok = "Here is the answer. " * 100 + "I can't help noticing the bug."
    rec = SpawnRecord(role="r", label="l", model="m", outcome="ok", output=long_ok)
    assert cheap_check(rec) is None
    rec = rec.model_copy(update={"output": REFUSAL})
    verdict = cheap_check(rec)
    assert verdict is not None and verdict.check == "refusal"
    rec = rec.model_copy(update={"output": "fine", "finish_reason": "length"})
    verdict = cheap_check(rec)
    assert verdict is not None and verdict.check == "truncated"
