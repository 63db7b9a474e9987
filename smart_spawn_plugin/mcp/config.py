"""The MCP server's own settings: where runs live and the limits every run obeys.

Read from the environment with the original MCP server's names, unprefixed
(``SMART_SPAWN_MCP_HOME``, ``MAX_PARALLEL_RUNS``, ``MAX_PARALLEL_NODES_PER_RUN``,
``MAX_USD_PER_RUN``, ``NODE_TIMEOUT_SECONDS``, ``RUN_TIMEOUT_SECONDS``), plus
``NODE_MAX_RETRIES`` and ``RETRY_BACKOFF_SECONDS`` for the executor's retries of retryable
errors. Unlike the original, a bad value is an error naming the variable, not a silent default.

``SMART_SPAWN_MCP_HOME`` defaults to ``<smart-spawn home>/mcp``; it holds ``runs.sqlite`` and
``artifacts/<run_id>/``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from smart_spawn_plugin.errors import InvalidParam


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class McpSettings(BaseSettings):
    """Limits of the MCP runs (see the module docstring). Explicit kwargs beat the environment."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", case_sensitive=False)

    # Not named ``home``: with populate_by_name the field name is also an env name, and HOME
    # would set it.
    mcp_home: Path | None = Field(default=None, validation_alias=_env("SMART_SPAWN_MCP_HOME"))
    max_parallel_runs: int = Field(
        default=2, ge=1, le=64, validation_alias=_env("MAX_PARALLEL_RUNS")
    )
    max_parallel_nodes_per_run: int = Field(
        default=4, ge=1, le=32, validation_alias=_env("MAX_PARALLEL_NODES_PER_RUN")
    )
    max_usd_per_run: float = Field(default=5.0, gt=0, validation_alias=_env("MAX_USD_PER_RUN"))
    node_timeout_seconds: float = Field(
        default=180.0, gt=0, le=86_400, validation_alias=_env("NODE_TIMEOUT_SECONDS")
    )
    run_timeout_seconds: float = Field(
        default=1800.0, gt=0, le=86_400, validation_alias=_env("RUN_TIMEOUT_SECONDS")
    )
    node_max_retries: int = Field(default=2, ge=0, le=10, validation_alias=_env("NODE_MAX_RETRIES"))
    retry_backoff_seconds: float = Field(
        default=0.5, ge=0, le=60, validation_alias=_env("RETRY_BACKOFF_SECONDS")
    )

    @classmethod
    def load(cls, **overrides: object) -> McpSettings:
        """Settings from ``overrides`` > environment > defaults; ``InvalidParam`` names the
        offending variable."""
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "settings"
            field = cls.model_fields.get(name)
            alias = field.validation_alias if field is not None else None
            env = str(alias.choices[0]) if isinstance(alias, AliasChoices) else name
            raise InvalidParam(f"{env}: {first['msg']}", field=env) from None

    def home_for(self, smart_spawn_home: Path) -> Path:
        """The MCP home: ``SMART_SPAWN_MCP_HOME`` (``~`` expanded) or ``<home>/mcp``."""
        home = self.mcp_home
        return (home.expanduser() if home else smart_spawn_home / "mcp").resolve()
