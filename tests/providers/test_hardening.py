"""Issue 11, items 10-13: keys stay with their provider, secrets are redacted everywhere they
could be written, responses are capped, and one costing rule holds on every surface. Each test
fails on the main branch before this change."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from mcp import Client

from smart_spawn_plugin.errors import redact
from smart_spawn_plugin.gateway.executor import OpenAICompatExecutor
from smart_spawn_plugin.gateway.messages import ChatMessage
from smart_spawn_plugin.gateway.responses import ProviderError
from smart_spawn_plugin.gateway.routed import ProviderExecutor
from smart_spawn_plugin.mcp_server import build_server
from smart_spawn_plugin.providers.endpoints import EndpointResolver
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply
from tests.mcp.conftest import call_ok, wait_finished

OPENROUTER_KEY = "sk-or-v1-" + "a1b2c3d4" * 8
LOCAL_KEY = "local-secret-key-123456"
TASK = "write a python function that parses ISO 8601 dates"
HI = [ChatMessage.user("hi")]


# ---- 10: a key is sent to its own provider only ----


def test_base_url_never_gets_the_openrouter_key(
    run_cli,
    fake_openai: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", OPENROUTER_KEY)
    fake_openai.default = FakeReply(content="done")
    result = run_cli("spawn", TASK, "--base-url", fake_openai.base_url)
    assert result.code == 0, result.err
    assert fake_openai.requests
    assert all("authorization" not in r.headers for r in fake_openai.requests)


async def test_two_providers_each_get_only_their_own_key(
    fake_openai: FakeOpenAIServer, fake_cloud: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALPHA_KEY", "sk-alpha-0000000000000001")
    settings = Settings(
        openrouter_api_key=OPENROUTER_KEY,
        providers={
            "entries": {
                "alpha": {"baseUrl": fake_openai.base_url, "keyEnv": "ALPHA_KEY"},
                "beta": {
                    "baseUrl": fake_cloud.base_url,
                    "apiKey": "sk-beta-0000000000000002",
                    "models": ["vendor/beta-model"],
                },
                "gamma": {"baseUrl": fake_cloud.base_url},  # no key at all
            }
        },
    )
    executor = ProviderExecutor(EndpointResolver(settings))
    try:
        await executor.complete("alpha/model-a", HI)
        await executor.complete("vendor/beta-model", HI)
        await executor.complete("gamma/model-g", HI)
    finally:
        await executor.aclose()
    (alpha,) = fake_openai.requests
    assert alpha.model == "model-a"
    assert alpha.headers["authorization"] == "Bearer sk-alpha-0000000000000001"
    beta, gamma = fake_cloud.requests
    assert beta.model == "vendor/beta-model"
    assert beta.headers["authorization"] == "Bearer sk-beta-0000000000000002"
    assert gamma.model == "model-g" and "authorization" not in gamma.headers
    for request in [*fake_openai.requests, *fake_cloud.requests]:
        assert OPENROUTER_KEY not in json.dumps(request.headers)


# ---- 11: a key quoted back by a provider is redacted everywhere ----


def test_redact_replaces_known_and_key_shaped_secrets() -> None:
    text = f"bad key {LOCAL_KEY} and {OPENROUTER_KEY}; Authorization: Bearer abcdefgh12345678"
    clean = redact(text, [LOCAL_KEY])
    assert LOCAL_KEY not in clean and OPENROUTER_KEY not in clean
    assert "abcdefgh12345678" not in clean and clean.count("[REDACTED]") == 3


async def test_executor_error_never_carries_the_key(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = FakeReply(status=401, error_message=f"Invalid API key: {LOCAL_KEY}")
    executor = OpenAICompatExecutor(fake_openai.base_url, LOCAL_KEY)
    with pytest.raises(ProviderError) as caught:
        await executor.complete("m", HI)
    await executor.aclose()
    assert LOCAL_KEY not in caught.value.message and "[REDACTED]" in caught.value.message


def test_cli_spawn_output_and_stderr_never_show_the_key(
    run_cli,
    fake_openai: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    fake_openai.default = FakeReply(status=400, error_message=f"key {LOCAL_KEY} is not valid")
    argv = ["spawn", TASK, "--base-url", fake_openai.base_url, "--model-api-key", LOCAL_KEY]
    result = run_cli(*argv)
    assert "REDACTED" in result.out + result.err
    assert LOCAL_KEY not in result.out + result.err
    db = (tmp_path / "home" / "smart-spawn.db").read_bytes()
    assert LOCAL_KEY.encode() not in db


async def test_mcp_run_store_and_artifacts_never_hold_the_key(
    tmp_path: Path, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReply(status=400, error_message=f"key {LOCAL_KEY} is not valid")
    home = tmp_path / "home"
    with Runtime.open(home=home, base_url=fake_openai.base_url, executor_api_key=LOCAL_KEY) as s:
        async with Client(build_server(s)) as client:
            run = await call_ok(client, "smartspawn_run_create", {"task": "hi", "mode": "single"})
            status = await wait_finished(client, run["run_id"])
            result = await call_ok(client, "smartspawn_run_result", {"run_id": run["run_id"]})
    assert LOCAL_KEY not in json.dumps(status) + json.dumps(result)
    assert "REDACTED" in json.dumps(status) + json.dumps(result)
    for path in home.rglob("*"):
        if path.is_file():
            assert LOCAL_KEY.encode() not in path.read_bytes(), path


# ---- 12: responses are capped ----


async def test_an_oversized_answer_is_refused_with_a_clear_error(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.default = FakeReply(content="x" * 300_000)
    executor = OpenAICompatExecutor(fake_openai.base_url, None, max_response_bytes=100_000)
    with pytest.raises(ProviderError) as caught:
        await executor.complete("m", HI)
    await executor.aclose()
    assert "larger than 100000 bytes" in caught.value.message
    assert not caught.value.retryable


async def test_an_unannounced_stream_is_cut_at_the_cap() -> None:
    """No Content-Length: the cap applies while the body streams in."""

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(1000):
            yield b"x" * 10_000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    executor = OpenAICompatExecutor(
        "http://provider.test/v1", None, http, max_response_bytes=50_000
    )
    with pytest.raises(ProviderError, match="larger than 50000 bytes"):
        await executor.complete("m", HI)
    await http.aclose()


def test_cli_spawn_reports_the_cap_in_one_line(
    run_cli,
    fake_openai: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SMART_SPAWN_PROVIDERS", json.dumps({"maxResponseBytes": 4096}))
    fake_openai.default = FakeReply(content="y" * 20_000)
    result = run_cli("--json", "spawn", TASK, "--base-url", fake_openai.base_url)
    assert result.code == 1  # the failed run is reported on stderr, in one line
    assert result.err.strip().count("\n") == 2  # two progress lines, then the error
    assert "larger than 4096 bytes" in result.err
    assert "y" * 1000 not in result.out + result.err


# ---- 13: one costing rule on every surface ----


def _catalog_price(services: Runtime, model: str) -> tuple[float, float]:
    price = services.price_of(model)
    assert price is not None and price[0] > 0
    return price


def test_cli_prices_uncosted_answers_from_the_catalog_like_mcp(
    run_cli,
    fake_openai: FakeOpenAIServer,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    fake_openai.default = FakeReply(content="done", prompt_tokens=1000, completion_tokens=500)
    result = run_cli("--json", "spawn", TASK, "--base-url", fake_openai.base_url)
    assert result.code == 0, result.err
    body = json.loads(result.out)
    (out,) = body["outputs"]
    assert body["uncostedSpawns"] == 0
    with Runtime.open(home=tmp_path / "home") as services:
        prompt, completion = _catalog_price(services, out["model"])
        # the MCP runs' executor prices the same way
        mcp_price = services.spawners().executor.price_lookup
        assert mcp_price is not None and mcp_price(out["model"]) == (prompt, completion)
    expected = (1000 * prompt + 500 * completion) / 1_000_000
    assert body["costUsd"] == pytest.approx(expected)


async def test_a_local_provider_gets_the_local_model_id(fake_openai: FakeOpenAIServer) -> None:
    settings = Settings(
        openrouter_api_key=OPENROUTER_KEY,
        providers={"entries": {"local": {"kind": "local", "baseUrl": fake_openai.base_url,
                                         "models": ["qwen2.5:7b-instruct-q4_K_M"]}}},
    )  # fmt: skip
    executor = ProviderExecutor(EndpointResolver(settings), price_lookup=lambda m: (0.0, 0.0))
    try:
        completion = await executor.complete("local/qwen2.5:7b-instruct-q4_K_M", HI)
    finally:
        await executor.aclose()
    (request,) = fake_openai.requests
    assert request.model == "qwen2.5:7b-instruct-q4_K_M"  # never an OpenRouter id
    assert "authorization" not in request.headers
    assert completion.model == "local/qwen2.5:7b-instruct-q4_K_M" and completion.cost_usd == 0.0
