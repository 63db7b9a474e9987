"""View-model details the pages rely on: options read from the engine's request type, and the
classification signals (including a complexity signal when the engine provides one)."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.engine.select.requests import ClassificationOut
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.models import BUDGET_CHOICES, STRATEGIES
from smart_spawn_plugin.server.dashboard.views_ops import ago, provider_of
from smart_spawn_plugin.server.dashboard.views_routing import TryForm, choices, signal_chips


def test_choices_follow_the_engine_request_type() -> None:
    assert choices("budget") == BUDGET_CHOICES  # the engine accepts "auto" too
    assert choices("strategy") == STRATEGIES
    assert choices("no_such_field") == ()


def test_signal_chips_show_set_signals_and_complexity() -> None:
    cls = ClassificationOut(
        category="coding",
        confidence=0.9,
        signals={"needsVision": False, "tools": True, "language": "zh", "complexity": "high"},
    )
    chips, complexity = signal_chips(cls)
    assert chips == [("tools", "yes"), ("language", "zh")]
    assert complexity == "high"
    plain = ClassificationOut(category="general", confidence=0.5, signals={"tools": False})
    assert signal_chips(plain) == ([], None)


def test_try_form_names_the_bad_field() -> None:
    form = TryForm.model_validate({"task": "x", "strategy": "fastest"})
    with pytest.raises(InvalidParam, match="strategy"):
        form.request("medium", "local")
    ok = TryForm.model_validate({"task": " x ", "budget": "", "context": "Rust, , CLI"})
    req = ok.request("low", "local")
    assert (req.task, req.budget, req.context) == ("x", "low", ["rust", "cli"])


def test_small_formatters() -> None:
    assert ago(None) == "never"
    assert provider_of("openai/gpt-5") == "openai" and provider_of("local-model") == "other"
