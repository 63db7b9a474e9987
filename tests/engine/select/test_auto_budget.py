"""Budget ``auto``: complexity × category → tier; prefixes win; API and request shapes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from smart_spawn_plugin.engine.select.budget import (
    AUTO_CUTS,
    AUTO_DEFAULT,
    auto_budget,
    concrete_budget,
)
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.models import BUDGETS, CATEGORIES
from tests.engine.builders import small_catalog


@pytest.mark.parametrize("category", CATEGORIES)
def test_auto_tier_never_falls_as_complexity_rises(category):
    tiers = [auto_budget(i / 100, category)[0] for i in range(101)]
    ranks = [BUDGETS.index(t) for t in tiers]
    assert ranks == sorted(ranks)
    assert tiers[0] == "low"
    assert tiers[-1] == "any"


def test_category_shifts_the_cut():
    level = AUTO_CUTS[0][0] - 0.02  # just under the low/medium cut
    assert auto_budget(level, "fast-cheap")[0] == "low"
    assert auto_budget(level, "reasoning")[0] == "medium"


def test_auto_explains_itself():
    tier, why = auto_budget(0.05, "general")
    assert tier == "low"
    assert why.startswith("budget auto → low: simple general task (complexity 0.05)")
    assert auto_budget(None, "coding") == (
        AUTO_DEFAULT,
        f"budget auto → {AUTO_DEFAULT}: no task text to measure",
    )


def test_concrete_budget():
    assert concrete_budget("high", "hello", None) == "high"
    assert concrete_budget("auto", "hello", None) == "low"
    assert concrete_budget("auto", None, "coding") == AUTO_DEFAULT
    assert concrete_budget(
        "auto", "Prove Fermat's little theorem and formalise it in Lean", None
    ) in {
        "high",
        "any",
    }


def test_pick_with_auto_and_a_given_category_uses_the_task_complexity():
    sel = Selector(small_catalog())
    easy = sel.pick(PickRequest(task="hello", category="coding", budget="auto"))
    assert easy.budget == "low" and easy.id == "google/flash"
    assert easy.budget_reason and "complexity" in easy.budget_reason
    bare = sel.pick(PickRequest(category="coding", budget="auto"))
    assert bare.budget == AUTO_DEFAULT
    assert "no task text" in (bare.budget_reason or "")


def test_auto_is_a_request_budget_but_not_a_garbage_one():
    assert PickRequest(task="x", budget="auto").budget == "auto"
    with pytest.raises(ValidationError):
        PickRequest(task="x", budget="cheapest")  # type: ignore[arg-type]
