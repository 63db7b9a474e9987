"""The providers use cases, one place for every surface (CLI, plugin tools, MCP, HTTP).

:class:`ProvidersService` holds the registry (with detected local models), the provider state
store and the spawn log, and answers: which providers exist; usage and prediction per provider;
``set-usage``/``reset``; ``shift`` (undoable); the mode; and each provider's availability for
routing — ``ok``, ``deprioritised`` (predicted to run out before its reset) or ``skipped``
(used at least ``skipAt`` of its quota, or shifted), with the reason the decision will quote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from smart_spawn_plugin.engine.catalog.service import CatalogService
from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import ModelRecord, Wire, bare_model_id
from smart_spawn_plugin.providers.local import LocalServer, candidate, detect, local_models
from smart_spawn_plugin.providers.registry import LOCAL, ProviderRegistry
from smart_spawn_plugin.providers.schedule import window
from smart_spawn_plugin.providers.usage import (
    QuotaPrediction,
    QuotaUsage,
    by_provider,
    predict,
    quota_usage,
    total,
)
from smart_spawn_plugin.settings import ProvidersSection, Settings
from smart_spawn_plugin.store.db import Database, utc_now
from smart_spawn_plugin.store.providers import ProviderStateStore, RouterMode
from smart_spawn_plugin.store.spawnlog import RAN, SpawnLogStore

if TYPE_CHECKING:  # httpx loads when a usage API or a probe is called, not with routing
    import httpx

logger = get_logger(__name__)
State = Literal["ok", "deprioritised", "skipped"]


class Availability(Wire):
    provider: str
    state: State
    reason: str | None = None


class ProviderInfo(Wire):
    name: str
    kind: str
    tier: str
    base_url: str
    has_key: bool
    default: bool
    models: list[str]
    quota_source: str
    quota_type: str
    limit: float | None
    shifted: bool


class Context(Protocol):
    """What the providers need of the process: its settings, store and catalog (the
    :class:`~smart_spawn_plugin.runtime.Runtime` is one)."""

    settings: Settings
    db: Database
    catalog: CatalogService


@dataclass
class ProvidersService:
    """See the module docstring. Build with :meth:`open`; detect local servers with
    :meth:`detect_local` (routing calls :meth:`ensure_local` when ``autoDetect`` is on).

    The registry follows ``services.settings``: a caller that swaps the settings (the CLI's
    ``--provider``, ``--base-url``) gets a registry of the new ones."""

    services: Context
    http: httpx.AsyncClient | None = None
    servers: list[LocalServer] = field(default_factory=list)
    detected: bool = False
    _registry: tuple[Settings, ProviderRegistry] | None = None
    #: provider-state writes through this service (marks, shifts, mode, overrides) and spawns
    #: logged through routing (``note_write``): memoised routing states follow it
    writes: int = 0

    def __post_init__(self) -> None:
        self.state = ProviderStateStore(self.services.db)
        self.log = SpawnLogStore(self.services.db)

    @classmethod
    def open(cls, services: Context, *, http: httpx.AsyncClient | None = None) -> ProvidersService:
        return cls(services, http)

    @property
    def registry(self) -> ProviderRegistry:
        settings = self.services.settings
        if self._registry is None or self._registry[0] is not settings:
            self._registry = (settings, ProviderRegistry(settings, local_models(self.servers)))
        return self._registry[1]

    @property
    def section(self) -> ProvidersSection:
        return self.services.settings.providers

    # ---- local servers ----

    async def detect_local(self, ports: Sequence[int] | None = None) -> list[LocalServer]:
        """Probe ``ports`` (default ``providers.localPorts``) and make what answers routable."""
        for port in ports or ():
            if not 0 < port < 65536:
                raise InvalidParam(f"port {port} is not a TCP port", field="ports")
        self.servers = await detect(
            list(ports or self.section.local_ports),
            timeout=self.section.detect_timeout,
            http=self.http,
        )
        self.detected = True
        self._registry = None  # rebuilt with the detected models
        return self.servers

    async def ensure_local(self) -> None:
        if not self.detected and (self.section.auto_detect or self.section.prefer == "local"):
            await self.detect_local()

    def local_candidates(self) -> list[ModelRecord]:
        """Detected local models as catalog records (``local/<id>``, $0 unless configured)."""
        if not self.registry.local_models:
            return []
        catalog = self.services.catalog.selector().by_id
        local = self.registry.providers.get("local")
        cost = local.cost_per_million if local is not None else 0.0
        return [candidate(m, catalog, cost_per_million=cost) for m in self.registry.local_models]

    # ---- prices: the one costing rule ----

    def price_of(self, model: str) -> tuple[float, float] | None:
        """USD per 1M tokens (prompt, completion) of a model ref: a local model's configured
        cost ($0 by default), else the catalog price; None when unknown."""
        provider = self.registry.provider_of(model)
        if provider.kind == "local":
            return (provider.cost_per_million, provider.cost_per_million)
        if model.startswith(f"{LOCAL}/"):  # a local model not detected in this process yet
            entry = self.section.entries.get(LOCAL)
            cost = entry.cost_per_million if entry is not None else 0.0
            return (cost, cost)
        record = self.services.catalog.selector().by_id.get(bare_model_id(model))
        return (record.pricing.prompt, record.pricing.completion) if record else None

    # ---- listing, usage, prediction ----

    def providers(self) -> list[ProviderInfo]:
        shifted = self.state.shifted()
        return [
            ProviderInfo(
                name=p.name,
                kind=p.kind,
                tier=p.tier,
                base_url=p.base_url,
                has_key=p.secret() is not None,
                default=p.name == self.registry.default,
                models=sorted(getattr(p, "served", {}) or getattr(p, "models", ())),
                quota_source=p.quota.quota_source,
                quota_type=p.quota.quota_type,
                limit=p.quota.limit,
                shifted=p.name in shifted,
            )
            for p in self.registry.providers.values()
        ]

    async def usage(self, now: datetime | None = None) -> list[QuotaUsage]:
        return [u for u, _ in await self._usage_rows(now or utc_now())]

    async def _usage_rows(
        self, now: datetime, span_hours: float = 0.0
    ) -> list[tuple[QuotaUsage, float]]:
        """Each provider's usage now, with its use over the burn window (the last
        ``span_hours``, at least ``burnWindowHours``): one aggregate query of the spawn log
        for every provider, not a read of its rows."""
        providers = list(self.registry.providers.values())
        marks = [self.state.latest_mark(p.name, window(p.quota.reset, now)[0]) for p in providers]
        since = [
            m.at if m else window(p.quota.reset, now)[0]
            for p, m in zip(providers, marks, strict=True)
        ]
        burn = now - timedelta(hours=max(self.section.burn_window_hours, span_hours))
        cutoffs = sorted({*since, burn})
        index = {c: i for i, c in enumerate(cutoffs)}
        grouped = by_provider(self.registry, self.state.usage_totals(cutoffs, RAN))
        shifted = self.state.shifted()
        out: list[tuple[QuotaUsage, float]] = []
        for provider, mark, start in zip(providers, marks, since, strict=True):
            mine, kind = grouped[provider.name], provider.quota.quota_type
            api_used = api_limit = None
            if provider.quota.quota_source == "api" and provider.kind == "openrouter":
                api_used, api_limit = await self._api_usage(provider.base_url, provider.secret())
            usage = quota_usage(
                provider,
                total(mine, index[start], kind),
                mark,
                now,
                shifted=provider.name in shifted,
                api_used=api_used,
                api_limit=api_limit,
            )
            out.append((usage, total(mine, index[burn], kind)))
        return out

    async def _api_usage(self, base_url: str, key: str | None) -> tuple[float | None, float | None]:
        if key is None:
            return None, None
        import httpx

        from smart_spawn_plugin.providers.openrouter_key import read_key_usage

        client = self.http or httpx.AsyncClient(trust_env=False)
        try:
            data = await read_key_usage(client, base_url, key)
        except SmartSpawnError as error:  # fall back to the spawn log, and say so in the log
            logger.warning("provider_usage_api_failed", error=error.message)
            return None, None
        finally:
            if self.http is None:
                await client.aclose()
        return data.usage, data.limit

    async def predict(
        self, hours: float | None = None, now: datetime | None = None
    ) -> list[QuotaPrediction]:
        span = hours if hours is not None else self.section.burn_window_hours
        if not 0 < span <= 24 * 366:
            raise InvalidParam("hours must be > 0 and at most a year", field="hours")
        moment = now or utc_now()
        pairs = await self._usage_rows(moment, span)
        return [predict(u, burned, moment, span) for u, burned in pairs]

    def note_write(self) -> None:
        """Something routing reads changed (a spawn logged, an override applied)."""
        self.writes += 1

    def _check(self, provider: str) -> str:
        return self.registry.get(provider).name

    def set_usage(self, provider: str, value: str) -> QuotaUsage | None:
        """Record the provider's usage now: ``"42%"`` (of its limit) or an absolute number."""
        target = self.registry.get(provider)
        text = value.strip()
        try:
            number = float(text.removesuffix("%"))
        except ValueError as error:
            raise InvalidParam(
                f"usage {value!r}: use a number or a percentage", field="value"
            ) from error
        if number < 0 or number != number:
            raise InvalidParam(f"usage {value!r} must be >= 0", field="value")
        if text.endswith("%"):
            if target.quota.limit is None:
                raise InvalidParam(
                    f"{provider} has no limit: give an absolute usage", field="value"
                )
            number = target.quota.limit * number / 100
        self.state.mark(target.name, "set", number)
        self.note_write()
        return None

    def reset(self, provider: str) -> None:
        self.state.mark(self._check(provider), "reset", 0.0)
        self.note_write()

    def shift(self, provider: str, *, undo: bool = False) -> dict[str, object]:
        name = self._check(provider)
        self.note_write()
        if undo:
            return {"provider": name, "shifted": False, "changed": self.state.unshift(name)}
        self.state.shift(name, "shifted by the user")
        return {"provider": name, "shifted": True, "changed": True}

    def mode(self) -> RouterMode:
        return self.state.mode(self.section.default_mode)

    def set_mode(self, mode: str) -> RouterMode:
        if mode not in ("manual", "dry-run", "auto"):
            raise InvalidParam(f"mode {mode!r}: use manual, dry-run or auto", field="mode")
        self.state.set_mode(mode)  # type: ignore[arg-type]
        self.note_write()
        return self.mode()

    # ---- availability for routing ----

    async def availability(self) -> dict[str, Availability]:
        """Each provider's routing state with the reason a decision quotes."""
        shifted = self.state.shifted()
        out: dict[str, Availability] = {}
        for prediction in await self.predict():
            name = prediction.provider
            if name in shifted:
                out[name] = Availability(
                    provider=name,
                    state="skipped",
                    reason=f"skipped {name}: shifted off by the user",
                )
            elif (
                prediction.percent is not None and prediction.percent >= 100 * self.section.skip_at
            ):
                every = self.registry.get(name).quota.reset.every
                counted = {"tokens": "tokens", "messages": "messages", "budget": "budget"}
                out[name] = Availability(
                    provider=name,
                    state="skipped",
                    reason=f"skipped {name}: {prediction.percent:.0f} % of {every} "
                    f"{counted[prediction.quota_type]} used",
                )
            elif prediction.runs_out_before_reset and prediction.limit is not None:
                out[name] = Availability(
                    provider=name,
                    state="deprioritised",
                    reason=f"deprioritised {name}: {prediction.message}",
                )
            else:
                out[name] = Availability(provider=name, state="ok")
        return out
