"""Issue 10 "Done means": ``--budget auto`` prices a greeting below a formal proof, and both
explanations say why; ``classify --jsonl`` reads tasks that contain newlines."""

from __future__ import annotations

import io
import json

import pytest

from smart_spawn_plugin.cli import main

LEAN = (
    "Prove that there are infinitely many primes p with p ≡ 3 (mod 4), then formalise the "
    "proof in Lean 4"
)


def _pick(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code = main(["--json", "pick", *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def _blended(decision: dict[str, object]) -> float:
    pricing = decision["pricing"]
    assert isinstance(pricing, dict)
    return (3 * pricing["prompt"] + pricing["completion"]) / 4


def test_auto_prices_hello_below_a_formal_proof_and_says_why(capsys):
    hello = _pick(capsys, "hello", "--budget", "auto")
    proof = _pick(capsys, LEAN, "--budget", "auto")
    assert _blended(hello) < _blended(proof)
    assert hello["budget"] == "low"
    assert proof["budget"] in {"high", "any"}
    for decision in (hello, proof):
        assert str(decision["reason"]).startswith("budget auto → "), decision["reason"]
        assert "complexity" in str(decision["budgetReason"])
    assert "simple" in str(hello["budgetReason"])
    assert "hard" in str(proof["budgetReason"]) or "demanding" in str(proof["budgetReason"])
    signals = proof["classification"]["signals"]  # type: ignore[index]
    assert signals["complexity"] > hello["classification"]["signals"]["complexity"]  # type: ignore[index]


def test_prefix_wins_over_auto_and_the_explanation_says_so(capsys):
    forced = _pick(capsys, "F: hello", "--budget", "auto")
    assert forced["budget"] == "any"
    assert "flagship from the prefix" in str(forced["reason"])
    assert "wins over budget auto" in str(forced["reason"])
    light = _pick(capsys, "L: " + LEAN, "--budget", "auto")
    assert light["budget"] == "low"
    assert "lightweight from the prefix" in str(light["budgetReason"])


def test_bad_budget_is_one_line_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--json", "pick", "hello", "--budget", "cheapest"])
    assert exc.value.code != 0
    assert "auto" in capsys.readouterr().err  # the choices name auto


def test_classify_jsonl_reads_multiline_tasks(capsys, monkeypatch):
    lines = [
        json.dumps({"task": "Fix this bug:\n\ndef f(x):\n    return x +"}),
        "",
        json.dumps({"task": "hello"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(["--json", "classify", "--jsonl"])
    out, _ = capsys.readouterr()
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["category"] for r in rows] == ["coding", "general"]
    assert all(0.0 <= r["signals"]["complexity"] <= 1.0 for r in rows)
    assert rows[0]["task"].count("\n") == 3


@pytest.mark.parametrize(
    ("stdin", "needle"),
    [("not json\n", "line 1: not JSON"), ('{"text": "x"}\n', 'line 1: expected {"task"')],
)
def test_classify_jsonl_bad_input_is_one_line_error(capsys, monkeypatch, stdin, needle):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["classify", "--jsonl"])
    _, err = capsys.readouterr()
    assert code != 0
    assert needle in err
    assert "Traceback" not in err
