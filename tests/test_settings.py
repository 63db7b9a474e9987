"""Settings precedence and the original plugin's config keys."""

from pathlib import Path

import pytest

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.settings import Settings, config_schema, load_settings


def test_original_config_keys_work_unchanged():
    s = Settings(
        apiUrl="https://ss.example/api/",
        defaultBudget="low",
        defaultMode="collective",
        collectiveCount=4,
        telemetryOptIn=True,
        communityUrl="https://c.example",
    )
    assert s.api_url == "https://ss.example/api"
    assert (s.default_budget, s.default_mode, s.collective_count) == ("low", "collective", 4)
    assert s.telemetry_opt_in and s.community_url == "https://c.example"


def test_local_api_url_means_in_process():
    assert Settings(apiUrl="local").api_url is None


def test_env_prefix_and_explicit_args_win(monkeypatch):
    monkeypatch.setenv("SMART_SPAWN_DEFAULT_BUDGET", "high")
    assert Settings().default_budget == "high"
    assert Settings(defaultBudget="low").default_budget == "low"


def test_unprefixed_env_vars_are_ignored(monkeypatch, tmp_path):
    """HOME, BASE_URL, DEFAULT_BUDGET … belong to other programs."""
    monkeypatch.setenv("HOME", "/somewhere/else")
    monkeypatch.setenv("BASE_URL", "http://not-ours")
    monkeypatch.setenv("DEFAULT_BUDGET", "any")
    monkeypatch.setenv("SMART_SPAWN_HOME", str(tmp_path))
    s = Settings()
    assert s.home == Path(tmp_path)
    assert s.base_url != "http://not-ours"
    assert s.default_budget == "medium"


def test_well_known_provider_keys(monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-test")
    assert Settings().openrouter_api_key is not None
    assert "sk-test" not in repr(Settings())


def test_config_schema_uses_camel_case_keys():
    props = config_schema()["properties"]
    for key in (
        "apiUrl",
        "defaultBudget",
        "defaultMode",
        "collectiveCount",
        "telemetryOptIn",
        "communityUrl",
    ):
        assert key in props
    assert props["openrouterApiKey"]["sensitive"] is True


def test_sections_read_the_original_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """One Settings: the MCP server's, the HTTP server's and the gateway's variables land in
    their sections; a run limit has one name (the original's env name is an alias of it)."""
    monkeypatch.setenv("MAX_USD_PER_RUN", "2.5")
    monkeypatch.setenv("NODE_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("MAX_PARALLEL_NODES_PER_RUN", "3")
    monkeypatch.setenv("MAX_PARALLEL_RUNS", "7")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("SMART_SPAWN_API_KEYS", "a, b")
    monkeypatch.setenv("AGENT_GATEWAY_LOAD_PLUGINS", "smart-spawn")
    monkeypatch.setenv("DEFAULT_MODEL", "not/for-us")  # a bare name never leaks in
    settings = Settings()
    assert (settings.max_usd_per_run, settings.spawn_timeout, settings.max_concurrency) == (
        2.5,
        30.0,
        3,
    )
    assert settings.mcp.max_parallel_runs == 7
    assert settings.server.port == 8080
    assert settings.server.api_keys == ["a", "b"]
    assert settings.gateway.load_plugins == ["smart-spawn"]
    assert settings.gateway.default_model == "openrouter/auto"


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(InvalidParam) as info:
        load_settings(MAX_PARALLEL_NODES_PER_RUN="99")
    assert info.value.field == "MAX_PARALLEL_NODES_PER_RUN"
