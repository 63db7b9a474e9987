"""signals.complexity: in [0, 1] for every task; hard asks above simple ones."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smart_spawn_plugin.engine.classify import complexity as cx
from smart_spawn_plugin.engine.classify.classifier import classify, strip_prefixes

LEAN = (
    "Prove that there are infinitely many primes p with p ≡ 3 (mod 4), then formalise the "
    "proof in Lean 4"
)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=300).filter(lambda t: strip_prefixes(t)[0].strip() != ""))
def test_complexity_is_in_unit_interval_for_any_text(text: str) -> None:
    assert 0.0 <= classify(text).signals.complexity <= 1.0


@pytest.mark.parametrize(
    ("easy", "hard"),
    [
        ("hello", LEAN),
        (
            "What is the capital of France?",
            "Design a lock-free concurrent hash map in Rust and prove it linearizable",
        ),
        (
            "Translate 'thank you' into Spanish",
            "Investigate the literature on retrieval-augmented "
            "generation evaluation and synthesise a comprehensive review with citations",
        ),
        (
            "Fix the typo in this sentence: 'teh cat'",
            "Refactor the payment service to remove the "
            "global state, then migrate the database schema without downtime and add tests",
        ),
        ("你好", "证明存在无穷多个素数，并给出形式化证明"),
    ],
)
def test_hard_tasks_score_above_easy_ones(easy: str, hard: str) -> None:
    assert classify(easy).signals.complexity < classify(hard).signals.complexity


def test_chit_chat_is_near_zero_and_a_proof_is_high() -> None:
    assert classify("hello").signals.complexity < 0.15
    assert classify(LEAN).signals.complexity > 0.6


def test_category_override_and_long_texts_still_get_complexity() -> None:
    assert 0.0 <= classify("reasoning").signals.complexity <= 1.0
    long_task = "Summarise the following report. " + "The quarter went well. " * 2000
    result = classify(long_task)
    assert (
        result.signals.complexity > classify("Summarise the following report.").signals.complexity
    )


def test_score_is_monotone_in_the_prior_terms() -> None:
    base = cx.features("Do it", "do it", {"do", "it"}, "general")
    more = {**base, "demanding": 2.0}
    assert cx.score(more) > cx.score(base)
    assert cx.score({**base, "chat": 1.0}) < cx.score(base)


def test_bundled_weights_name_only_known_features() -> None:
    weights = cx.learned()
    assert set(weights) <= {"bias", *cx.LEARNED_NAMES}


def test_malformed_weights_file_is_a_clear_error(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "smart_spawn_plugin" / "data" / "classifier"
    bad.mkdir(parents=True)
    (bad / cx.WEIGHTS_FILE).write_text(json.dumps({"bias": 0, "weights": {"nope": 1}}))

    class _Files:
        def joinpath(self, *parts: str):
            return tmp_path.joinpath("smart_spawn_plugin", *parts)

    monkeypatch.setattr(cx.resources, "files", lambda _pkg: _Files())
    cx.learned.cache_clear()
    try:
        with pytest.raises(cx.ComplexityWeightsError, match="nope"):
            cx.learned()
    finally:
        monkeypatch.undo()
        cx.learned.cache_clear()
