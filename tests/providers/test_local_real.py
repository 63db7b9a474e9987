"""Against a REAL local model server (llama.cpp + SmolLM2-135M, see conftest): detection,
a single spawn routed to it, budget routing, a collective mixing it with a faked cloud provider,
and a tool call produced by the real model under the server's JSON-schema constraint.

The model is tiny and often wrong: these tests assert on structure, never on content.
"""

from __future__ import annotations

import json

import httpx
import pytest

from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.plugin import SmartSpawnPlugin
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.spawnlog import SpawnLogStore
from tests.fakes.openai_server import FakeOpenAIServer
from tests.providers.conftest import LocalLlama

LOCAL_REF = "local/SmolLM2-135M-Instruct.Q4_1"


def _providers_env(monkeypatch: pytest.MonkeyPatch, port: int, **extra: object) -> None:
    # short answers: the tiny model rambles to its context limit otherwise
    config = {"localPorts": [port], "localMaxOutput": 24, **extra}
    monkeypatch.setenv("SMART_SPAWN_PROVIDERS", json.dumps(config))


def test_detect_local_lists_the_real_server_and_its_model(run_cli, local_llama: LocalLlama) -> None:  # type: ignore[no-untyped-def]
    closed = local_llama.port + 1 if local_llama.port < 65535 else local_llama.port - 1
    result = run_cli("--json", "detect-local", "--ports", f"{local_llama.port},{closed}")
    assert result.code == 0, result.err
    (server,) = json.loads(result.out)
    assert server["port"] == local_llama.port
    assert server["kind"] == "llama.cpp"
    assert server["baseUrl"] == local_llama.base_url
    assert server["models"] == [local_llama.model]
    assert server["context"][local_llama.model] > 0
    human = run_cli("detect-local", "--ports", str(local_llama.port))
    assert local_llama.model in human.out and "llama.cpp" in human.out


def test_spawn_single_with_provider_local_runs_on_the_real_model(
    run_cli,
    local_llama: LocalLlama,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    _providers_env(monkeypatch, local_llama.port)
    argv = ["--json", "spawn", "Say hello in French", "--mode", "single", "--provider", "local"]
    result = run_cli(*argv)
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert body["status"] == "ok"
    (out,) = body["outputs"]
    assert out["model"] == LOCAL_REF and out["outcome"] == "ok"
    assert isinstance(out["output"], str) and out["output"].strip()
    assert out["usage"]["completionTokens"] > 0
    assert body["costUsd"] == 0.0 and body["uncostedSpawns"] == 0
    (routed,) = body["routingDecision"]["models"]
    assert routed["model"] == LOCAL_REF and routed["reason"].startswith("[local]")
    assert (routed["pricing"]["prompt"], routed["pricing"]["completion"]) == (0.0, 0.0)
    # the spawn log attributes the usage to the local provider, at $0
    with Runtime.open(home=tmp_path / "home") as services:
        (row,) = SpawnLogStore(services.db).rows()
    assert row.model == LOCAL_REF and row.cost_usd == 0.0 and row.status == "ok"
    human = run_cli("spawn", "Say hello in French", "--mode", "single", "--provider", "local")
    assert human.code == 0, human.err
    assert "[single · ok · " in human.out and "$0.0000 · [local]]" in human.out


def test_low_budget_goes_local_without_naming_a_provider(
    run_cli,
    local_llama: LocalLlama,
    fake_cloud: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SMART_SPAWN_BASE_URL", fake_cloud.base_url)
    monkeypatch.setenv("SMART_SPAWN_EXECUTOR_API_KEY", "sk-cloud-key-0001")
    _providers_env(monkeypatch, local_llama.port, autoDetect=True)
    result = run_cli(
        "--json", "spawn", "Say hello in French", "--mode", "single", "--budget", "low"
    )
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert [o["model"] for o in body["outputs"]] == [LOCAL_REF]
    assert body["costUsd"] == 0.0
    assert fake_cloud.requests == []  # nothing went to the cloud
    # a medium budget keeps going to the cloud provider
    result = run_cli("--json", "spawn", "Say hello in French", "--mode", "single")
    assert result.code == 0, result.err
    assert json.loads(result.out)["outputs"][0]["model"] != LOCAL_REF
    assert len(fake_cloud.requests) == 1


def test_collective_mixes_the_local_model_with_a_cloud_provider(
    run_cli,
    local_llama: LocalLlama,
    fake_cloud: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SMART_SPAWN_BASE_URL", fake_cloud.base_url)
    monkeypatch.setenv("SMART_SPAWN_EXECUTOR_API_KEY", "sk-cloud-key-0001")
    _providers_env(monkeypatch, local_llama.port)
    argv = ["--json", "spawn", "Say hello in French", "--mode", "collective", "--count", "2"]
    result = run_cli(*argv, "--provider", "local")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    models = [o["model"] for o in body["outputs"]]
    assert LOCAL_REF in models and len(models) >= 2
    cloud = [m for m in models if m != LOCAL_REF and not m.startswith("local/")]
    assert cloud, models
    # the cloud models went to the fake cloud, by their own ids and with its own key only
    sent = {r.model for r in fake_cloud.requests}
    assert LOCAL_REF not in sent and "SmolLM2-135M-Instruct.Q4_1" not in sent
    assert all(
        r.headers.get("authorization") == "Bearer sk-cloud-key-0001" for r in fake_cloud.requests
    )
    assert all(o["outcome"] == "ok" for o in body["outputs"])


async def test_real_model_calls_router_predict_through_json_schema(
    local_llama: LocalLlama, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The tiny model never emits tool calls by itself: constrain its answer with the server's
    JSON-schema support to a router_predict call, then run that call through the gateway."""
    schema = {
        "type": "object",
        "properties": {
            "name": {"const": "router_predict"},
            "arguments": {
                "type": "object",
                "properties": {"provider": {"const": "openrouter"}},
                "required": ["provider"],
                "additionalProperties": False,
            },
        },
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            f"{local_llama.base_url}/chat/completions",
            json={
                "model": local_llama.model,
                "messages": [
                    {"role": "user", "content": "When will I run out of OpenRouter credit?"}
                ],
                "max_tokens": 64,
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "tool_call", "schema": schema},
                },
            },
        )
    assert response.status_code == 200
    call = json.loads(response.json()["choices"][0]["message"]["content"])
    assert call["name"] == "router_predict"
    settings = Settings(home=tmp_path / "home")
    with Runtime.open(settings) as services:
        gateway = Gateway(settings, plugins=[SmartSpawnPlugin(runtime=services)])
        async with gateway:
            result = await gateway.call_tool(call["name"], call["arguments"])
    assert not result.is_error, result.text_content
    details = result.details
    assert isinstance(details, dict)
    (prediction,) = details["predictions"]
    assert prediction["provider"] == "openrouter" and "burnRatePerHour" in prediction
