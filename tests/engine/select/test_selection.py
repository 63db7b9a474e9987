import pytest

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.errors import MissingParam, NoModel
from tests.engine.builders import small_catalog


@pytest.fixture
def selector() -> Selector:
    return Selector(small_catalog())


def test_best_in_budget_wins(selector):
    d = selector.pick(PickRequest(category="coding", budget="any", strategy="best_score"))
    assert d.id == "anthropic/opus"
    d = selector.pick(PickRequest(category="coding", budget="medium", strategy="best_score"))
    assert d.id == "openai/gpt-big"  # blended 4.8 ≤ 5; opus (10) is out of range
    d = selector.pick(PickRequest(category="coding", budget="low", strategy="best_score"))
    assert d.id == "google/flash"


def test_decision_explains_itself(selector):
    d = selector.pick(PickRequest(category="coding", budget="any", strategy="best_score"))
    assert d.candidate_count == 6
    assert d.runner_ups[0].id == "openai/gpt-big"
    assert "better score than" in d.runner_ups[0].comparison
    assert "cheaper" in d.runner_ups[0].comparison or "price" in d.runner_ups[0].comparison
    assert {e.source for e in d.evidence} == {"lmarena", "artificial-analysis"}
    assert 0 < d.confidence <= 0.99
    wire = d.wire()
    assert wire["tier"] == {"min": 0.0, "max": None}  # original: budget range, Infinity → null
    assert "benchmarkScore" in wire and "candidateCount" in wire


def test_confidence_reflects_margin(selector):
    close = selector.pick(PickRequest(category="coding", budget="any", strategy="best_score"))
    wide = selector.pick(PickRequest(category="coding", budget="low", strategy="best_score"))
    # opus leads gpt-big by 3 points; flash leads the low budget by 24 points.
    assert wide.confidence > close.confidence


def test_variants_collapse_and_free_does_not_win_alone(selector):
    d = selector.pick(PickRequest(category="coding", budget="low", strategy="best_score"))
    ids = [d.id, *[r.id for r in d.runner_ups]]
    assert not ({"qwen/small", "qwen/small:free"} <= set(ids))


def test_vision_requires_image_input(selector):
    d = selector.pick(PickRequest(category="vision", budget="any"))
    assert d.id == "google/flash"


def test_require_and_exclude_and_min_context(selector):
    d = selector.pick(
        PickRequest(
            category="coding",
            budget="any",
            exclude=["openrouter/anthropic/opus"],
            strategy="best_score",
        )
    )
    assert d.id == "openai/gpt-big"
    with pytest.raises(NoModel):
        selector.pick(PickRequest(category="coding", budget="any", min_context=10_000_000))


def test_no_model_names_budget_and_next(selector):
    with pytest.raises(NoModel) as err:
        selector.pick(
            PickRequest(
                category="coding", budget="low", require=["vision"], exclude=["google/flash"]
            )
        )
    assert err.value.budget == "low"
    assert err.value.next_budget is None
    with pytest.raises(NoModel) as err:
        selector.pick(PickRequest(category="coding", budget="low", min_context=200_000))
    assert err.value.next_budget is None
    sel = Selector(small_catalog())
    with pytest.raises(NoModel) as err:
        sel.pick(PickRequest(category="vision", budget="low", exclude=["google/flash"]))
    assert "budget=low" in err.value.message


def test_next_budget_suggested():
    from smart_spawn_plugin.models import Catalog
    from tests.engine.builders import record

    sel = Selector(Catalog(models=[record("a/x", prompt=3, completion=15, scores={"general": 80})]))
    with pytest.raises(NoModel) as err:
        sel.pick(PickRequest(category="general", budget="low"))
    assert err.value.next_budget == "high"
    assert "budget=high has one" in err.value.message


def test_strategies(selector):
    eff = selector.pick(
        PickRequest(category="coding", budget="any", strategy="best_cost_efficiency")
    )
    # viability floor: best is 92, floor 77 → flash (74) is not viable, gpt-big is cheapest viable
    assert eff.id == "openai/gpt-big"
    lat = selector.pick(
        PickRequest(
            category="general", budget="any", strategy="best_under_latency", max_latency_s=5
        )
    )
    assert lat.id == "google/flash"  # the only measured model above the viability floor
    cheap = selector.pick(
        PickRequest(category="coding", budget="any", strategy="best_under_budget", max_price=1.0)
    )
    assert cheap.id == "google/flash"


