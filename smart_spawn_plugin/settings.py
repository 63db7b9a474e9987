"""One ``Settings`` for the whole package.

Precedence, highest first:

1. explicit keyword arguments (``Settings(apiUrl=...)``, CLI flags);
2. the host's plugin config (passed as keyword arguments by the gateway, camelCase keys);
3. environment variables (``SMART_SPAWN_*``; a few well-known unprefixed ones such as
   ``OPENROUTER_API_KEY`` and ``REFRESH_API_KEY``);
4. the defaults below.

The original plugin's config keys (apiUrl, defaultBudget, defaultMode, collectiveCount,
telemetryOptIn, communityUrl) are accepted unchanged. ``manifest.json``'s configSchema is
generated from :func:`config_schema`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from smart_spawn_plugin.models import Budget, Mode

DEFAULT_HOME: Final = Path.home() / ".smart-spawn"
DEFAULT_COMMUNITY_URL: Final = "https://ss.deeflect.com/api"
DEFAULT_SOURCE_TIMEOUT: Final = 20.0
DEFAULT_OPENROUTER_BASE_URL: Final = "https://openrouter.ai/api/v1"


def _alias(camel: str, snake: str, *env: str) -> AliasChoices:
    # Only the camelCase config key and the SMART_SPAWN_ variable: a bare snake_case alias would
    # also match unprefixed environment variables (HOME, BASE_URL …). Python callers use the
    # field name, which populate_by_name allows.
    return AliasChoices(camel, f"SMART_SPAWN_{snake.upper()}", *env)


class Settings(BaseSettings):
    """smart-spawn configuration. Field docs become the manifest's configSchema descriptions."""

    model_config = SettingsConfigDict(
        env_prefix="SMART_SPAWN_",
        populate_by_name=True,
        extra="ignore",
        case_sensitive=False,
    )

    api_url: str | None = Field(
        default=None,
        validation_alias=_alias("apiUrl", "api_url"),
        description="Routing API base URL; unset or 'local' uses the in-process engine.",
    )
    default_budget: Budget = Field(
        default="medium",
        validation_alias=_alias("defaultBudget", "default_budget"),
        description="Budget used when a request names none: low, medium, high or any.",
    )
    default_mode: Mode = Field(
        default="single",
        validation_alias=_alias("defaultMode", "default_mode"),
        description="Spawn mode used when a request names none.",
    )
    collective_count: int = Field(
        default=3,
        ge=2,
        le=5,
        validation_alias=_alias("collectiveCount", "collective_count"),
        description="Number of models in collective mode (2-5).",
    )
    telemetry_opt_in: bool = Field(
        default=False,
        validation_alias=_alias("telemetryOptIn", "telemetry_opt_in"),
        description="Send anonymous outcome ratings to the community endpoint.",
    )
    community_url: str = Field(
        default=DEFAULT_COMMUNITY_URL,
        validation_alias=_alias("communityUrl", "community_url"),
        description="Community telemetry endpoint (used only with telemetryOptIn).",
    )
    spawn_strategy: Literal["execute", "recommend"] | None = Field(
        default=None,
        validation_alias=_alias("spawnStrategy", "spawn_strategy"),
        description=(
            "execute: the plugin runs sub-agents through the host; recommend: it returns "
            "sessions_spawn instructions (the original's behaviour). Unset: execute when the "
            "host offers a spawner."
        ),
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias("apiKey", "api_key"),
        description="Bearer key sent to a shared routing API (apiUrl) that requires one.",
        json_schema_extra={"sensitive": True},
    )
    implicit_ratings: bool = Field(
        default=False,
        validation_alias=_alias("implicitRatings", "implicit_ratings"),
        description="Derive a rating from each sub-agent's outcome (opt-in).",
    )
    home: Path = Field(
        default=DEFAULT_HOME,
        validation_alias=_alias("dataDir", "home"),
        description="Directory for the SQLite store and artifacts.",
    )
    live_sources: bool = Field(
        default=False,
        validation_alias=_alias("liveSources", "live_sources"),
        description="Fetch benchmark sources over the network on refresh (else bundled snapshot).",
    )
    source_timeout: float = Field(
        default=DEFAULT_SOURCE_TIMEOUT,
        gt=0,
        le=300,
        validation_alias=_alias("sourceTimeout", "source_timeout"),
        description="Per-source fetch timeout in seconds.",
    )
    openrouter_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias("openrouterApiKey", "openrouter_api_key", "OPENROUTER_API_KEY"),
        description="OpenRouter API key used to run sub-agents.",
        json_schema_extra={"sensitive": True},
    )
    artificial_analysis_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias(
            "artificialAnalysisApiKey", "artificial_analysis_api_key", "ARTIFICIAL_ANALYSIS_API_KEY"
        ),
        description="Artificial Analysis API key for live AA data.",
        json_schema_extra={"sensitive": True},
    )
    base_url: str = Field(
        default=DEFAULT_OPENROUTER_BASE_URL,
        validation_alias=_alias("baseUrl", "base_url"),
        description="OpenAI-compatible chat-completions base URL (OpenRouter, Ollama, vLLM…).",
    )
    executor_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias("executorApiKey", "executor_api_key"),
        description="API key for base_url when it is not OpenRouter.",
        json_schema_extra={"sensitive": True},
    )
    max_usd_per_run: float = Field(
        default=5.0,
        gt=0,
        validation_alias=_alias("maxUsdPerRun", "max_usd_per_run"),
        description="USD cap for one spawn run.",
    )
    spawn_timeout: float = Field(
        default=180.0,
        gt=0,
        validation_alias=_alias("spawnTimeout", "spawn_timeout"),
        description="Timeout in seconds for one sub-agent.",
    )
    max_concurrency: int = Field(
        default=4,
        ge=1,
        le=32,
        validation_alias=_alias("maxConcurrency", "max_concurrency"),
        description="Sub-agents running at once.",
    )
    refresh_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias("refreshApiKey", "refresh_api_key", "REFRESH_API_KEY"),
        description="Bearer key required by POST /refresh when set.",
        json_schema_extra={"sensitive": True},
    )

    @field_validator("api_url")
    @classmethod
    def _local_means_none(cls, value: str | None) -> str | None:
        if value is None or value.strip() in {"", "local"}:
            return None
        return value.rstrip("/")

    @property
    def db_path(self) -> Path:
        """The SQLite store's path."""
        return self.home / "smart-spawn.db"


def config_schema() -> dict[str, Any]:
    """The plugin manifest's configSchema: JSON Schema of the camelCase config keys."""
    schema = Settings.model_json_schema(by_alias=False)["properties"]
    properties: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices)
        key = str(alias.choices[0])
        prop = {k: v for k, v in schema[name].items() if k != "title"}
        prop["description"] = field.description
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("sensitive"):
            prop["sensitive"] = True
        properties[key] = prop
    return {"type": "object", "additionalProperties": False, "properties": properties}
