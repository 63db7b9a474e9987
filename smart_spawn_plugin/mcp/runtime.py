"""Everything the MCP tools share, built once per server from opened ``Services``.

Building it opens the runs store (``<mcp home>/runs.sqlite``) but starts nothing; the server's
lifespan calls :meth:`McpRuntime.start` (crash recovery + the run worker) and
:meth:`McpRuntime.stop`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smart_spawn_plugin.client import open_recommender
from smart_spawn_plugin.client.base import Recommender
from smart_spawn_plugin.gateway.executor import OpenAICompatExecutor, is_openrouter
from smart_spawn_plugin.mcp.artifacts import ArtifactFiles
from smart_spawn_plugin.mcp.config import McpSettings
from smart_spawn_plugin.mcp.runner import RunManager
from smart_spawn_plugin.mcp.store import RunStore, open_runs_db
from smart_spawn_plugin.models import bare_model_id
from smart_spawn_plugin.services import Services

RUNS_DB = "runs.sqlite"


@dataclass
class McpRuntime:
    services: Services
    caps: McpSettings
    home: Path
    store: RunStore
    files: ArtifactFiles
    recommender: Recommender
    executor: OpenAICompatExecutor
    runs: RunManager

    @classmethod
    def build(cls, services: Services, caps: McpSettings | None = None) -> McpRuntime:
        """Wire the runtime. The executor is the gateway's OpenAI-compatible one, built from
        ``Settings`` (``base_url`` and its key), costing answers without ``usage.cost`` from
        catalog prices, retrying only retryable errors ``NODE_MAX_RETRIES`` times."""
        caps = caps or McpSettings.load()
        home = caps.home_for(services.settings.home)
        store = RunStore(open_runs_db(home / RUNS_DB))
        files = ArtifactFiles(home, store)
        recommender = open_recommender(services)

        def price_of(model: str) -> tuple[float, float] | None:
            record = services.catalog.selector().by_id.get(bare_model_id(model))
            return (record.pricing.prompt, record.pricing.completion) if record else None

        executor = OpenAICompatExecutor.from_settings(
            services.settings.model_copy(update={"spawn_timeout": caps.node_timeout_seconds}),
            price_lookup=price_of,
        )
        executor.max_retries = caps.node_max_retries
        executor.backoff = caps.retry_backoff_seconds
        runs = RunManager(services.settings, caps, store, files, recommender, executor)
        return cls(services, caps, home, store, files, recommender, executor, runs)

    @property
    def executor_configured(self) -> bool:
        """Whether sub-agents can run: a non-OpenRouter base URL, or an OpenRouter key."""
        settings = self.services.settings
        return not is_openrouter(settings.base_url) or settings.openrouter_api_key is not None

    async def start(self) -> None:
        await self.runs.start()

    async def stop(self) -> None:
        await self.runs.stop()
        await self.executor.aclose()
        await self.recommender.aclose()
        self.store.conn.close()
