"""Settings precedence and the original plugin's config keys."""

from pathlib import Path

from smart_spawn_plugin.settings import Settings, config_schema


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
