"""What the MCP tools share, built once per server over the process's
:class:`~smart_spawn_plugin.runtime.Runtime`.

Building it opens the runs store (``<mcp home>/runs.sqlite``, or the PostgreSQL database of
``SMART_SPAWN_DATABASE_URL``) and this server's run ownership (a file lock in the MCP home, or a
Redis lease with ``SMART_SPAWN_REDIS_URL``: see ``mcp.ownership``) but starts nothing; the server's
lifespan calls :meth:`McpState.start` (crash recovery + the run worker) and
:meth:`McpState.stop`. Routing and feedback go through the runtime; runs spawn sub-agents
through the runtime's :class:`~smart_spawn_plugin.contract.SpawnerFactory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from smart_spawn_plugin.contract import SpawnerFactory
from smart_spawn_plugin.mcp.artifacts import ArtifactFiles
from smart_spawn_plugin.mcp.ownership import open_ownership
from smart_spawn_plugin.mcp.runner import RunManager
from smart_spawn_plugin.mcp.schema import open_runs_db
from smart_spawn_plugin.mcp.store import RunStore
from smart_spawn_plugin.runtime import Runtime

RUNS_DB: Final = "runs.sqlite"


@dataclass
class McpState:
    runtime: Runtime
    home: Path
    store: RunStore
    files: ArtifactFiles
    spawners: SpawnerFactory
    runs: RunManager

    @classmethod
    def build(cls, runtime: Runtime) -> McpState:
        """Wire the MCP state over ``runtime`` (its ``Settings.mcp`` section and run limits)."""
        settings = runtime.settings
        home = settings.mcp.home_for(settings.home)
        database_url = settings.server.database_url
        redis_url = settings.server.redis_url
        db = open_runs_db(database_url.get_secret_value() if database_url else home / RUNS_DB)
        try:
            ownership = open_ownership(home, redis_url.get_secret_value() if redis_url else None)
        except BaseException:
            db.close()
            raise
        store = RunStore(db, ownership)
        files = ArtifactFiles(home, store)
        spawners = runtime.spawners()
        runs = RunManager(settings, store, files, runtime.recommender, spawners)
        return cls(runtime, home, store, files, spawners, runs)

    @property
    def executor_configured(self) -> bool:
        """Whether sub-agents can run: a model provider and its key are configured."""
        return self.spawners.configured

    async def start(self) -> None:
        await self.runs.start()

    async def stop(self) -> None:
        await self.runs.stop()
        await self.spawners.aclose()
        self.store.close()
