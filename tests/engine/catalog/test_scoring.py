"""Each category score measures what it claims, from the benchmarks that measure it."""

import pytest

from smart_spawn_plugin.engine.catalog.normalize import NormParam, squash
from smart_spawn_plugin.engine.catalog.scoring import (
    CATEGORY_WEIGHTS,
    TIER_BASELINES,
    cost_efficiency,
    price_score,
    score_model,
)
from smart_spawn_plugin.models import Capabilities, ModelRecord, Pricing, Speed

# every key: mean 50, sd 10, so a raw 60 normalises to 70 and 40 to 30
PARAMS = {key: NormParam(50.0, 10.0) for weights in CATEGORY_WEIGHTS.values() for key in weights}
PARAMS["_logTps"] = NormParam(4.0, 1.0)
PARAMS["_logTtft"] = NormParam(0.0, 1.0)


def model(benchmarks, *, vision=False, context=128_000, tier="standard", tps=None, ttft=None):
    return ModelRecord(
        id="x/m",
        name="m",
        provider="x",
        context_length=context,
        pricing=Pricing(prompt=1, completion=4),
        capabilities=Capabilities(vision=vision),
        tier=tier,
        benchmarks=benchmarks,
        speed=Speed(output_tokens_per_second=tps, time_to_first_token=ttft),
    )


@pytest.mark.parametrize("category", ["general", "coding", "reasoning", "creative", "research"])
def test_category_uses_only_its_own_benchmarks(category):
    own = dict.fromkeys(CATEGORY_WEIGHTS[category], 60.0)
    scores = score_model(model(own), PARAMS, 2.0)
    got = scores[category]
    assert not got.baseline
    assert {e.benchmark for e in got.evidence} <= set(own)
    assert not any(e.imputed for e in got.evidence)
    assert got.coverage == 1.0
    assert got.score == pytest.approx(squash(1.0), abs=0.05)  # 128k: no research nudge


def test_strong_coder_weak_writer():
    b = {"codingIndex": 70.0, "liveBenchCoding": 70.0, "arenaCreative": 35.0}
    s = score_model(model(b), PARAMS, 2.0)
    assert s["coding"].score > s["general"].score > s["creative"].score
    assert s["creative"].score < 40


def test_no_evidence_is_a_marked_tier_baseline():
    s = score_model(model({}, tier="premium"), PARAMS, 2.0)
    for cat in ("general", "coding", "reasoning", "creative", "research"):
        assert s[cat].baseline
        assert s[cat].score <= TIER_BASELINES["premium"]
        assert s[cat].note


def test_category_without_evidence_is_imputed_or_prior_never_dropped():
    # strong general evidence, nothing on coding: coding signals are imputed (marked), with
    # zero coverage; without an imputer they count at the population mean
    s = score_model(model({"arena": 80.0, "intelligenceIndex": 80.0}), PARAMS, 2.0)
    assert s["general"].score > 80
    assert s["coding"].coverage == 0.0
    assert all(e.imputed for e in s["coding"].evidence)
    # no fits: each signal at its prior (z 0) minus one sd of uncertainty
    assert s["coding"].score < 50.0


def test_vision_needs_image_input_and_vision_evidence():
    b = {"arena": 70.0, "arenaVision": 40.0, "mmmuPro": 40.0}
    assert "vision" not in score_model(model(b), PARAMS, 2.0)
    s = score_model(model(b, vision=True), PARAMS, 2.0)
    assert s["vision"].score == pytest.approx(squash(-1.0), abs=0.05)  # not its general
    assert {e.benchmark for e in s["vision"].evidence} == {"arenaVision", "mmmuPro"}


def test_research_context_only_nudges():
    b = dict.fromkeys(CATEGORY_WEIGHTS["research"], 50.0)
    short = score_model(model(b, context=16_000), PARAMS, 2.0)["research"].score
    mid = score_model(model(b, context=128_000), PARAMS, 2.0)["research"].score
    long = score_model(model(b, context=1_000_000), PARAMS, 2.0)["research"].score
    assert short < mid < long
    assert long - short <= 15


def test_fast_cheap_weighs_quality_speed_and_price():
    good = {"arena": 65.0, "intelligenceIndex": 65.0}
    weak = {"arena": 35.0, "intelligenceIndex": 35.0}
    fast = score_model(model(good, tps=400, ttft=0.3), PARAMS, 0.3)["fast-cheap"].score
    slow = score_model(model(good, tps=20, ttft=5.0), PARAMS, 0.3)["fast-cheap"].score
    weak_free = score_model(model(weak, tps=400, ttft=0.3), PARAMS, 0.0)["fast-cheap"].score
    pricey = score_model(model(good, tps=400, ttft=0.3), PARAMS, 20.0)["fast-cheap"].score
    assert fast > slow
    assert fast > weak_free  # free but weak does not win on price alone
    assert fast > pricey


def test_price_score_and_efficiency():
    assert price_score(0.0) == 100
    assert price_score(1.0) == pytest.approx(70.0)
    assert price_score(1000.0) == 0
    eff = cost_efficiency({"general": 80.0}, 0.0)
    assert eff["general"] == 1600.0  # free prices count as $0.05, never infinite
