"""Issue 10 — evidence model v2: one test (at least) per defect 1–8, each of which failed on the
engine before the fix. Built from the raw publisher files (``../shared/data/sources``) so the
input is the publishers' own, not the bundled snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
from smart_spawn_plugin.engine.catalog.normalize import NormParam, normalize
from smart_spawn_plugin.engine.catalog.scoring import score_model
from smart_spawn_plugin.engine.catalog.sources.base import SourceData
from smart_spawn_plugin.engine.catalog.sources.registry import from_source_dir, load_snapshot
from smart_spawn_plugin.engine.select.queries import list_models
from smart_spawn_plugin.models import Catalog, ModelRecord, Pricing

SOURCES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "sources"
pytestmark = pytest.mark.skipif(not SOURCES.is_dir(), reason="shared raw data not present")


@pytest.fixture(scope="module")
def raw() -> dict[str, SourceData]:
    return from_source_dir(SOURCES.resolve())


@pytest.fixture(scope="module")
def catalog(raw: dict[str, SourceData]) -> Catalog:
    return build_catalog(raw)[0]


@pytest.fixture(scope="module")
def by_id(catalog: Catalog) -> dict[str, ModelRecord]:
    return {m.id: m for m in catalog.models}


def _without(raw: dict[str, SourceData], name_prefix: str, keys: set[str]) -> dict[str, SourceData]:
    """The raw sources with ``keys`` removed from the AA rows whose name starts so."""
    aa = raw["artificial-analysis"]
    rows = [
        r.model_copy(update={"values": {k: v for k, v in r.values.items() if k not in keys}})
        if r.name.startswith(name_prefix)
        else r
        for r in aa.rows
    ]
    return {**raw, "artificial-analysis": aa.model_copy(update={"rows": rows})}


# --- defect 1: less evidence must not score higher ------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "model_id"),
    [
        ("Claude Fable 5", "anthropic/claude-fable-5"),
        ("GPT-5.6 Sol", "openai/gpt-5.6-sol"),
        ("Claude Opus 4.8", "anthropic/claude-opus-4.8"),
    ],
)
def test_deleting_evidence_does_not_raise_research(raw, by_id, prefix, model_id):
    """Before: deleting Claude Fable 5's LCR/HLE/GPQA raised research from 88.6 to 99.0."""
    keys = {"longContextReasoning", "hle", "gpqa"}
    fewer = {m.id: m for m in build_catalog(_without(raw, prefix, keys))[0].models}
    assert fewer[model_id].scores["research"] <= by_id[model_id].scores["research"]


def test_a_missing_signal_is_not_dropped():
    """One strong figure alone must not equal (or beat) the same strength on every signal."""
    params = {
        k: NormParam(50.0, 10.0)
        for k in ("longContextReasoning", "arenaLongQuery", "hle", "gpqa", "liveBenchDataAnalysis")
    }
    one = ModelRecord(id="a/one", name="one", provider="a", benchmarks={"longContextReasoning": 70})
    full = one.model_copy(update={"id": "a/full", "benchmarks": dict.fromkeys(params, 70.0)})
    assert score_model(one, params, 1.0)["research"].score < (
        score_model(full, params, 1.0)["research"].score
    )


# --- defect 2: OpenRouter's AA copy is AA, on AA's scale, with no top clamp --------------------


def test_openrouter_copy_is_scored_as_aa(catalog, by_id):
    flash = by_id["google/gemini-3.7-flash"]  # no AA row; OpenRouter carries AA's indices
    params = {k: NormParam(*v) for k, v in catalog.norm_params.items()}
    found = [e for e in flash.provenance["general"].evidence if e.benchmark == "intelligenceIndex"]
    assert found and found[0].source == "artificial-analysis via openrouter"
    assert found[0].raw == flash.benchmarks["orIntelligenceIndex"]
    expected = normalize("intelligenceIndex", found[0].raw, params)
    assert expected is not None and found[0].normalized == pytest.approx(expected, abs=0.05)
    plain_openrouter = {
        e.benchmark
        for m in catalog.models
        for p in m.provenance.values()
        for e in p.evidence
        if e.source == "openrouter"
    }
    assert plain_openrouter == {"designArena"}  # the AA copy is never a second source


