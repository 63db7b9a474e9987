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
``MAX_PARALLEL_NODES_PER_RUN``). This is the only module that reads the environment.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from smart_spawn_plugin.errors import invalid_param
from smart_spawn_plugin.models import BudgetChoice, Mode

#: The home as written in shipped files (manifest, docs); ``~`` is expanded when read.
DEFAULT_HOME_TEXT: Final = "~/.smart-spawn"
DEFAULT_COMMUNITY_URL: Final = "https://ss.deeflect.com/api"
DEFAULT_SOURCE_TIMEOUT: Final = 20.0
DEFAULT_OPENROUTER_BASE_URL: Final = "https://openrouter.ai/api/v1"


# ---- the providers section (issue 13): who serves which model, with which key and quota ----

#: Default ports probed by ``detect-local``: Ollama, LM Studio, vLLM, llama.cpp server.
DEFAULT_LOCAL_PORTS: Final = (11434, 1234, 8000, 8080)
#: A provider answer larger than this is refused (a runaway or hostile provider).
DEFAULT_MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ResetSchedule(_Section):
    """When a quota window starts again (UTC). ``weekly``: ``day`` is the weekday (0 = Monday);
    ``monthly``: ``day`` is the day of the month (clamped to the month's length); ``fixed``:
    once, at ``at``."""

    every: Literal["daily", "weekly", "monthly", "fixed"] = "monthly"
    day: int = Field(default=1, ge=0, le=31)
    hour: int = Field(default=0, ge=0, le=23)
    at: str | None = Field(default=None, description="ISO 8601 date-time for a fixed reset")


class QuotaSpec(_Section):
    """A provider's quota: where its usage comes from, what is counted, the limit, the reset."""

    quota_source: Literal["self-tracked", "api", "manual", "unlimited"] = Field(
        default="unlimited", alias="quotaSource"
    )
    quota_type: Literal["tokens", "messages", "budget"] = Field(default="budget", alias="quotaType")
    limit: float | None = Field(default=None, gt=0, description="tokens, messages or USD")
    reset: ResetSchedule = Field(default_factory=ResetSchedule)


