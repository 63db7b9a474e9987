"""Server-only configuration (env ``SMART_SPAWN_*``), beside the package-wide ``Settings``.

| env var                              | meaning                                                 |
|--------------------------------------|---------------------------------------------------------|
| ``SMART_SPAWN_API_KEYS``             | comma-separated keys; set → shared server, per-key data |
| ``SMART_SPAWN_TRUSTED_PROXIES``      | comma-separated proxy IPs whose X-Forwarded-For counts  |
| ``SMART_SPAWN_CORS_ORIGINS``         | comma-separated origins allowed on GETs (default ``*``) |
| ``SMART_SPAWN_RATE_LIMIT``           | requests per window per client (default 200)            |
| ``SMART_SPAWN_CACHE_TTL``            | response-cache TTL in seconds (default 60; 0 disables)  |
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Final

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB: Final = 1024 * 1024
REFRESH_INTERVAL_S: Final = 6 * 3600.0


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class ServerConfig(BaseSettings):
    """Limits and policies of the HTTP server. Defaults are the original's constants."""

    model_config = SettingsConfigDict(env_prefix="SMART_SPAWN_", extra="ignore")

    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    rate_limit: int = Field(default=200, ge=1)
    rate_window_s: float = Field(default=60.0, gt=0)
    refresh_limit: int = Field(default=2, ge=1)
    refresh_window_s: float = Field(default=3600.0, gt=0)
    cache_ttl_s: float = Field(default=60.0, ge=0)
    cache_size: int = Field(default=4096, ge=1)
    max_body_bytes: int = Field(default=MIB, ge=1)
    max_clients: int = Field(default=100_000, ge=1)
    refresh_interval_s: float = Field(default=REFRESH_INTERVAL_S, gt=0)
    background_refresh: bool = True
    access_log: bool = True

    @field_validator("api_keys", "trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _split(value)

    @property
    def shared(self) -> bool:
        """Whether per-key scoping is on (``SMART_SPAWN_API_KEYS`` set)."""
        return bool(self.api_keys)


def user_key_of(api_key: str) -> str:
    """The short, stable, non-reversible id under which one API key's data is stored."""
    return "k_" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]
