"""The same provider answers over HTTP (``/api/providers``, ``/api/quota``) and MCP."""

from __future__ import annotations

from pathlib import Path

from mcp import Client

from smart_spawn_plugin.mcp_server import build_server
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from tests.mcp.conftest import call_error, call_ok
from tests.providers.helpers import open_services, seed
from tests.server.helpers import client_for

QUOTA = {
    "entries": {
        "anthropic": {
            "baseUrl": "http://127.0.0.1:9/v1",
            "apiKey": "sk-ant-never-shown-000001",
            "models": ["anthropic/claude-test"],
            "quota": {"quotaSource": "self-tracked", "quotaType": "tokens", "limit": 10_000},
        }
    }
}


async def test_http_providers_and_quota(tmp_path: Path) -> None:
    with open_services(tmp_path, **QUOTA) as services:
        seed(services, "anthropic/claude-test", hours_ago=1, prompt=2_000, completion=500)
        app = create_app(services, ServerSettings(access_log=False, background_refresh=False))
        async with client_for(app) as client:
            listed = await client.get("/api/providers")
            quota = await client.get("/api/quota", params={"hours": 2})
            bad = await client.get("/api/quota", params={"hours": "-5"})
            root = await client.get("/quota")
    assert listed.status_code == 200
    names = {p["name"]: p for p in listed.json()["data"]}
    assert names["anthropic"]["hasKey"] is True and "sk-ant-never-shown" not in listed.text
    assert quota.status_code == 200
    by_name = {p["provider"]: p for p in quota.json()["data"]}
    anthropic = by_name["anthropic"]
    assert (anthropic["used"], anthropic["limit"], anthropic["percent"]) == (2_500, 10_000, 25)
    assert anthropic["burnRatePerHour"] == 1_250 and anthropic["predictedExhaustion"] is not None
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "INVALID_PARAM" and "hours" in bad.text
    assert root.status_code == 200  # the root alias, like every route


async def test_mcp_router_tools(tmp_path: Path) -> None:
    with open_services(tmp_path, **QUOTA) as services:
        seed(services, "anthropic/claude-test", hours_ago=1, prompt=2_000, completion=500)
        async with Client(build_server(services)) as client:
            predicted = await call_ok(client, "router_predict", {"provider": "anthropic"})
            shifted = await call_ok(client, "router_shift", {"provider": "anthropic"})
            status = await call_ok(client, "router_status", {})
            refused = await call_error(client, "router_optimize", {"apply": True})
            unknown = await call_error(client, "router_predict", {"provider": "nobody"})
        assert "anthropic" in ProvidersService(services).state.shifted()
    (prediction,) = predicted["predictions"]
    assert prediction["provider"] == "anthropic" and prediction["used"] == 2_500
    assert shifted == {"provider": "anthropic", "shifted": True, "changed": True}
    assert status["mode"] == "dry-run"
    assert "needs confirmation" in refused and "unknown provider" in unknown