class ProviderEntry(_Section):
    """One provider. Its key is its own (``apiKey`` or the variable ``keyEnv``), never another
    provider's. ``models`` lists the catalog ids it serves (besides ``<name>/…`` refs)."""

    kind: Literal["openrouter", "openai-compatible", "local"] = "openai-compatible"
    base_url: str = Field(alias="baseUrl")
    key_env: str | None = Field(default=None, alias="keyEnv")
    api_key: SecretStr | None = Field(default=None, alias="apiKey")
    tier: Literal["cloud", "custom", "local"] = "cloud"
    models: list[str] = Field(default_factory=list)
    #: USD per 1M tokens (prompt and completion) for a local server that should not be free
    cost_per_million: float = Field(default=0.0, ge=0, alias="costPerMillion")
    quota: QuotaSpec = Field(default_factory=QuotaSpec)

    def resolved_key(self) -> str | None:
        """This provider's own key: ``apiKey``, else the variable ``keyEnv`` (read here: this
        is the one module that reads the environment), else None."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        return (os.environ.get(self.key_env) or None) if self.key_env else None


class ProvidersSection(_Section):
    """Providers, quotas and local servers (``providers`` in the plugin config)."""

    entries: dict[str, ProviderEntry] = Field(default_factory=dict)
    default_mode: Literal["manual", "dry-run", "auto"] = Field(default="dry-run", alias="mode")
    local_ports: list[int] = Field(
        default_factory=lambda: list(DEFAULT_LOCAL_PORTS), alias="localPorts"
    )
    detect_timeout: float = Field(default=0.5, gt=0, le=10, alias="detectTimeout")
    #: probe ``localPorts`` when routing, so detected local models become candidates
    auto_detect: bool = Field(default=False, alias="autoDetect")
    #: a provider with at least this share of its quota used is skipped
    skip_at: float = Field(default=0.95, gt=0, le=1, alias="skipAt")
    burn_window_hours: float = Field(default=24.0, gt=0, le=24 * 31, alias="burnWindowHours")
    max_response_bytes: int = Field(
        default=DEFAULT_MAX_RESPONSE_BYTES, ge=1024, alias="maxResponseBytes"
    )
    #: answer length cap for local models when the caller sets none (small machines are slow)
    local_max_output: int = Field(default=1024, ge=1, le=1_000_000, alias="localMaxOutput")
    #: route every spawn to this provider (``--provider``); None decides per task
    prefer: str | None = None


def _alias(camel: str, snake: str, *env: str) -> AliasChoices:
    # Only the camelCase config key and the SMART_SPAWN_ variable: a bare snake_case alias would
    # also match unprefixed environment variables (HOME, BASE_URL …). Python callers use the
    # field name, which populate_by_name allows.
    return AliasChoices(camel, f"SMART_SPAWN_{snake.upper()}", *env)


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


MIB: Final = 1024 * 1024
REFRESH_INTERVAL_S: Final = 6 * 3600.0
DEFAULT_PORT: Final = 3000
#: The model a spawn runs on when it names none and no plugin routes it.
DEFAULT_SUBAGENT_MODEL: Final = "openrouter/auto"


class ServerSettings(BaseSettings):
    """The HTTP server's limits and policies (env ``SMART_SPAWN_*``; the original's constants).

    | env var                         | meaning                                                 |
    |---------------------------------|---------------------------------------------------------|
    | ``SMART_SPAWN_API_KEYS``        | comma-separated keys; set → shared server, per-key data |
    | ``SMART_SPAWN_TRUSTED_PROXIES`` | comma-separated proxy IPs whose X-Forwarded-For counts  |
    | ``SMART_SPAWN_CORS_ORIGINS``    | comma-separated origins allowed on GETs (default ``*``) |
    | ``SMART_SPAWN_RATE_LIMIT``      | requests per window per client (default 200)            |
    | ``SMART_SPAWN_CACHE_TTL_S``     | response-cache TTL in seconds (default 60; 0 disables)  |
    | ``SMART_SPAWN_MAX_HEADER_BYTES``| request line + headers cap, 431 beyond (default 32 KiB) |
    | ``SMART_SPAWN_HEADER_TIMEOUT_S``| time to send a request head, else 408 (default 10 s)    |
    | ``SMART_SPAWN_KEEP_ALIVE_S``    | idle keep-alive connections closed after (default 5 s)  |
    | ``SMART_SPAWN_MAX_CONNECTIONS`` | connections + requests, 503 beyond (default 512)        |
    | ``SMART_SPAWN_DATABASE_URL``    | ``postgresql://…``: a shared store (default: SQLite)    |
    | ``SMART_SPAWN_REDIS_URL``       | ``redis://…``: limits, cache, locks shared by replicas  |
    | ``PORT``                        | the port ``smart-spawn serve`` listens on (default 3000)|

    Also enforced: request bodies ≤ 1 MiB (413), query strings ≤ 16 KiB (400). Trusted proxies
    may be addresses or CIDR networks.
    """

    model_config = SettingsConfigDict(env_prefix="SMART_SPAWN_", extra="ignore")

    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    rate_limit: int = Field(default=200, ge=1)
    rate_window_s: float = Field(default=60.0, gt=0)
    refresh_limit: int = Field(default=2, ge=1)
    #: wrong refresh keys per client per refresh window before 429 (the right key still works)
    refresh_fail_limit: int = Field(default=5, ge=1)
    refresh_window_s: float = Field(default=3600.0, gt=0)
    cache_ttl_s: float = Field(default=60.0, ge=0)
    cache_size: int = Field(default=4096, ge=1)
    max_body_bytes: int = Field(default=MIB, ge=1)
    max_clients: int = Field(default=100_000, ge=1)
    refresh_interval_s: float = Field(default=REFRESH_INTERVAL_S, gt=0)
    background_refresh: bool = True
    access_log: bool = True
    #: connection limits applied by ``serve`` (see ``server.protocol``): request line + headers
    max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    #: seconds a client has to send a complete request head (from connecting or its first byte)
    header_timeout_s: float = Field(default=10.0, gt=0)
    #: seconds an idle keep-alive connection stays open after a response
    keep_alive_s: float = Field(default=5.0, gt=0)
    #: open connections + running requests; beyond it requests get 503
    max_connections: int = Field(default=512, ge=1)
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535, validation_alias=_env("port", "PORT"))
    #: a PostgreSQL URL (secret: it may carry a password); unset → the SQLite file in ``home``
    database_url: SecretStr | None = None
    #: a Redis URL for state the replicas share; unset → in-process state
    redis_url: SecretStr | None = None
    #: seconds a Redis command may take before the replica falls back to in-process state
    redis_timeout_s: float = Field(default=0.5, gt=0)
    #: seconds between checks for a catalog another replica saved
    follow_interval_s: float = Field(default=5.0, gt=0)
    #: seconds a stopping server waits for requests in flight (graceful shutdown)
    drain_timeout_s: float = Field(default=10.0, ge=0)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value

    @field_validator("api_keys", "trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {entry!r} is not an IP address or network"
                ) from None
        return value

    @property
    def shared(self) -> bool:
        """Whether per-key scoping is on (``SMART_SPAWN_API_KEYS`` set)."""
        return bool(self.api_keys)


def user_key_of(api_key: str) -> str:
    """The short, stable, non-reversible id under which one API key's data is stored."""
    return "k_" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


