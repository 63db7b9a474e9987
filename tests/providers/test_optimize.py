"""analyze / optimize --apply / --undo on a seeded spawn log, through the CLI, and the override
taking effect in routing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.providers.optimize import optimize
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.runtime import Runtime
from tests.providers.helpers import seed


def _replaceable(services: Runtime) -> str:
    """A catalog model some cheaper model matches or beats on coding (what analyze looks for),
    found here independently: the priciest such model."""
    records = [r for r in services.catalog.selector().by_id.values() if "coding" in r.scores]
    for record in sorted(records, key=lambda r: -r.pricing.blended):
        score = record.scores["coding"]
        if any(
            o.scores["coding"] >= score and o.pricing.blended < record.pricing.blended
            for o in records
            if o.id != record.id
        ):
            return record.id
    raise AssertionError("the catalog has no replaceable coding model")


def _seed_log(home: Path) -> str:
    with Runtime.open(home=home) as services:
        expensive = _replaceable(services)
        for hours in (1, 2, 3):
            seed(services, expensive, hours_ago=hours, category="coding", role="primary")
        seed(services, expensive, hours_ago=4, category="creative")  # not recurring: once
        seed(services, expensive, hours_ago=5, category="coding", status="error")  # failed
    return expensive


def test_analyze_finds_recurring_work_a_cheaper_model_does_as_well(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expensive = _seed_log(tmp_path / "home")
    result = run_cli("--json", "analyze")
    assert result.code == 0, result.err
    (proposal,) = json.loads(result.out)
    assert (proposal["category"], proposal["role"], proposal["spawns"]) == ("coding", "primary", 3)
    assert proposal["fromModel"] == expensive and proposal["toModel"] != expensive
    assert proposal["scoreTo"] >= proposal["scoreFrom"]
    assert 0 <= proposal["costAfterUsd"] < proposal["costNowUsd"]
    assert proposal["savingUsd"] == pytest.approx(proposal["costNowUsd"] - proposal["costAfterUsd"])
    human = run_cli("analyze")
    assert "coding × primary (3 spawns)" in human.out


def test_optimize_apply_needs_confirmation_then_undo(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expensive = _seed_log(tmp_path / "home")
    proposed = json.loads(run_cli("--json", "optimize").out)
    assert proposed["applied"] is False and proposed["overrides"] == []
    assert proposed["mode"] == "dry-run"
    refused = run_cli("optimize", "--apply")
    assert refused.code == 2 and "needs confirmation" in refused.err
    assert refused.err.count("\n") == 1
    applied = json.loads(run_cli("--json", "optimize", "--apply", "--yes").out)
    assert applied["applied"] is True
    (override,) = applied["overrides"]
    target = override["toModel"]
    assert override["category"] == "coding" and override["fromModel"] == expensive
    undone = json.loads(run_cli("--json", "optimize", "--undo").out)
    assert undone["undone"] == 1
    assert json.loads(run_cli("--json", "optimize").out)["overrides"] == []
    # auto mode applies without --yes
    assert json.loads(run_cli("--json", "mode", "auto").out) == {"mode": "auto"}
    again = json.loads(run_cli("--json", "optimize", "--apply").out)
    assert again["applied"] is True and again["overrides"][0]["toModel"] == target
    assert run_cli("optimize", "--apply", "--undo").code == 2


async def test_an_applied_override_routes_the_category(tmp_path: Path) -> None:
    with Runtime.open(home=tmp_path / "home") as services:
        try:
            request = PickRequest(task="x", category="coding")
            before = (await services.recommender.pick(request)).decision
            target = next(r for r in before.runner_ups if r.id != before.id).id
            ProvidersService(services).state.add_override(
                "coding", "primary", before.id, target, 0.01
            )
            after = (await services.recommender.pick(request)).decision
            creative = await services.recommender.pick(PickRequest(task="x", category="creative"))
            optimize(ProvidersService(services), undo=True)
            undone = (await services.recommender.pick(request)).decision
        finally:
            await services.aclose_http()
    assert after.id == target != before.id
    assert after.reason.startswith("override (optimize #")
    assert not creative.decision.reason.startswith("override")  # other categories untouched
    assert undone.id == before.id
