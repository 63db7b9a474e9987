"""``smart-spawn providers | quota | detect-local | shift | mode`` — output and bad input."""

from __future__ import annotations

import json

import pytest

QUOTA = {
    "entries": {
        "anthropic": {
            "baseUrl": "http://127.0.0.1:9/v1",
            "keyEnv": "ANTHROPIC_TEST_KEY",
            "models": ["anthropic/claude-test"],
            "quota": {"quotaSource": "self-tracked", "quotaType": "tokens", "limit": 1000},
        }
    }
}


@pytest.fixture(autouse=True)
def _providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMART_SPAWN_PROVIDERS", json.dumps(QUOTA))


def test_quota_predict_json_reports_every_field_per_provider(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("quota", "set-usage", "anthropic", "250").code == 0
    result = run_cli("--json", "quota", "predict", "--hours", "12")
    assert result.code == 0, result.err
    by_name = {p["provider"]: p for p in json.loads(result.out)}
    assert set(by_name) == {"openrouter", "anthropic"}
    anthropic = by_name["anthropic"]
    for field in (
        "used",
        "limit",
        "burnRatePerHour",
        "predictedExhaustion",
        "nextReset",
        "message",
    ):
        assert field in anthropic
    assert (anthropic["used"], anthropic["limit"], anthropic["percent"]) == (250, 1000, 25)
    assert anthropic["burnWindowHours"] == 12 and anthropic["nextReset"] is not None
    human = run_cli("quota", "predict")
    assert "anthropic" in human.out and "250 of 1000 tokens (25.0 %)" in human.out


def test_providers_lists_kinds_keys_and_quotas(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ANTHROPIC_TEST_KEY", "sk-ant-secret-value-000001")
    result = run_cli("--json", "providers")
    assert result.code == 0, result.err
    listing = {p["name"]: p for p in json.loads(result.out)}
    assert listing["anthropic"]["hasKey"] is True and listing["openrouter"]["hasKey"] is False
    assert listing["openrouter"]["default"] is True
    assert "sk-ant-secret" not in result.out  # keys are never printed
    assert "anthropic" in run_cli("providers").out


def test_shift_and_mode(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert json.loads(run_cli("--json", "shift", "anthropic").out)["shifted"] is True
    status = {u["provider"]: u for u in json.loads(run_cli("--json", "quota", "status").out)}
    assert status["anthropic"]["shifted"] is True
    assert "back on" in run_cli("shift", "anthropic", "--undo").out
    assert run_cli("mode").out.strip() == "mode: dry-run"
    assert run_cli("mode", "manual").out.strip() == "mode: manual"
    assert run_cli("--json", "mode").out.strip() == '{\n  "mode": "manual"\n}'


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("quota", "set-usage", "nobody", "5"), "unknown provider 'nobody'"),
        (("quota", "set-usage", "anthropic", "five"), "use a number or a percentage"),
        (("quota", "reset", "nobody"), "unknown provider"),
        (("shift", "nobody"), "unknown provider"),
    ],
)
def test_bad_values_are_one_line_errors(run_cli, argv: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*argv)
    assert result.code == 2 and result.out == ""  # bad input: usage status
    assert message in result.err and result.err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("quota", "predict", "--hours", "-1"),
        ("quota", "predict", "--hours", "soon"),
        ("detect-local", "--ports", "80,99999"),
        ("detect-local", "--ports", "http"),
        ("mode", "turbo"),
        ("quota",),
    ],
)
def test_bad_arguments_exit_2_in_one_line(argv: tuple[str, ...], run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*argv)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "error:" in result.err


def test_bad_provider_config_names_the_field(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(
        "SMART_SPAWN_PROVIDERS", json.dumps({"entries": {"x": {"kind": "nope", "baseUrl": "u"}}})
    )
    result = run_cli("providers")
    assert result.code != 0 and "providers.entries.x.kind" in result.err
    assert result.err.count("\n") == 1


def test_detect_local_finds_nothing_on_closed_ports_quickly(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--json", "detect-local", "--ports", "9")
    assert result.code == 0 and json.loads(result.out) == []
    assert "no local model server" in run_cli("detect-local", "--ports", "9").out
