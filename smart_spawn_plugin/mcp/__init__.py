"""The MCP adapter's internals: run store, artifacts, runner and tools.

The entry point is :mod:`smart_spawn_plugin.mcp_server`; this package needs the ``mcp`` extra
only in the modules that build tools (``routing_tools``, ``run_tools``, ``results``).
Importing it opens nothing.
"""
