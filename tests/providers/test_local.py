"""Local servers without a real one: Ollama's wire format (MockTransport), names matched to
catalog families, the quantisation factor, and local models as $0 candidates."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from smart_spawn_plugin.providers.local import (
    UNMATCHED_SCORE,
    candidate,
    match_family,
    probe,
    quant_factor,
    split_quant,
)
from smart_spawn_plugin.providers.registry import LocalModel
from smart_spawn_plugin.runtime import Runtime


async def test_ollama_is_found_through_api_tags() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/tags":
            return httpx.Response(200, json={"models": [{"name": "qwen2.5:7b-instruct-q4_K_M"}]})
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        server = await probe(http, 11434, 0.5)
    assert server is not None and server.kind == "ollama"
    assert server.base_url == "http://127.0.0.1:11434/v1"
    assert server.models == ["qwen2.5:7b-instruct-q4_K_M"]


async def test_vllm_context_and_non_servers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.port == 8000:
            return httpx.Response(200, json={"data": [{"id": "m", "max_model_len": 32768}]})
        return httpx.Response(200, text="<html>not a model server</html>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        vllm = await probe(http, 8000, 0.5)
        other = await probe(http, 3000, 0.5)
    assert vllm is not None and vllm.kind == "vllm" and vllm.context == {"m": 32768}
    assert other is None


@pytest.mark.parametrize(
    ("name", "base", "tag", "factor"),
    [
        ("qwen2.5:7b-instruct-q4_K_M", "qwen2.5:7b-instruct", "q4_k_m", 0.95),
        ("SmolLM2-135M-Instruct.Q4_1", "SmolLM2-135M-Instruct", "q4_1", 0.95),
        ("llama3.2:3b-instruct-q8_0", "llama3.2:3b-instruct", "q8_0", 0.99),
        ("mistral-7b.f16.gguf", "mistral-7b", "f16", 1.0),
        ("llama3.1:8b", "llama3.1:8b", None, 0.95),
    ],
)
def test_quantisation_tags(name: str, base: str, tag: str | None, factor: float) -> None:
    assert split_quant(name) == (base, tag)
    assert quant_factor(tag) == factor


def test_names_match_catalog_families_and_scores_degrade(tmp_path: Path) -> None:
    with Runtime.open(home=tmp_path) as services:
        catalog = services.catalog.selector().by_id
    family = match_family("qwen2.5:7b-instruct-q4_K_M", catalog)
    assert family is not None and family.id == "qwen/qwen-2.5-7b-instruct"
    assert match_family("llama3.1:8b", catalog).id == "meta-llama/llama-3.1-8b-instruct"  # type: ignore[union-attr]
    assert match_family("SmolLM2-135M-Instruct.Q4_1", catalog) is None
    local = candidate(LocalModel("qwen2.5:7b-instruct-q4_K_M", "http://x/v1", "ollama"), catalog)
    assert local.id == "local/qwen2.5:7b-instruct-q4_K_M" and local.provider == "local"
    assert local.pricing.prompt == 0 and local.pricing.completion == 0
    assert local.scores["coding"] == pytest.approx(family.scores["coding"] * 0.95, abs=0.01)
    note = local.provenance["coding"].note or ""
    assert "qwen/qwen-2.5-7b-instruct × 0.95" in note
    unknown = candidate(
        LocalModel("SmolLM2-135M-Instruct.Q4_1", "http://x/v1", "llama.cpp", 2048),
        catalog,
        cost_per_million=0.1,
    )
    assert unknown.scores["general"] == UNMATCHED_SCORE and unknown.context_length == 2048
    assert unknown.pricing.prompt == 0.1 and "no catalog family" in (
        unknown.provenance["general"].note or ""
    )
