from smart_spawn_plugin.engine.select.budget import (
    BUDGET_RANGES,
    escalate,
    in_budget,
    wider_budgets,
)
from smart_spawn_plugin.models import ModelRecord, Pricing


def model(prompt: float, completion: float) -> ModelRecord:
    return ModelRecord(
        id="a/b", name="b", provider="a", pricing=Pricing(prompt=prompt, completion=completion)
    )


def test_budget_uses_blended_price_not_prompt_alone():
    # prompt $0.5 but completion $8 → blended 2.375: not a "low" model.
    m = model(0.5, 8.0)
    assert m.pricing.blended == 2.375
    assert not in_budget(m, "low")
    assert in_budget(m, "medium")


def test_no_floor_on_high():
    # The original's $2 floor hid strong models priced just under it.
    assert in_budget(model(1.75, 14.0), "high")
    assert in_budget(model(0.1, 0.1), "high")


def test_router_pseudo_models_never_in_budget():
    assert not in_budget(model(-1.0, -1.0), "any")


def test_escalation_order():
    assert wider_budgets("low") == ("medium", "high", "any")
    assert escalate("medium") == "high"
    assert escalate("any") == "any"
    assert BUDGET_RANGES["any"].label().endswith("∞/M blended")
