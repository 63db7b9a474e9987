"""The tools' runtime: settings, the opened store, the recommender, the outbox and telemetry.

One :class:`Runtime` serves one host (gateway) or one CLI command. It is opened on first use
(never at import), and closed with :meth:`Runtime.aclose`. Feedback goes through it so the
rules live in one place:

- every spawn and every rating goes to the recommender in use (the local store, or the remote
  API through the persistent outbox — never lost while the API is down);
- an explicit rating is also reported to the community endpoint, anonymously, **only** with
  ``telemetryOptIn``; implicit ratings (derived from outcomes) never leave the machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final, Literal

import httpx
from pydantic import AliasChoices, JsonValue

from smart_spawn_plugin.client import open_recommender
from smart_spawn_plugin.client.base import OutcomeReport, Recommender, SpawnLogEntry
from smart_spawn_plugin.feedback.telemetry import CommunityReporter, Outbox, anonymous_instance_id
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import bare_model_id
from smart_spawn_plugin.services import Services
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.outbox import OutboxStore

logger = get_logger(__name__)

DEFAULT_HTTP_TIMEOUT: Final = httpx.Timeout(10.0, connect=3.0)
SpawnStrategyName = Literal["execute", "recommend"]


def merged_settings(base: Settings, plugin_config: Mapping[str, JsonValue]) -> Settings:
    """``base`` (host settings: explicit args, env, defaults) overridden by the keys present in
    the host's plugin config (camelCase, the original's keys). Bad values raise a pydantic
    ``ValidationError`` naming the key."""
    if not plugin_config:
        return base
    parsed = Settings.model_validate(dict(plugin_config))
    given: dict[str, object] = {}
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [name]
        if any(str(choice) in plugin_config for choice in choices):
            given[name] = getattr(parsed, name)
    return base.model_copy(update=given)


def spawn_strategy_of(settings: Settings, plugin_config: Mapping[str, JsonValue]) -> str | None:
    """The configured spawn strategy (``spawnStrategy``), or None to decide by the host."""
    value = getattr(settings, "spawn_strategy", None) or plugin_config.get("spawnStrategy")
    return value if isinstance(value, str) else None


@dataclass
class Runtime:
    """Everything the tools and hooks use. Build it with :meth:`open`."""

    settings: Settings
    services: Services
    recommender: Recommender
    outbox: Outbox
    community: CommunityReporter
    http: httpx.AsyncClient
    owns_services: bool = True
    owns_http: bool = True
    spawn_strategy: str | None = None
    #: run ids of spawns this plugin routed or ran, with what their feedback needs
    tracked: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        services: Services | None = None,
        http: httpx.AsyncClient | None = None,
        spawn_strategy: str | None = None,
    ) -> Runtime:
        """Open the store (unless ``services`` is given) and the recommender the settings ask
        for. ``http`` (injected in tests) serves the remote API and the outbox deliveries."""
        # an injected store is shared; its view here carries these (merged) settings
        opened = replace(services, settings=settings) if services else Services.open(settings)
        client = http or httpx.AsyncClient(timeout=DEFAULT_HTTP_TIMEOUT)
        outbox = Outbox(OutboxStore(opened.db))
        reporter = CommunityReporter(
            outbox,
            opt_in=settings.telemetry_opt_in,
            community_url=settings.community_url,
            instance_id=anonymous_instance_id(opened.db),
        )
        return cls(
            settings=settings,
            services=opened,
            recommender=open_recommender(opened, http=http),
            outbox=outbox,
            community=reporter,
            http=client,
            owns_services=services is None,
            owns_http=http is None,
            spawn_strategy=spawn_strategy,
        )

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None:
        """Report a finished spawn (with its real usage) to the recommender in use."""
        try:
            await self.recommender.log_spawn(entry, user_key=user_key)
        except Exception:  # feedback must never break a spawn or a tool answer
            logger.warning("spawn_log_failed", model=entry.model)

    async def rate(self, report: OutcomeReport, *, user_key: str = "local") -> bool:
        """Record a rating; report an explicit one to the community when opted in.

        Returns whether a community report was queued. Raises ``InvalidParam`` for a rating the
        store rejects (never for delivery failures, which stay queued).
        """
        await self.recommender.record_outcome(report, user_key=user_key)
        if report.implicit:
            return False
        queued = self.community.report(
            model=bare_model_id(report.model),
            category=report.category,
            rating=report.rating,
        )
        if queued:
            try:
                await self.community.flush(self.http)
            except Exception:  # the report stays queued for the next flush
                logger.warning("community_flush_failed")
        return queued

    async def flush(self) -> None:
        """Retry every queued report that is due (remote feedback and community reports)."""
        try:
            await self.community.flush(self.http)
            await self.outbox.flush(self.http)
        except Exception:
            logger.warning("outbox_flush_failed")

    async def aclose(self) -> None:
        await self.recommender.aclose()
        if self.owns_http:
            await self.http.aclose()
        if self.owns_services:
            self.services.close()
