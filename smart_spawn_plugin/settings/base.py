"""What every settings module shares: the package defaults and the alias helpers (a field is
read from its camelCase config key or its ``SMART_SPAWN_`` variable, never a bare env name)."""

from __future__ import annotations

from typing import Final

from pydantic import (
    AliasChoices,
)

#: The home as written in shipped files (manifest, docs); ``~`` is expanded when read.
DEFAULT_HOME_TEXT: Final = "~/.smart-spawn"
DEFAULT_COMMUNITY_URL: Final = "https://ss.deeflect.com/api"
DEFAULT_SOURCE_TIMEOUT: Final = 20.0
DEFAULT_OPENROUTER_BASE_URL: Final = "https://openrouter.ai/api/v1"


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
