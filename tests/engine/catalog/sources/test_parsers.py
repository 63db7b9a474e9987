"""Each adapter against trimmed real payloads, the real shared files, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.engine.catalog.sources import (
    artificial_analysis,
    hf_leaderboard,
    livebench,
    lmarena,
    openrouter,
)
from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkSource
from smart_spawn_plugin.errors import SourceError

from .conftest import FIXTURES, client


def test_openrouter_fixture() -> None:
    data = openrouter.OpenRouterSource().from_files(FIXTURES / "openrouter")
    by_id = {e.id: e for e in data.catalog}
    gpt = by_id["openai/gpt-4o"]
    assert gpt.prompt_price == pytest.approx(2.5)
    assert "image" in gpt.input_modalities
    assert by_id["openrouter/auto"].prompt_price < 0  # router pseudo-model stays negative
    assert by_id["meta-llama/llama-3.3-70b-instruct"].hugging_face_id
    assert any(e.values.get("orIntelligenceIndex") for e in data.catalog)
    assert data.data_date == "2026-08-19"
    assert data.origin == "files"


def test_openrouter_bad_price_becomes_zero() -> None:
    payload = {"data": [{"id": "x/y", "pricing": {"prompt": "NaN", "completion": "abc"}}]}
    entry = openrouter.parse_models(payload, origin="live").catalog[0]
    assert entry.prompt_price == 0
    assert entry.completion_price == 0


def test_aa_fixture() -> None:
    data = artificial_analysis.ArtificialAnalysisSource().from_files(
        FIXTURES / "artificial-analysis"
    )
    rows = {r.name: r for r in data.rows}
    glm = rows["GLM-4.5V (Non-reasoning)"]
    assert glm.openrouter_id == "z-ai/glm-4.5v"
    assert glm.values["gpqa"] == pytest.approx(57.273, abs=0.01)  # 0-1 → percent
    assert glm.values["intelligenceIndex"] == pytest.approx(6.998, abs=0.01)  # not rescaled
    assert glm.deprecated
    assert not glm.reasoning_variant
    assert rows["Claude 4.5 Sonnet (Reasoning)"].reasoning_variant
    assert glm.speed_tps
    assert glm.ttft_s
    assert "Z AI GLM-4.5V" in glm.names


def test_aa_live_shapes() -> None:
    model = {"name": "M", "model_creator": {"name": "C"}, "median_output_tokens_per_second": 5}
    for payload in ([model], {"data": [model]}):
        row = artificial_analysis.parse_payload(payload, origin="live").rows[0]
        assert row.organization == "C"
        assert row.speed_tps == 5


def test_hf_fixture_keeps_best_average() -> None:
    data = hf_leaderboard.HFLeaderboardSource().from_files(FIXTURES / "hf-leaderboard")
    rows = {r.hf_id: r for r in data.rows}
    assert set(rows) == {
        "meta-llama/Llama-3.3-70B-Instruct",
        "0-hero/Matter-0.2-7B-DPO",
        "Qwen/Qwen2.5-72B-Instruct",
    }
    assert set(rows["Qwen/Qwen2.5-72B-Instruct"].values) == {
        "ifEval", "bbh", "mathLvl5", "hfGpqa", "musr", "mmluPro"
    }  # fmt: skip


def test_hf_missing_columns() -> None:
    with pytest.raises(SourceError, match="lacks columns"):
        hf_leaderboard.parse_csv("model_name,foo\na/b,1\n")


def test_lmarena_json_fixture() -> None:
    data = lmarena.LMArenaSource().from_files(FIXTURES / "lmarena")
    rows = {r.name: r for r in data.rows}
    pro = rows["gemini-2.5-pro"]
    assert {"arena", "arenaCoding", "arenaVision"} <= set(pro.values)
    assert pro.organization == "Google"
    assert rows["claude-sonnet-4-5-20250929-thinking-32k"].reasoning_variant


def test_lmarena_csv_fallback(tmp_path: Path) -> None:
    for name in ("lmarena_text.csv", "lmarena_vision.csv"):
        (tmp_path / name).write_text((FIXTURES / "lmarena" / name).read_text())
    data = lmarena.LMArenaSource().from_files(tmp_path)
    assert any("arenaVision" in r.values for r in data.rows)
    assert all(r.values.get("arena", 1) > 1000 for r in data.rows)


def test_livebench_fixture() -> None:
    data = livebench.LiveBenchSource().from_files(FIXTURES / "livebench")
    row = next(r for r in data.rows if r.name == "deepseek-v3.2")
    cats = [k for k in row.values if k != "liveBenchOverall"]
    assert len(cats) == 7
    mean = sum(row.values[k] for k in cats) / 7
    assert row.values["liveBenchOverall"] == pytest.approx(mean, abs=0.01)
    assert data.data_date == "2026-01-08"


def test_livebench_missing_model_column() -> None:
    with pytest.raises(SourceError, match="'model'"):
        livebench.parse_table("x,y\n1,2\n", {"Coding": ["y"]}, origin="files", data_date=None)


def test_malformed_json(tmp_path: Path) -> None:
    (tmp_path / "models_2026-01-01.json").write_text("{not json")
    with pytest.raises(SourceError, match="malformed JSON"):
        openrouter.OpenRouterSource().from_files(tmp_path)


def test_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        livebench.LiveBenchSource().from_files(tmp_path / "nope")


@pytest.mark.parametrize(
    ("source", "minimum"),
    [
        (openrouter.OpenRouterSource(), 414),
        (artificial_analysis.ArtificialAnalysisSource(), 570),
        (hf_leaderboard.HFLeaderboardSource(), 4000),
        (lmarena.LMArenaSource(), 283),
        (livebench.LiveBenchSource(), 127),
    ],
)
def test_real_files(shared_dir: Path, source: BenchmarkSource, minimum: int) -> None:
    assert isinstance(source, BenchmarkSource)
    data = source.from_files(shared_dir / source.name)
    assert data.count >= minimum


# --- live fetch through MockTransport -------------------------------------------------


async def test_openrouter_fetch_ok() -> None:
    payload = json.loads((FIXTURES / "openrouter" / "models_2026-08-19.json").read_text())
    async with client(lambda r: httpx.Response(200, json=payload)) as http:
        data = await openrouter.OpenRouterSource().fetch(http)
    assert data.origin == "live"
    assert data.catalog


async def test_fetch_http_500() -> None:
    async with client(lambda r: httpx.Response(500)) as http:
        with pytest.raises(SourceError, match="HTTP 500"):
            await openrouter.OpenRouterSource().fetch(http)


async def test_fetch_bad_json() -> None:
    async with client(lambda r: httpx.Response(200, text="<html>")) as http:
        with pytest.raises(SourceError, match="malformed JSON"):
            await lmarena.LMArenaSource().fetch(http)


async def test_fetch_transport_timeout() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with client(boom) as http:
        with pytest.raises(SourceError, match="timed out"):
            await livebench.LiveBenchSource().fetch(http)


async def test_aa_no_key() -> None:
    async with client(lambda r: httpx.Response(200, json=[])) as http:
        with pytest.raises(SourceError, match="No API key configured"):
            await artificial_analysis.ArtificialAnalysisSource().fetch(http)


async def test_aa_fetch_sends_key() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-api-key"))
        return httpx.Response(200, json={"data": [{"name": "M", "evaluations": {}}]})

    async with client(handler) as http:
        data = await artificial_analysis.ArtificialAnalysisSource("k").fetch(http)
    assert seen == ["k"]
    assert data.rows[0].name == "M"


async def test_livebench_fetch_uses_github_date() -> None:
    table = (FIXTURES / "livebench" / "table_2026_01_08.csv").read_text()
    cats = (FIXTURES / "livebench" / "categories_2026_01_08.json").read_text()
    listing = [{"name": "table_2025_12_23.csv"}, {"name": "table_2026_01_08.csv"}]

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if "api.github.com" in url:
            return httpx.Response(200, json=listing)
        if url.endswith("categories_2026_01_08.json"):
            return httpx.Response(200, text=cats)
        if url.endswith("table_2026_01_08.csv"):
            return httpx.Response(200, text=table)
        return httpx.Response(404)

    async with client(handler) as http:
        data = await livebench.LiveBenchSource().fetch(http)
    assert data.data_date == "2026-01-08"
    assert len(data.rows) == 3


async def test_hf_fetch_pages() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        row = {"fullname": f"org/m{offset}", "IFEval": 50.0, "Average ⬆️": 10.0}
        return httpx.Response(200, json={"num_rows_total": 250, "rows": [{"row": row}]})

    async with client(handler) as http:
        data = await hf_leaderboard.HFLeaderboardSource().fetch(http)
    assert sorted(r.name for r in data.rows) == ["org/m0", "org/m100", "org/m200"]
