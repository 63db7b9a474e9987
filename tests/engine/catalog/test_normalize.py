import math

import pytest

from smart_spawn_plugin.engine.catalog.normalize import (
    ANCHOR_KEY,
    MIN_SAMPLES,
    compute_norm_params,
    normalize,
    squash,
    z_map,
)


def test_population_sd_and_z_map():
    rows = [{"k": v} for v in (10.0, 20.0, 30.0, 40.0, 50.0)]
    params = compute_norm_params(rows)
    mean, sd = params["k"].mean, params["k"].sd
    assert mean == 30.0
    assert math.isclose(sd, math.sqrt(200.0))  # population SD (divide by N), not sample
    assert normalize("k", 30.0, params) == 50.0
    assert math.isclose(normalize("k", 30.0 + sd, params), squash(1.0))
    assert squash(1.0) == 70.0  # the old 50 + 20 z in the middle


def test_clamped_to_0_100():
    assert z_map(1000.0, 0.0, 1.0) == 100.0
    assert z_map(-1000.0, 0.0, 1.0) == 0.0


def test_needs_min_samples_and_positive_sd():
    few = [{"k": float(v)} for v in range(MIN_SAMPLES - 1)]
    assert "k" not in compute_norm_params(few)
    flat = [{"k": 1.0} for _ in range(10)]
    assert "k" not in compute_norm_params(flat)
    assert normalize("k", 1.0, compute_norm_params(flat)) is None


def test_weaker_population_is_offset_down():
    # Five strong models carry only the anchor; five weak ones carry the anchor and "old".
    strong = [{ANCHOR_KEY: 60.0 + i} for i in range(5)]
    weak = [{ANCHOR_KEY: 10.0 + i, "old": 50.0 + i} for i in range(5)]
    params = compute_norm_params(strong + weak)
    assert params["old"].offset < -10
    # The best "old" model no longer looks like a frontier model.
    assert normalize("old", 54.0, params) < normalize(ANCHOR_KEY, 64.0, params)


def test_non_finite_values_ignored():
    rows = [{"k": float(v)} for v in range(6)] + [{"k": math.nan}]
    assert compute_norm_params(rows)["k"].mean == pytest.approx(2.5)
