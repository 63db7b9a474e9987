"""smart-spawn: pick the best LLM for every sub-agent an AI agent spawns, and run those spawns.

The public names are re-exported here; everything else is reachable by module path but not
promised. They are resolved on first access (PEP 562), so importing the package (as the
``smart-spawn`` command does before anything else) costs no pydantic import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from smart_spawn_plugin.errors import SmartSpawnError
    from smart_spawn_plugin.models import Budget, Category, Mode, ModelRecord
    from smart_spawn_plugin.settings import Settings

__version__ = "0.1.0"

#: public name → the module defining it
_EXPORTS: Final[dict[str, str]] = {
    "Budget": "smart_spawn_plugin.models",
    "Category": "smart_spawn_plugin.models",
    "Mode": "smart_spawn_plugin.models",
    "ModelRecord": "smart_spawn_plugin.models",
    "Settings": "smart_spawn_plugin.settings",
    "SmartSpawnError": "smart_spawn_plugin.errors",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'smart_spawn_plugin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "Budget",
    "Category",
    "Mode",
    "ModelRecord",
    "Settings",
    "SmartSpawnError",
    "__version__",
]
