"""The host-side sections of :class:`~smart_spawn_plugin.settings.Settings`: ``server``, ``mcp``
and ``gateway``, each read from the environment under the original's names."""

from __future__ import annotations

import hashlib
import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SecretStr,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from smart_spawn_plugin.settings.base import (
    DEFAULT_PORT,
    DEFAULT_SUBAGENT_MODEL,
    MIB,
    REFRESH_INTERVAL_S,
    _comma_list,
    _env,
)


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
