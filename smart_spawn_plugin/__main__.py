"""``python -m smart_spawn_plugin`` is the ``smart-spawn`` command."""

from smart_spawn_plugin.cli import main

raise SystemExit(main())
