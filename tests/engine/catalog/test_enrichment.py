"""Enrichment and scoring over the real bundled snapshot."""

import pytest

from smart_spawn_plugin.engine.catalog.enrichment import build_catalog, tier_of
from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, SourceData
from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot
from smart_spawn_plugin.models import CATEGORIES


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot()


@pytest.fixture(scope="module")
def catalog(snapshot):
    return build_catalog(snapshot)[0]


def test_full_catalog_offline(catalog):
    assert len(catalog.models) > 350  # text chat models only (issue 10, defect 8)
    assert all(m.pricing.prompt >= 0 for m in catalog.models)  # router pseudo-models dropped
    with_evidence = [m for m in catalog.models if not m.provenance["general"].baseline]
    assert len(with_evidence) > 250


def test_every_score_has_provenance(catalog):
    for m in catalog.models:
        for cat, score in m.provenance.items():
            assert cat in CATEGORIES
            assert 0 <= score.score <= 100
            assert score.baseline or score.evidence
            assert m.scores[cat] == score.score


def test_baseline_is_marked_and_capped(catalog):
    for m in catalog.models:
        for score in m.provenance.values():
            if score.baseline and score.note and "tier baseline" in score.note:
                assert score.score <= 60


def test_vision_requires_image_input_and_vision_evidence(catalog):
    for m in catalog.models:
        assert ("vision" in m.scores) == m.capabilities.vision
        prov = m.provenance.get("vision")
        if prov is not None and not prov.baseline:
            assert {e.benchmark for e in prov.evidence} <= {
                "arenaVision",
                "mmmuPro",
                "arenaVisionOcr",
                "arenaVisionDiagram",
            }


def test_research_uses_more_than_context(catalog):
    scored = [m for m in catalog.models if not m.provenance["research"].baseline]
    assert scored
    assert all(m.provenance["research"].evidence for m in scored)


def test_fast_cheap_weighs_quality_and_speed(catalog):
    # A free model with no quality evidence must not top fast-cheap.
    top = max(catalog.models, key=lambda m: m.scores["fast-cheap"])
    assert not top.provenance["general"].baseline
    assert "speed" in (top.provenance["fast-cheap"].note or "")


def test_free_variant_priced_as_base(catalog):
    by_id = {m.id: m for m in catalog.models}
    pairs = [
        (m, by_id[m.base_id]) for m in catalog.models if m.variant == "free" and m.base_id in by_id
    ]
    assert pairs
    for free, base in pairs:
        assert free.benchmarks == base.benchmarks
        assert free.scores["fast-cheap"] == base.scores["fast-cheap"]


def test_values_refresh_every_time(snapshot):
    """A figure that changes upstream changes in the catalog (the original kept HF/LiveBench
    values forever)."""
    first, _ = build_catalog(snapshot)
    lb = snapshot["livebench"]
    changed_rows = [
        r.model_copy(update={"values": {k: v / 2 for k, v in r.values.items()}}) for r in lb.rows
    ]
    changed = {**snapshot, "livebench": lb.model_copy(update={"rows": changed_rows})}
    second, _ = build_catalog(changed)
    a = {m.id: m for m in first.models}
    b = {m.id: m for m in second.models}
    moved = [
        i
        for i in a
        if "liveBenchCoding" in a[i].benchmarks
        and b[i].benchmarks["liveBenchCoding"] != a[i].benchmarks["liveBenchCoding"]
    ]
    assert moved
    # and a model that leaves the leaderboard loses the figure
    dropped = {**snapshot, "livebench": lb.model_copy(update={"rows": []})}
    third, _ = build_catalog(dropped)
    assert not any("liveBenchCoding" in m.benchmarks for m in third.models)
    assert all("livebench" not in m.sources_covered for m in third.models)


def test_openmark_rows_flow_into_benchmarks(snapshot):
    some = next(m for m in snapshot["openrouter"].catalog if m.prompt_price > 0)
    extra = SourceData(
        source="openmark",
        origin="files",
        rows=[BenchmarkRow(name=some.name, openrouter_id=some.id, values={"openmark:sql": 88.0})],
    )
    catalog, reports = build_catalog(snapshot, extra=[extra])
    model = next(m for m in catalog.models if m.id == some.id)
    assert model.benchmarks["openmark:sql"] == 88.0
    assert "openmark" in model.sources_covered
    assert reports["openmark"].matched == 1


def test_tiers_on_blended_price():
    assert tier_of(0.5) == "budget"
    assert tier_of(4.8) == "standard"  # GPT-5.2-class at $1.75/$14 is not "premium" by prompt
    assert tier_of(10.0) == "premium"


def test_status_counts_match_rate(catalog):
    for name in ("artificial-analysis", "lmarena", "livebench"):
        status = catalog.sources[name]
        assert status.status == "ok"
        assert status.match_rate is not None and status.matched
