"""The composition root: one :class:`Runtime` per process (or per gateway host).

It wires, once: the :class:`~smart_spawn_plugin.settings.Settings`, one SQLite store (one
connection, migrated), the catalog service, one HTTP client, one persistent outbox, the
community reporter and the recommender (local, or remote over the local fallback). Every
adapter (plugin/tools, HTTP server, MCP, ``llm``, CLI) opens a runtime and goes through it to
pick, recommend, compare, rate and log spawns — no adapter builds a selector or writes a
rating itself::

    with Runtime.open(home=tmp_path) as rt:                 # sync edges (llm, CLI)
        decision = rt.local.pick_now(PickRequest(task="refactor the parser"))
        rt.rate_now(OutcomeReport(model=decision.id, category="coding", rating=5))

    rt = Runtime.open(settings)                              # async edges
    routed = await rt.pick(PickRequest(task="…"))            # local or remote, by settings
    await rt.log_spawn(SpawnLogEntry(model=routed.decision.id, category="coding"))
    await rt.rate(OutcomeReport(model=…, category="coding", rating=2))
    await rt.aclose()

The HTTP client is created on first use. It carries ``Settings.api_key`` as a bearer token on
every request to ``Settings.api_url`` — routing calls and queued feedback flushes alike — and on
no other host (a routing key never reaches the community endpoint or a model provider). An
injected client (tests, a shared pool) gets the same authentication.

Nothing is opened at import; :meth:`Runtime.open` creates the home directory and the database.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from smart_spawn_plugin.client import RECOMMENDERS, recommender_kind
from smart_spawn_plugin.client.base import OutcomeReport, Recommender, Routed, SpawnLogEntry
from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.engine.catalog.service import CatalogService
from smart_spawn_plugin.engine.select.queries import Comparison
from smart_spawn_plugin.engine.select.requests import PickRequest, RecommendResult
from smart_spawn_plugin.feedback.telemetry import CommunityReporter, Outbox, anonymous_instance_id
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import bare_model_id
from smart_spawn_plugin.providers.endpoints import EndpointResolver
from smart_spawn_plugin.providers.routing import ProviderAwareRecommender
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.settings import Settings, load_settings
from smart_spawn_plugin.store.catalog import CatalogStore
from smart_spawn_plugin.store.db import Database
from smart_spawn_plugin.store.migrations import open_db
from smart_spawn_plugin.store.outbox import OutboxStore

if TYPE_CHECKING:  # httpx loads with the first HTTP client (client.http), not at import
    import httpx

    from smart_spawn_plugin.contract import SpawnerFactory  # the spawning contract: MCP runs
    from smart_spawn_plugin.gateway.routed import ProviderExecutor

logger = get_logger(__name__)


class Runtime:
    """Settings, store, catalog, HTTP client, outbox and recommender of one process.

    Build it with :meth:`open`; close it with :meth:`aclose` (async edges) or :meth:`close` /
    ``with`` (sync edges that never used the HTTP client).
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        http: httpx.AsyncClient | None = None,
        kind: str | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.catalog = CatalogService(settings, CatalogStore(db))
        #: the in-process engine: every use case's one implementation
        self.local = LocalRecommender.over(self.catalog, db)
        self.outbox = Outbox(OutboxStore(db))
        self._http = http
        self._owns_http = http is None
        if http is not None:
            self._authenticate(http)
        #: the recommender's name in ``RECOMMENDERS`` (``local`` or ``remote``)
        self.kind = kind or recommender_kind(settings.api_url)
        factory = RECOMMENDERS[self.kind]
        #: providers: registry, quotas, local models (providers/); they decide last in routing
        self.providers = ProvidersService.open(self)
        self.recommender: Recommender = ProviderAwareRecommender(
            factory(settings, self.local, self.outbox, lambda: self.http), self.providers
        )
        #: run ids of spawns routed or run in this process, with what their feedback needs
        self.tracked: dict[str, dict[str, str]] = {}

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        home: Path | None = None,
        http: httpx.AsyncClient | None = None,
        recommender: str | None = None,
        **overrides: Any,
    ) -> Runtime:
        """Open the runtime: ``settings`` (else explicit ``overrides`` > environment > defaults;
        a bad value is ``InvalidParam``), the home directory and the migrated store.

        ``http`` is an injected client (tests, a shared pool), never closed here;
        ``recommender`` forces ``local`` (the HTTP server and ``llm`` always route in process).
        """
        if home is not None:
            overrides["home"] = home
        settings = settings or load_settings(**overrides)
        settings.home.mkdir(parents=True, exist_ok=True)
        url = settings.server.database_url
        target = url.get_secret_value() if url is not None else settings.db_path
        return cls(settings, open_db(target), http=http, kind=recommender)

    # ---- wiring ----

    @property
    def http(self) -> httpx.AsyncClient:
        """The one HTTP client (created on first use; authenticated to the routing API)."""
        if self._http is None:
            from smart_spawn_plugin.client.http import new_client

            self._http = new_client()
            self._authenticate(self._http)
        return self._http

    @cached_property
    def community(self) -> CommunityReporter:
        """The opt-in community reporter over the one outbox (built on first use: it creates
        the installation's anonymous id, a write a plain pick does not need)."""
        return CommunityReporter(
            self.outbox,
            opt_in=self.settings.telemetry_opt_in,
            community_url=self.settings.community_url,
            instance_id=anonymous_instance_id(self.db),
        )

    def _authenticate(self, client: httpx.AsyncClient) -> None:
        key, api_url = self.settings.api_key, self.settings.api_url
        if key is not None and api_url is not None:
            from smart_spawn_plugin.client.http import ApiKeyAuth

            client.auth = ApiKeyAuth(api_url, key.get_secret_value())

    # ---- use cases ----

    async def pick(self, request: PickRequest) -> Routed:
        """The decision for ``request`` from the recommender in use (see ``Recommender``)."""
        return await self.recommender.pick(request)

    async def recommend(self, request: PickRequest, count: int) -> RecommendResult:
        return await self.recommender.recommend(request, count)

    def compare(self, model_ids: list[str]) -> Comparison:
        """2–5 models side by side, from the local catalog."""
        return self.local.compare(model_ids)

    def price_of(self, model: str) -> tuple[float, float] | None:
        """USD per 1M tokens (prompt, completion) of ``model``, or None when unknown: the one
        costing rule of every surface (a local model's configured cost, $0 by default; else
        the catalog price)."""
        return self.providers.price_of(model)

    def spawners(self) -> SpawnerFactory:
        """A factory of spawners for runs without a host (the MCP runs): the reference
        gateway with :meth:`executor` (each model to its provider). The caller closes it with
        ``aclose()``."""
        from smart_spawn_plugin.gateway.local import LocalSpawners  # the gateway loads lazily

        return LocalSpawners(self.settings, executor=self.executor())

    def executor(self, settings: Settings | None = None) -> ProviderExecutor:
        """The reference gateway's executor for this process: each model to its provider
        (URL, model id, that provider's key only), answers costed by :meth:`price_of`, capped
        at ``providers.maxResponseBytes``. The caller closes it with ``aclose()``."""
        from smart_spawn_plugin.gateway.routed import ProviderExecutor

        settings = settings or self.settings
        return ProviderExecutor(
            EndpointResolver(settings),
            timeout=settings.spawn_timeout,
            price_lookup=self.price_of,
            max_retries=settings.mcp.node_max_retries,
            backoff=settings.mcp.retry_backoff_seconds,
            max_response_bytes=settings.providers.max_response_bytes,
            effort_lookup=self.catalog.effort_of,
        )

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None:
        """Report a finished spawn (with its real usage); never raises (feedback must not
        break a spawn or a tool answer)."""
        try:
            await self.recommender.log_spawn(entry, user_key=user_key)
        except Exception:
            logger.warning("spawn_log_failed", model=entry.model)

    async def rate(self, report: OutcomeReport, *, user_key: str = "local") -> bool:
        """Record a rating; report an explicit one to the community when opted in (and try to
        deliver it now). Returns whether a community report was queued. Raises
        ``InvalidParam`` for a rating the store rejects, never for delivery failures."""
        report = self.local.checked(report)  # one validation, whichever recommender stores it
        await self.recommender.record_outcome(report, user_key=user_key)
        queued = self._report_community(report)
        if queued:
            try:
                await self.community.flush(self.http)
            except Exception:  # the report stays queued for the next flush
                logger.warning("community_flush_failed")
        return queued

    def rate_now(self, report: OutcomeReport, *, user_key: str = "local") -> bool:
        """:meth:`rate` for sync edges: the rating goes to the local store now; a community
        report is queued for the next :meth:`flush`."""
        report = self.local.checked(report)
        self.local.record_rating(report, user_key=user_key)
        return self._report_community(report)

    def _report_community(self, report: OutcomeReport) -> bool:
        if report.implicit:  # implicit ratings never leave the machine
            return False
        return self.community.report(
            model=bare_model_id(report.model), category=report.category, rating=report.rating
        )

    async def flush(self) -> None:
        """Retry every queued report that is due (remote feedback and community reports), each
        with the one authenticated client."""
        try:
            await self.community.flush(self.http)
            await self.outbox.flush(self.http)
        except Exception:
            logger.warning("outbox_flush_failed")

    # ---- lifecycle ----

    async def aclose_http(self) -> None:
        """Close the HTTP client if this runtime created it (a later use creates a new one):
        for sync edges that run one event loop per command."""
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    async def aclose(self) -> None:
        await self.recommender.aclose()
        await self.aclose_http()
        self.db.close()

    def close(self) -> None:
        """Close the store (sync edges). An HTTP client created here must be closed with
        :meth:`aclose` instead."""
        self.db.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Runtime:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
