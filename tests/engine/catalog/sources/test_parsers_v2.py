"""Issue 10: what the adapters now read — AA effort levels, OpenRouter's design arena,
long-context prices and same-model endpoints (wire shapes as OpenRouter/AA publish them)."""

from __future__ import annotations

import pytest

from smart_spawn_plugin.engine.catalog.sources import artificial_analysis, openrouter


@pytest.mark.parametrize(
    ("name", "effort"),
    [
        ("GPT-5.6 Luna (medium)", "medium"),
        ("GPT-5.6 Luna (xhigh)", "xhigh"),
        ("GPT-5.6 Luna (Non-reasoning)", "none"),
        ("Claude Fable 5 (Adaptive Reasoning, Max Effort, Opus 4.8 Fallback)", "max"),
        ("Grok 4 (Non-reasoning, High Effort)", "none"),
        ("DeepSeek V3.2 (Reasoning)", None),
        ("Gemini 2.5 Flash (Sep '25)", None),
    ],
)
def test_aa_effort_from_row_name(name: str, effort: str | None) -> None:
    assert artificial_analysis.effort_of(name) == effort
    row = artificial_analysis.parse_model({"name": name, "evaluations": {}})
    assert row is not None and row.effort == effort


def _or_model(**extra: object) -> dict[str, object]:
    return {
        "id": "x-ai/grok-4.6",
        "name": "xAI: Grok 4.6",
        "pricing": {"prompt": "0.000002", "completion": "0.000006"},
        "architecture": {"output_modalities": ["text"]},
        **extra,
    }


def test_openrouter_long_context_prices() -> None:
    entry = openrouter.parse_model(
        _or_model(
            pricing={
                "prompt": "0.000002",
                "completion": "0.000006",
                "overrides": [
                    {"min_prompt_tokens": 200000, "prompt": "0.000004", "completion": "0.000012"}
                ],
            }
        )
    )
    assert entry is not None
    assert (entry.long_min_prompt_tokens, entry.long_prompt_price) == (200000, 4.0)
    assert entry.long_completion_price == 12.0


def test_openrouter_bad_override_is_ignored() -> None:
    entry = openrouter.parse_model(
        _or_model(pricing={"prompt": "1e-6", "completion": "2e-6", "overrides": [{"x": 1}]})
    )
    assert entry is not None and entry.long_min_prompt_tokens is None


def test_openrouter_design_arena_mean_of_model_arenas() -> None:
    design = [
        {"arena": "models", "category": "website", "elo": 1300},
        {"arena": "models", "category": "uicomponent", "elo": 1350},
        {"arena": "agents", "category": "androidnative", "elo": 1000},  # agent harness, not used
        {"arena": "models", "category": "3d", "elo": "n/a"},
    ]
    entry = openrouter.parse_model(_or_model(benchmarks={"design_arena": design}))
    assert entry is not None and entry.values["designArena"] == 1325.0
    empty = openrouter.parse_model(_or_model(benchmarks={"design_arena": []}))
    assert empty is not None and "designArena" not in empty.values


@pytest.mark.parametrize(
    ("model_id", "description", "same_as"),
    [
        (
            "anthropic/claude-opus-5-fast",
            "Fast-mode variant of [Opus 5](/anthropic/claude-opus-5) - identical capabilities "
            "with higher output speed at 2x pricing.",
            "anthropic/claude-opus-5",
        ),
        (
            "openai/gpt-5.6-luna-pro",
            "GPT-5.6 Luna Pro is the same underlying model as "
            "[GPT-5.6 Luna](https://openrouter.ai/openai/gpt-5.6-luna), served with pro mode.",
            "openai/gpt-5.6-luna",
        ),
        ("openai/gpt-5.4-pro", "GPT-5.4 Pro is OpenAI's most advanced model.", None),
        ("a/b", None, None),
    ],
)
def test_openrouter_same_model_endpoints(
    model_id: str, description: str | None, same_as: str | None
) -> None:
    assert openrouter.same_as_of(model_id, description) == same_as


def test_aa_multilingual_breakdown_becomes_chinese_figure() -> None:
    row = artificial_analysis.parse_model(
        {
            "name": "Model X (high)",
            "evaluations": {"gpqa": 0.5},
            "breakdowns": {
                "multilingual": {"index": 0.81, "language": {"zh": 0.8525, "en": 0.8775}}
            },
        }
    )
    assert row is not None
    assert row.values["aaMultilingualChinese"] == pytest.approx(85.25)
    assert row.values["aaMultilingualIndex"] == pytest.approx(81.0)
    assert row.values["gpqa"] == pytest.approx(50.0)


@pytest.mark.parametrize("breakdowns", [None, {}, {"multilingual": None}, {"multilingual": 3}])
def test_aa_without_multilingual_has_no_chinese_figure(breakdowns: object) -> None:
    row = artificial_analysis.parse_model({"name": "Model Y", "breakdowns": breakdowns})
    assert row is not None
    assert "aaMultilingualChinese" not in row.values


def test_aa_multilingual_in_the_raw_dump(shared_dir) -> None:
    # the measured figure exists for 2026 models in the publisher's own file
    data = artificial_analysis.ArtificialAnalysisSource().from_files(
        shared_dir / "artificial-analysis"
    )
    zh = {
        r.name: r.values["aaMultilingualChinese"]
        for r in data.rows
        if r.values.get("aaMultilingualChinese")
    }
    assert len(zh) >= 100
    assert zh["Gemini 3.1 Pro Preview"] == pytest.approx(93.5)