def test_category_weights_mix(selector):
    d = selector.pick(
        PickRequest(
            category="coding",
            budget="low",
            category_weights={"coding": 1, "general": 1},
            strategy="best_score",
        )
    )
    assert d.benchmark_score == pytest.approx((75 + 74) / 2)


def test_missing_task_is_clear(selector):
    with pytest.raises(MissingParam) as err:
        selector.pick(PickRequest(task="   "))
    assert err.value.field == "task"


def test_personal_ratings_blend_in():
    class Adjuster:
        def adjust(self, user_key, model_id, category, benchmark):
            if model_id == "openai/gpt-big":
                return benchmark + 10, 0.9
            return benchmark, None

    sel = Selector(small_catalog(), Adjuster())
    d = sel.pick(PickRequest(category="coding", budget="any", strategy="best_score"))
    assert d.id == "openai/gpt-big"
    assert d.personal_score == 0.9
    assert "personal: 90%" in d.reason


class _Identity:
    """An adjuster that changes nothing: forces the general ranking path."""

    def adjust(self, user_key, model_id, category, benchmark):
        return benchmark, None


@pytest.mark.parametrize("strategy", ["balanced", "best_score", "best_under_budget"])
def test_presorted_fast_path_equals_general_path(strategy):
    from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
    from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot
    from smart_spawn_plugin.models import BUDGETS, CATEGORIES

    catalog, _ = build_catalog(load_snapshot())
    fast, slow = Selector(catalog), Selector(catalog, _Identity())
    if strategy == "balanced":  # the lists a long-lived process builds at load: the same
        assert fast.warm() is fast and fast.warmed
    variants = [
        {},
        {"require": ["vision"]},
        {"min_context": 200_000},
        {"exclude": ["openai/gpt-5.6-terra", "x-ai/grok-4.6"]},
        {"max_price": 0.5},
        {"context": ["typescript", "react"]},
        {"context": ["chinese"], "require": ["functionCalling"]},
        # long-context prices (a size and "assume long"), fallback counts sharing one ranked
        # prefix, an effort: each memoised separately, never served for another
        {"prompt_tokens": 300_000},
        {"prompt_tokens": 300_000, "min_context": 128_000, "require": ["vision"]},
        {"fallbacks": 0},
        {"fallbacks": 5},
        {"fallbacks": 1, "require": ["vision"]},
        {"effort": "high"},
    ]
    for category in CATEGORIES:
        for budget in BUDGETS:
            for extra in variants:
                req = PickRequest(category=category, budget=budget, strategy=strategy, **extra)
                try:
                    a = fast.pick(req)
                except NoModel:
                    with pytest.raises(NoModel):
                        slow.pick(req)
                    continue
                b = slow.pick(req)
                # the whole decision: reason, runner-ups, fallbacks, prices, confidence
                assert a.model_dump() == b.model_dump()
                assert fast.pick(req).model_dump() == b.model_dump()  # from the memo


def test_classified_long_context_task_uses_presorted_lists_with_long_prices():
    """A long-context task (assumed long: long-context prices) ranks the same from the
    presorted lists as from scratch."""
    from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
    from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot

    catalog, _ = build_catalog(load_snapshot())
    fast, slow = Selector(catalog), Selector(catalog, _Identity())
    task = "Summarize this 200-page PDF report with all its tables and appendices"
    for budget in ("low", "medium", "high", "any"):
        req = PickRequest(task=task, budget=budget)
        res = fast.resolve(req)
        assert res.prompt_tokens is not None  # the signal applied: long-context prices
        assert fast.pick(req).model_dump() == slow.pick(req).model_dump()


def test_signals_become_requirements():
    from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
    from smart_spawn_plugin.engine.catalog.sources.registry import load_snapshot

    catalog, _ = build_catalog(load_snapshot())
    sel = Selector(catalog)
    by_id = {m.id: m for m in catalog.models}
    d = sel.pick(PickRequest(task="What does the chart in this screenshot show?", budget="any"))
    assert by_id[d.id].capabilities.vision
    d = sel.pick(PickRequest(task="Search the web for the latest news on WebGPU", budget="any"))
    assert d.classification is not None and d.classification.signals["tools"]
    assert by_id[d.id].capabilities.function_calling
    d = sel.pick(PickRequest(task="请写一首关于秋天的现代诗", budget="any"))
    assert d.context_tags == ["chinese"]
