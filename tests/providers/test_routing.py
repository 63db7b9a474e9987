"""Quota-aware routing through the Recommender every tool uses: a provider near exhaustion is
skipped and the decision says why; shift moves work off a provider until undone; a provider
predicted to run out before its reset is deprioritised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.runtime import Runtime
from tests.providers.helpers import open_services, seed

TASK = "write a python function that parses ISO 8601 dates"


def _anthropic(models: list[str], **quota: Any) -> dict[str, Any]:
    return {
        "entries": {
            "anthropic": {
                "baseUrl": "http://127.0.0.1:9/v1",
                "models": models,
                "quota": {
                    "quotaSource": "self-tracked",
                    "quotaType": "tokens",
                    "limit": 100_000,
                    "reset": {"every": "weekly", "day": 0},
                    **quota,
                },
            }
        }
    }


async def _pick(services: Runtime) -> Any:
    # a fresh providers view: state written by other handles (set-usage, shift) is read anew
    return (await services.recommender.pick(PickRequest(task=TASK))).decision


@pytest.fixture
async def best(tmp_path: Path) -> str:
    """The model picked for TASK with no provider constraints."""
    with open_services(tmp_path / "baseline") as services:
        decision = await _pick(services)
    return str(decision.id)


async def test_a_provider_near_exhaustion_is_skipped_with_the_reason(
    tmp_path: Path, best: str
) -> None:
    with open_services(tmp_path / "h", **_anthropic([best])) as services:
        assert (await _pick(services)).id == best
        ProvidersService(services).set_usage("anthropic", "97%")
        decision = await _pick(services)
    assert decision.id != best
    assert "skipped anthropic: 97 % of weekly tokens used" in decision.reason


async def test_shift_and_undo(tmp_path: Path, best: str) -> None:
    with open_services(tmp_path / "h", **_anthropic([best])) as services:
        service = ProvidersService(services)
        assert service.shift("anthropic") == {
            "provider": "anthropic",
            "shifted": True,
            "changed": True,
        }
        decision = await _pick(services)
        assert (
            decision.id != best and "skipped anthropic: shifted off by the user" in decision.reason
        )
        assert service.shift("anthropic", undo=True)["changed"] is True
        assert (await _pick(services)).id == best
        # the default provider shifted and nothing local: no model, and the reason
        service.shift("openrouter")
        with pytest.raises(NoModel, match="skipped openrouter: shifted off"):
            await _pick(services)


async def test_a_provider_running_out_before_reset_is_deprioritised(
    tmp_path: Path, best: str
) -> None:
    with open_services(tmp_path / "h", **_anthropic([best])) as services:
        # 60 000 tokens in the last hours: 40 000 left, at 2 500/h → out in 16 h, reset is days away
        seed(services, best, hours_ago=1, prompt=40_000, completion=20_000)
        predictions = {p.provider: p for p in await ProvidersService(services).predict()}
        if not predictions["anthropic"].runs_out_before_reset:  # pragma: no cover - Sunday night
            pytest.skip("the weekly reset is closer than the predicted exhaustion right now")
        decision = await _pick(services)
    assert decision.id != best
    assert "deprioritised anthropic: at the current rate" in decision.reason


def test_spawn_dry_run_explains_the_skip(
    run_cli, tmp_path: Path, best: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SMART_SPAWN_PROVIDERS", json.dumps(_anthropic([best])))
    assert run_cli("quota", "set-usage", "anthropic", "99%").code == 0
    result = run_cli("--json", "spawn", TASK, "--dry-run")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    (spawn,) = body["spawns"]
    (routed,) = body["routingDecision"]["models"]
    assert spawn["model"] == routed["model"] != best
    assert "(skipped anthropic: 99 % of weekly tokens used)" in routed["reason"]


async def test_provider_preference_picks_among_its_models(tmp_path: Path, best: str) -> None:
    config = _anthropic(["anthropic/claude-test-unknown", "z-ai/glm-5.2"])
    config["prefer"] = "anthropic"
    with open_services(tmp_path / "h", **config) as services:
        decision = await _pick(services)
    assert decision.id == "z-ai/glm-5.2" and "(--provider anthropic)" in decision.reason


def test_an_unknown_provider_is_a_one_line_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("spawn", TASK, "--provider", "nobody", "--dry-run")
    assert result.code == 2 and "unknown provider 'nobody'" in result.err
    assert result.err.count("\n") == 1


def test_provider_local_without_a_server_says_what_to_do(
    run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SMART_SPAWN_PROVIDERS", json.dumps({"localPorts": [9]}))
    result = run_cli("spawn", "Say hello in French", "--provider", "local")
    assert result.code == 1 and result.err.count("\n") == 1
    assert "no local model server answers on 127.0.0.1 ports 9" in result.err
