"""Spawners for runs that have no host of their own (the MCP server's runs): the contract's
:class:`~smart_spawn_plugin.contract.SpawnerFactory`, over the reference gateway.

One provider-routing executor (each model to its provider, with that provider's key) is
shared by every run; it
retries only retryable errors, ``Settings.mcp.node_max_retries`` times with exponential backoff
from ``Settings.mcp.retry_backoff_seconds``, and costs answers without ``usage.cost`` with
``price_lookup``. Each :meth:`LocalSpawners.open` builds a fresh plugin-less :class:`Gateway`
with the run's own USD cap, node timeout and parallelism.
"""

from __future__ import annotations

from collections.abc import Callable

from smart_spawn_plugin.contract import PriceLookup, RunSpawner
from smart_spawn_plugin.gateway.executor import OpenAICompatExecutor, is_openrouter
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.routed import ProviderExecutor
from smart_spawn_plugin.settings import Settings


class LocalSpawners:
    """A ``SpawnerFactory`` over the reference gateway (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        *,
        price_lookup: PriceLookup | None = None,
        effort_lookup: Callable[[str], str | None] | None = None,
        executor: ProviderExecutor | OpenAICompatExecutor | None = None,
    ) -> None:
        """``executor``: the composition root's provider-routing one; else one over
        ``Settings.base_url``."""
        self.settings = settings
        self.executor = executor or OpenAICompatExecutor.from_settings(
            settings, price_lookup=price_lookup, effort_lookup=effort_lookup
        )
        if executor is None:
            self.executor.max_retries = settings.mcp.node_max_retries
            self.executor.backoff = settings.mcp.retry_backoff_seconds

    @property
    def configured(self) -> bool:
        """Whether sub-agents can run: a non-OpenRouter base URL, or an OpenRouter key."""
        settings = self.settings
        return not is_openrouter(settings.base_url) or settings.openrouter_api_key is not None

    def open(self, *, max_usd: float, spawn_timeout: float, max_concurrency: int) -> RunSpawner:
        limits = {
            "max_usd_per_run": max_usd,
            "spawn_timeout": spawn_timeout,
            "max_concurrency": max_concurrency,
        }
        return Gateway(self.settings.model_copy(update=limits), plugins=[], executor=self.executor)

    async def aclose(self) -> None:
        await self.executor.aclose()
