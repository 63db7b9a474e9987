"""The HTTP routing API: an ASGI app compatible with the original Smart Spawn API.

Build it with :func:`smart_spawn_plugin.server.app.create_app`; serve it with ``smart-spawn
serve`` (see :mod:`smart_spawn_plugin.server.serve`) or any ASGI server
(``uvicorn --factory smart_spawn_plugin.server.app:app_from_env``). Importing this package
opens nothing.
"""