def test_no_top_clamp_keeps_order():
    """Issue 10, defect 2: every AA index >= 60.3 clamped to 100, so price decided."""
    params = {"k": NormParam(30.0, 12.0)}
    top = [normalize("k", v, params) for v in (60.3, 61.0, 63.1, 90.0)]
    assert all(v is not None and v < 100 for v in top)
    assert top == sorted(top) and len(set(top)) == 4


def test_order_at_the_top_of_the_index_is_kept(by_id):
    """Before: every index >= 60.3 normalised to 100, so Opus 5 (63.1) tied Grok 4.6 (60.9)."""

    def index_evidence(model_id: str) -> float:
        prov = by_id[model_id].provenance["general"]
        return next(e.normalized for e in prov.evidence if e.benchmark == "intelligenceIndex")

    opus, grok = index_evidence("anthropic/claude-opus-5"), index_evidence("x-ai/grok-4.6")
    assert 90 < grok < opus < 100


# --- defect 3: one reasoning effort per model --------------------------------------------------


def test_one_effort_per_model_scores_speed_and_latency_from_one_row(raw, by_id):
    luna = by_id["openai/gpt-5.6-luna"]
    rows = {
        r.name: r for r in raw["artificial-analysis"].rows if r.name.startswith("GPT-5.6 Luna (")
    }
    medium = rows["GPT-5.6 Luna (medium)"]
    assert luna.effort == "medium"
    assert luna.benchmarks["intelligenceIndex"] == medium.values["intelligenceIndex"]  # not max
    assert luna.speed.output_tokens_per_second == medium.speed_tps  # not the fastest row
    assert luna.speed.time_to_first_token == medium.ttft_s
    assert {"low", "high", "xhigh", "max"} <= set(luna.effort_scores)
    assert luna.effort_scores["max"]["general"] > luna.scores["general"]


# --- defect 4: creative from creative writing; design arena for web/UI -------------------------


def test_creative_is_not_word_puzzles(by_id, catalog):
    for m in catalog.models:
        prov = m.provenance.get("creative")
        if prov is not None:
            assert "liveBenchLanguage" not in {e.benchmark for e in prov.evidence}
    gpt51 = by_id["openai/gpt-5.1"].provenance["creative"]
    top = max(gpt51.evidence, key=lambda e: e.weight)
    assert top.benchmark == "arenaCreative" and not top.imputed


def test_design_arena_is_read_and_scores_coding(raw, by_id):
    with_design = [e for e in raw["openrouter"].catalog if "designArena" in e.values]
    assert len(with_design) > 100
    coding = by_id["anthropic/claude-opus-5"].provenance["coding"]
    assert any(e.benchmark == "designArena" and not e.imputed for e in coding.evidence)


# --- defect 5: near-duplicates are one signal --------------------------------------------------


def test_aa_coding_index_and_its_components_are_one_signal():
    params = {k: NormParam(50.0, 10.0) for k in ("codingIndex", "terminalBenchHard", "sciCode")}
    base = ModelRecord(id="a/m", name="m", provider="a", benchmarks={"codingIndex": 60.0})
    more = base.model_copy(
        update={"benchmarks": {"codingIndex": 60.0, "terminalBenchHard": 80.0, "sciCode": 80.0}}
    )
    one = score_model(base, params, 1.0)["coding"]
    three = score_model(more, params, 1.0)["coding"]
    assert three.score == one.score  # the components add no second vote
    assert {e.signal for e in three.evidence if not e.imputed} == {"aa-coding"}


# --- defect 6: imputation, same-model endpoints, coverage ------------------------------------


