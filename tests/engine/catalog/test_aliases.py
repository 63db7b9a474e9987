"""Alias matching: normalisation, false positives, ambiguity, curated table, real rates."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from smart_spawn_plugin.engine.catalog.aliases import AliasMatcher, AliasTable, parse_name
from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, CatalogEntry
from smart_spawn_plugin.engine.catalog.sources.registry import from_source_dir

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "sources"

CATALOG = [
    CatalogEntry(id=i, name=i)
    for i in (
        "openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4o-2024-05-13", "openai/o3-mini",
        "openai/o3-mini-high", "anthropic/claude-3.5-sonnet", "anthropic/claude-3.7-sonnet",
        "anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.5:batch",
        "qwen/qwen3-235b-a22b", "qwen/qwen3-235b-a22b-2507",
        "qwen/qwen3-235b-a22b-thinking-2507", "google/gemini-2.5-pro",
        "google/gemini-2.5-pro-preview", "meta-llama/llama-3.3-70b-instruct", "openrouter/auto",
        "x/dup-model", "y/dup-model",
    )
]  # fmt: skip


@pytest.fixture
def matcher() -> AliasMatcher:
    return AliasMatcher(CATALOG, AliasTable({}))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Claude 3.5 Sonnet", "anthropic/claude-3.5-sonnet"),
        ("claude-3-5-sonnet", "claude-3.5-sonnet"),
        ("Claude 4.5 Sonnet (Reasoning)", "claude-sonnet-4-5-thinking"),
        ("chatgpt-4o", "gpt-4o"),
        ("Meta-Llama-3.3-70B-Instruct", "llama_3.3_70b instruct"),
        ("gpt-4o-2024-05-13", "GPT-4o (2024-05-13)"),
    ],
)
def test_same_key(a: str, b: str) -> None:
    assert parse_name(a) == parse_name(b)


def test_key_parts() -> None:
    key = parse_name("claude-opus-4-5-20251101-thinking-32k-high-effort")
    assert key.core == "claude-opus4.5"
    assert key.thinking
    assert key.tokens == {"d:20251101", "e:high"}
    assert parse_name("llama-3.1-405b-instruct-fp8").tokens == {"v:instruct", "v:fp8"}
    assert parse_name("gemini-2.5-pro-preview-05-06").tokens == {"v:preview", "d:0506"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"),  # never gpt-4o
        ("GPT-4o", "openai/gpt-4o"),
        ("claude-3-5-sonnet-20241022", "anthropic/claude-3.5-sonnet"),  # never 3.7
        ("claude-3-7-sonnet-20250219-thinking-32k", "anthropic/claude-3.7-sonnet"),
        ("Claude 4.5 Sonnet (Reasoning)", "anthropic/claude-sonnet-4.5"),
        ("o3-mini (high)", "openai/o3-mini-high"),
        ("o3-mini", "openai/o3-mini"),
        ("qwen3-235b-a22b-instruct-2507", "qwen/qwen3-235b-a22b-2507"),
        ("Qwen3 235B A22B 2507 (Reasoning)", "qwen/qwen3-235b-a22b-thinking-2507"),
        ("Qwen3 235B A22B (Non-reasoning)", "qwen/qwen3-235b-a22b"),
        ("gpt-4o-2024-05-13", "openai/gpt-4o-2024-05-13"),
        ("Gemini 2.5 Pro", "google/gemini-2.5-pro"),
        ("gemini-2.5-pro-preview", "google/gemini-2.5-pro-preview"),
        ("auto", None),  # router pseudo-models are never targets
        ("gpt-4", None),
    ],
)
def test_match(matcher: AliasMatcher, name: str, expected: str | None) -> None:
    assert matcher.match(BenchmarkRow(name=name)) == expected


def test_reasoning_flag_maps_to_base(matcher: AliasMatcher) -> None:
    row = BenchmarkRow(name="claude-sonnet-4-5", reasoning_variant=True)
    assert matcher.match(row) == "anthropic/claude-sonnet-4.5"


def test_ambiguous_is_reported(matcher: AliasMatcher) -> None:
    row = BenchmarkRow(name="dup-model")
    outcome = matcher.resolve(row)
    assert outcome.model_id is None
    assert outcome.ambiguous == ["x/dup-model", "y/dup-model"]


def test_bridge_and_hf(matcher: AliasMatcher) -> None:
    assert matcher.match(BenchmarkRow(name="zzz", openrouter_id="openai/gpt-4o:free")) == (
        "openai/gpt-4o"
    )
    hf = [CatalogEntry(id="m/l", name="L", hugging_face_id="Meta-Llama/L-70B-Instruct")]
    m = AliasMatcher(hf, AliasTable({}))
    assert (
        m.match(BenchmarkRow(name="meta-llama/l-70b-instruct", hf_id="meta-llama/L-70B-Instruct"))
        == "m/l"
    )
    # a fine-tune from another org never matches by name
    assert m.match(BenchmarkRow(name="bob/L-70B-Instruct", hf_id="bob/L-70B-Instruct")) is None


def test_curated_table_has_no_duplicates() -> None:
    table = AliasTable.load()
    assert table.duplicates == {}
    assert table.lookup("MiniMax-01") == "minimax/minimax-01"
    assert table.lookup("Claude 3 Sonnet") is None


def test_curated_table_file_is_valid_json() -> None:
    text = resources.files("smart_spawn_plugin").joinpath("data", "aliases.json").read_text()
    data = json.loads(text)
    assert isinstance(data["aliases"], dict)
    assert isinstance(data["none"], list)


def test_duplicates_never_used() -> None:
    table = AliasTable({"a/x": ["Foo"], "b/y": ["foo"]})
    assert table.duplicates == {"foo": ["a/x", "b/y"]}
    assert table.lookup("FOO") is None


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared raw data not present")
def test_real_match_rates() -> None:
    data = from_source_dir(SHARED)
    matcher = AliasMatcher(data["openrouter"].catalog, AliasTable.load())
    floors = {"artificial-analysis": 0.5, "lmarena": 0.3, "livebench": 0.85}
    for name, floor in floors.items():
        report = matcher.match_source(data[name])
        assert report.rate >= floor, (name, report.rate)
    spot = {
        "lmarena": {"gpt-4o-mini-2024-07-18": "openai/gpt-4o-mini-2024-07-18",
                    "claude-sonnet-4-5-20250929-thinking-32k": "anthropic/claude-sonnet-4.5"},
        "livebench": {"gpt-5-mini-high": "openai/gpt-5-mini",
                      "qwen3-235b-a22b-thinking-2507": "qwen/qwen3-235b-a22b-thinking-2507"},
        "artificial-analysis": {"GPT-5.2 Codex (xhigh)": "openai/gpt-5.2-codex",
                                "o3-mini (high)": "openai/o3-mini-high"},
    }  # fmt: skip
    for name, cases in spot.items():
        rows = {r.name: r for r in data[name].rows}
        for row_name, expected in cases.items():
            assert matcher.match(rows[row_name]) == expected
