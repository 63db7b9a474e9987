"""A Chinese task's ``chinese`` context tag boosts models with *measured* Chinese-language
evidence (AA multilingual, LMArena Chinese) — 2026 models included — and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot
from smart_spawn_plugin.engine.select.context_boost import boost_note, context_boost
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.models import Catalog

ZH_CODING = "用Python写一个线程安全的LRU缓存，并附上单元测试"
EN_CODING = "Write a thread-safe LRU cache in Python with unit tests"
EVIDENCE = ("aaMultilingualChinese", "arenaChinese")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    built, _ = build_catalog(load_snapshot())
    return built


def _has_evidence(model) -> bool:
    return any(k in model.benchmarks for k in EVIDENCE)


def test_current_models_carry_measured_chinese_evidence(catalog: Catalog) -> None:
    since_2026 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    boosted = [
        m
        for m in catalog.models
        if (m.created or 0) >= since_2026
        and "aaMultilingualChinese" in m.benchmarks
        and context_boost(m, ["chinese"], catalog.norm_params) > 0
    ]
    ids = {m.id for m in boosted}
    assert {"google/gemini-3.1-pro-preview", "anthropic/claude-opus-4.6"} <= ids
    gemini = next(m for m in boosted if m.id == "google/gemini-3.1-pro-preview")
    note = boost_note(gemini, ["chinese"], catalog.norm_params)
    assert note.startswith("context boost +")
    assert "AA Multilingual, Chinese 93.5" in note and "SD vs the catalog" in note


def test_no_evidence_means_no_boost_not_a_penalty(catalog: Catalog) -> None:
    for m in catalog.models:
        boost = context_boost(m, ["chinese"], catalog.norm_params)
        assert boost >= 0
        if not _has_evidence(m):
            assert boost == 0
            assert "no measured figure" in boost_note(m, ["chinese"], catalog.norm_params)


def test_two_publishers_of_one_ability_are_averaged_not_added(catalog: Catalog) -> None:
    both = next(m for m in catalog.models if all(k in m.benchmarks for k in EVIDENCE))
    params = catalog.norm_params
    zs = [max(0.0, (both.benchmarks[k] - params[k][0]) / params[k][1]) for k in EVIDENCE]
    assert context_boost(both, ["chinese"], params) == pytest.approx(
        sum(zs) / 2 * 0.15 * 10, abs=0.01
    )


def test_chinese_ranking_moves_only_models_with_evidence(catalog: Catalog) -> None:
    sel = Selector(catalog)
    zh = sel.resolve(PickRequest(task=ZH_CODING, budget="any"))
    en = sel.resolve(PickRequest(task=EN_CODING, budget="any"))
    assert zh.category == en.category == "coding"
    assert zh.request.context == ["chinese"]
    ranked_zh = sel.rank(sel.candidates(zh), zh)
    ranked_en = sel.rank(sel.candidates(en), en)
    boosted = {r.model.id for r in ranked_zh if r.boost > 0}
    assert boosted and all(_has_evidence(r.model) for r in ranked_zh if r.boost > 0)
    # models without a boost keep their order relative to each other …
    plain_zh = [r.model.id for r in ranked_zh if r.model.id not in boosted]
    plain_en = [r.model.id for r in ranked_en if r.model.id not in boosted]
    assert plain_zh == plain_en
    # … and some boosted model climbs over a model without evidence
    pos_en = {r.model.id: i for i, r in enumerate(ranked_en)}
    pos_zh = {r.model.id: i for i, r in enumerate(ranked_zh)}
    assert any(pos_zh[m] < pos_en[m] for m in boosted)


def test_chinese_decision_shows_the_boost_and_why(catalog: Catalog) -> None:
    sel = Selector(catalog)
    en = sel.resolve(PickRequest(task=EN_CODING, budget="any"))
    ranked = sel.rank(sel.candidates(en), en)
    # set aside the leaders without Chinese evidence, down to the first one with it
    first = next(i for i, r in enumerate(ranked) if _has_evidence(r.model))
    exclude = [r.model.id for r in ranked[:first]]
    d = sel.pick(PickRequest(task=ZH_CODING, budget="any", exclude=exclude))
    assert d.context_tags == ["chinese"]
    assert d.context_boost is not None and d.context_boost > 0
    assert "context boost +" in d.reason and "chinese:" in d.reason
    plain = sel.pick(PickRequest(task=ZH_CODING, budget="any"))
    if plain.context_boost == 0:  # the leader has no Chinese figure: the reason says so
        assert "no context boost for chinese: no measured figure" in plain.reason