class McpSettings(BaseSettings):
    """The MCP server's runs: where they live and how many run at once (the original MCP
    server's unprefixed env names). A run's USD cap, node timeout and node parallelism are the
    top-level ``max_usd_per_run``, ``spawn_timeout`` and ``max_concurrency``."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", case_sensitive=False)

    # Not named ``home``: with populate_by_name the field name is also an env name, and HOME
    # would set it.
    mcp_home: Path | None = Field(default=None, validation_alias=_env("SMART_SPAWN_MCP_HOME"))
    max_parallel_runs: int = Field(
        default=2, ge=1, le=64, validation_alias=_env("MAX_PARALLEL_RUNS")
    )
    run_timeout_seconds: float = Field(
        default=1800.0, gt=0, le=86_400, validation_alias=_env("RUN_TIMEOUT_SECONDS")
    )
    node_max_retries: int = Field(default=2, ge=0, le=10, validation_alias=_env("NODE_MAX_RETRIES"))
    retry_backoff_seconds: float = Field(
        default=0.5, ge=0, le=60, validation_alias=_env("RETRY_BACKOFF_SECONDS")
    )

    def home_for(self, smart_spawn_home: Path) -> Path:
        """The MCP home: ``SMART_SPAWN_MCP_HOME`` (``~`` expanded) or ``<home>/mcp``."""
        home = self.mcp_home
        return (home.expanduser() if home else smart_spawn_home / "mcp").resolve()


class PluginEntry(BaseModel):
    """``plugins.entries.<id>``: whether the plugin is on, and its config (checked against the
    plugin manifest's ``configSchema``)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    enabled: bool = True
    config: dict[str, JsonValue] = Field(default_factory=dict)


class GatewaySettings(BaseSettings):
    """The reference gateway's host-side settings (OpenClaw's shape): sub-agent defaults and the
    plugin entries (env ``AGENT_GATEWAY_*``); ``AGENT_GATEWAY_LOAD_PLUGINS`` (comma-separated
    entry-point names) restricts which installed plugins load (unset loads all)."""

    model_config = SettingsConfigDict(env_prefix="AGENT_GATEWAY_", extra="ignore", frozen=True)

    default_model: str = Field(default=DEFAULT_SUBAGENT_MODEL, min_length=1)
    max_spawn_depth: int = Field(default=1, ge=1, le=5)
    hook_timeout_seconds: float = Field(default=15.0, gt=0, le=600)
    system_prompt: str = (
        "You are a sub-agent. Complete the task you are given and reply with the result only."
    )
    plugins: dict[str, PluginEntry] = Field(default_factory=dict)
    load_plugins: Annotated[list[str] | None, NoDecode] = None

    @field_validator("load_plugins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _comma_list(value)


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
