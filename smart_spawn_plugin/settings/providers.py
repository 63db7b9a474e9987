"""The ``providers`` section (issue 13): who serves which model, with which key and quota."""

from __future__ import annotations

import os
from typing import Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
)

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
