"""smart-spawn: pick the best LLM for every sub-agent an AI agent spawns, and run those spawns.

The public names are re-exported here; everything else is reachable by module path but not
promised.
"""

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.models import Budget, Category, Mode, ModelRecord
from smart_spawn_plugin.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Budget",
    "Category",
    "Mode",
    "ModelRecord",
    "Settings",
    "SmartSpawnError",
    "__version__",
]
