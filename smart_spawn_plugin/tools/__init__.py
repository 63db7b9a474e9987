"""Agent tools of smart-spawn: ``smart_spawn``, ``smart_spawn_feedback`` and the router tools.

Each tool is a pydantic args model (its JSON Schema is the tool's ``parameters``), a handler
that never raises to the model, and a ``ToolSpec`` factory. They share the process's
:class:`~smart_spawn_plugin.runtime.Runtime`.
"""

from smart_spawn_plugin.tools.feedback import FeedbackArgs, feedback_tool, record_feedback
from smart_spawn_plugin.tools.providers import ROUTER_TOOL_NAMES, router_tools
from smart_spawn_plugin.tools.smart_spawn import SmartSpawnArgs, smart_spawn, smart_spawn_tool

#: Every tool the plugin registers, in registration order (the manifest's ``tools``).
TOOL_NAMES = ("smart_spawn", "smart_spawn_feedback", *ROUTER_TOOL_NAMES)

__all__ = [
    "TOOL_NAMES",
    "FeedbackArgs",
    "SmartSpawnArgs",
    "feedback_tool",
    "record_feedback",
    "router_tools",
    "smart_spawn",
    "smart_spawn_tool",
]