def test_missing_signals_are_imputed_and_marked(by_id):
    grok = by_id["x-ai/grok-4.6"].provenance["research"]
    assert grok.evidence and all(e.imputed for e in grok.evidence)
    assert all(e.source.startswith(("imputed from", "prior")) for e in grok.evidence)
    assert grok.coverage == 0.0
    fable = by_id["anthropic/claude-fable-5"].provenance["research"]
    assert fable.coverage is not None and fable.coverage > 0.5


@pytest.mark.parametrize(
    ("endpoint", "base"),
    [
        ("openai/gpt-5.6-luna-pro", "openai/gpt-5.6-luna"),
        ("anthropic/claude-opus-5-fast", "anthropic/claude-opus-5"),
    ],
)
def test_same_model_endpoints_inherit_evidence_priced_as_themselves(raw, by_id, endpoint, base):
    e, b = by_id[endpoint], by_id[base]
    own = next(x for x in raw["openrouter"].catalog if x.id == endpoint)
    assert e.same_as == base
    for key, value in b.benchmarks.items():
        assert e.benchmarks.get(key) == value
    for cat in ("coding", "reasoning", "research", "creative"):
        assert e.scores[cat] == b.scores[cat]
    assert (e.pricing.prompt, e.pricing.completion) == (own.prompt_price, own.completion_price)


# --- defect 7: long-context prices are read ---------------------------------------------------


def test_long_context_prices_are_read(by_id):
    grok = by_id["x-ai/grok-4.6"].pricing.long_context
    assert grok is not None
    assert (grok.min_prompt_tokens, grok.prompt, grok.completion) == (200_000, 4.0, 12.0)
    assert sum(1 for m in by_id.values() if m.pricing.long_context) > 50


# --- defect 8: only text chat models; :free without base; :batch; aliases; status -----------


@pytest.mark.parametrize(
    "model_id",
    [
        "google/lyria-3-pro-preview",  # music, $0/$0
        "openai/gpt-5-image",  # image output
        "openai/gpt-audio",  # audio output
        "~x-ai/grok-latest",  # moving alias id
        "meta-llama/llama-guard-4-12b",  # content-safety classifier
        "openai/gpt-oss-safeguard-20b",
        "nvidia/nemotron-3.5-content-safety:free",
    ],
)
def test_non_chat_models_are_not_candidates(by_id, model_id):
    assert model_id not in by_id


def test_free_variant_without_base_is_not_priced_at_zero(by_id):
    orphans = [m for m in by_id.values() if m.variant == "free" and m.base_id not in by_id]
    assert orphans
    for m in orphans:
        # efficiency per dollar at a typical price, not at the $0.05 floor of a free model
        assert m.cost_efficiency["general"] <= m.scores["general"] + 0.01


def test_models_lists_no_batch_copies(catalog):
    listed = list_models(catalog, limit=500).data
    assert not [m.id for m in listed if m.id.endswith(":batch")]


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("mistral-medium-2505", "mistralai/mistral-medium-3"),
        ("kimi-k2-thinking-turbo", "moonshotai/kimi-k2-thinking"),
    ],
)
def test_missed_aliases(raw, name, model_id):
    from smart_spawn_plugin.engine.catalog.aliases import AliasMatcher, AliasTable

    matcher = AliasMatcher(raw["openrouter"].catalog, AliasTable.load())
    rows = [r for r in raw["lmarena"].rows if r.name == name or name in r.names]
    assert rows
    assert all(matcher.match(r) == model_id for r in rows)


def test_status_match_rates_are_against_raw_rows():
    """Before: the snapshot kept matched rows only, so HF showed 100 % and AA 73 %."""
    statuses = build_catalog(load_snapshot())[0].sources
    aa, hf = statuses["artificial-analysis"], statuses["hf-leaderboard"]
    assert aa.count == 570 and aa.match_rate == pytest.approx(317 / 570, abs=0.002)
    assert hf.match_rate is not None and hf.match_rate < 0.1


def test_pricing_wire_shape_keeps_the_original_fields():
    wire = Pricing(prompt=1.0, completion=2.0).wire()
    assert wire["prompt"] == 1.0 and wire["completion"] == 2.0
