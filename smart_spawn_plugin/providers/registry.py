"""Which provider serves a model, at which URL, under which id and with which key.

Providers are variants behind the :class:`Provider` protocol, built from the ``providers``
settings section through the :data:`PROVIDER_KINDS` registry (never an if-chain on a name):

- ``openrouter``: OpenRouter; the key is ``OPENROUTER_API_KEY`` (or the entry's own);
- ``openai-compatible``: a custom endpoint with its own key (``apiKey`` or ``keyEnv``); the
  legacy ``baseUrl`` setting becomes such a provider named ``custom``, keyed only by
  ``executorApiKey``;
- ``local``: a model server on this machine (configured, or found by ``detect-local``).

A model ref is resolved in this order (documented, explicit): ``<name>/<id>`` where ``name`` is
a configured provider other than openrouter → that provider, wire id ``<id>``; a catalog id
listed in an entry's ``models`` → that entry; anything else (``openrouter/<id>`` included) → the
default provider: ``custom`` when ``baseUrl`` is not OpenRouter (the legacy "send everything
there" setting), else ``openrouter``. The ``openrouter/`` prefix of gateway refs is never sent
to a provider other than OpenRouter.

A provider's key goes to that provider's URL only: an :class:`Endpoint` carries exactly one key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final, Protocol
from urllib.parse import urlsplit

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.settings import (
    DEFAULT_OPENROUTER_BASE_URL,
    ProviderEntry,
    QuotaSpec,
    Settings,
)

OPENROUTER: Final = "openrouter"
CUSTOM: Final = "custom"
LOCAL: Final = "local"
_OPENROUTER_PREFIX: Final = "openrouter/"


def is_openrouter_url(base_url: str) -> bool:
    # urllib, not httpx: routing must not load the HTTP stack (a local pick stays light)
    return (urlsplit(base_url).hostname or "").endswith("openrouter.ai")


@dataclass(frozen=True)
class Endpoint:
    """Where one request goes: the provider, its URL, the id it knows the model by, its key."""

    provider: str
    base_url: str
    wire_model: str
    api_key: str | None = field(repr=False)
    openrouter: bool = False
    local: bool = False


class Provider(Protocol):
    """One provider. ``serves`` says whether a model ref is its own (beyond a name prefix)."""

    name: str
    kind: str
    tier: str
    base_url: str
    quota: QuotaSpec
    cost_per_million: float

    def serves(self, model: str) -> bool: ...

    def endpoint(self, model: str) -> Endpoint: ...

    def secret(self) -> str | None: ...


@dataclass
class _Base:
    name: str
    kind: str
    tier: str
    base_url: str
    quota: QuotaSpec
    key: str | None = field(default=None, repr=False)
    models: frozenset[str] = frozenset()
    cost_per_million: float = 0.0

    def serves(self, model: str) -> bool:
        return model in self.models

    def secret(self) -> str | None:
        return self.key

    def _wire(self, model: str) -> str:
        return model.removeprefix(f"{self.name}/")

    def endpoint(self, model: str) -> Endpoint:
        return Endpoint(self.name, self.base_url, self._wire(model), self.key)


@dataclass
class OpenRouterProvider(_Base):
    def _wire(self, model: str) -> str:
        rest = model.removeprefix(_OPENROUTER_PREFIX)
        # ``openrouter/auto`` (no second slash) is a real OpenRouter model id
        return rest if "/" in rest else model

    def endpoint(self, model: str) -> Endpoint:
        return Endpoint(self.name, self.base_url, self._wire(model), self.key, openrouter=True)


@dataclass
class CompatProvider(_Base):
    def _wire(self, model: str) -> str:
        return model.removeprefix(f"{self.name}/").removeprefix(_OPENROUTER_PREFIX)


@dataclass
class LocalProvider(_Base):
    """A local server. ``served`` maps each served model id to its server's base URL (one
    provider can front several detected servers)."""

    served: dict[str, str] = field(default_factory=dict)

    def serves(self, model: str) -> bool:
        wire = model.removeprefix(f"{self.name}/")
        return model in self.models or wire in self.models or wire in self.served

    def endpoint(self, model: str) -> Endpoint:
        wire = self._wire(model)
        url = self.served.get(wire, self.base_url)
        return Endpoint(self.name, url, wire, self.key, local=True)


ProviderFactory = Callable[[str, ProviderEntry, str | None], Provider]


def _make(cls: type[_Base]) -> ProviderFactory:
    def build(name: str, entry: ProviderEntry, key: str | None) -> Provider:
        return cls(
            name=name,
            kind=entry.kind,
            tier=entry.tier,
            base_url=entry.base_url.rstrip("/"),
            quota=entry.quota,
            key=key,
            models=frozenset(entry.models),
            cost_per_million=entry.cost_per_million,
        )

    return build


#: Provider kinds (the ``kind`` of a settings entry) → how to build one.
PROVIDER_KINDS: Final[dict[str, ProviderFactory]] = {
    "openrouter": _make(OpenRouterProvider),
    "openai-compatible": _make(CompatProvider),
    "local": _make(LocalProvider),
}


def _key_of(entry: ProviderEntry, fallback: str | None) -> str | None:
    return entry.resolved_key() or fallback


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if callable(getter) else None


@dataclass(frozen=True)
class LocalModel:
    """A model a local server serves: its id on the wire, its server, its context window."""

    id: str
    base_url: str
    server: str
    context_length: int | None = None


class ProviderRegistry:
    """Every provider of one settings object (plus detected local models), and routing of a
    model ref to its provider. Cheap to build; holds no connection."""

    def __init__(self, settings: Settings, local_models: Iterable[LocalModel] = ()) -> None:
        self.settings = settings
        section = settings.providers
        providers: dict[str, Provider] = {}
        openrouter_url = (
            settings.base_url
            if is_openrouter_url(settings.base_url)
            else DEFAULT_OPENROUTER_BASE_URL
        )
        providers[OPENROUTER] = OpenRouterProvider(
            name=OPENROUTER,
            kind="openrouter",
            tier="cloud",
            base_url=openrouter_url.rstrip("/"),
            quota=QuotaSpec(),
            key=_secret(settings.openrouter_api_key),
        )
        self.default = OPENROUTER
        if not is_openrouter_url(settings.base_url):
            providers[CUSTOM] = CompatProvider(
                name=CUSTOM,
                kind="openai-compatible",
                tier="custom",
                base_url=settings.base_url.rstrip("/"),
                quota=QuotaSpec(),
                # its own key only: never OPENROUTER_API_KEY (issue 11 #10)
                key=_secret(settings.executor_api_key),
            )
            self.default = CUSTOM
        for name, entry in section.entries.items():
            if entry.kind not in PROVIDER_KINDS:  # pragma: no cover - Literal-checked
                raise InvalidParam(f"provider {name}: unknown kind {entry.kind}", field="kind")
            fallback = _secret(settings.openrouter_api_key) if entry.kind == "openrouter" else None
            providers[name] = PROVIDER_KINDS[entry.kind](name, entry, _key_of(entry, fallback))
        local = [m for m in local_models]
        if local:
            existing = providers.get(LOCAL)
            if not isinstance(existing, LocalProvider):
                existing = LocalProvider(
                    name=LOCAL,
                    kind="local",
                    tier="local",
                    base_url=local[0].base_url,
                    quota=QuotaSpec(),
                )
                providers[LOCAL] = existing
            for model in local:
                existing.served.setdefault(model.id, model.base_url)
        self.local_models = local
        self.providers = providers

    def names(self) -> list[str]:
        return list(self.providers)

    def get(self, name: str) -> Provider:
        """The provider ``name``; ``InvalidParam`` naming the known ones otherwise."""
        provider = self.providers.get(name)
        if provider is None:
            known = ", ".join(sorted(self.providers))
            raise InvalidParam(f"unknown provider {name!r} (known: {known})", field="provider")
        return provider

    def provider_of(self, model: str) -> Provider:
        """The provider serving ``model`` (module docstring: the resolution order)."""
        head, sep, _ = model.partition("/")
        if sep and head in self.providers and head != OPENROUTER:
            return self.providers[head]
        for provider in self.providers.values():
            if provider.serves(model):
                return provider
        return self.providers[self.default]

    def resolve(self, model: str) -> Endpoint:
        return self.provider_of(model).endpoint(model)

    def is_local(self, model: str) -> bool:
        return self.provider_of(model).kind == "local"

    def secrets(self) -> list[str]:
        """Every configured key (to redact them from anything written or shown)."""
        found = [p.secret() for p in self.providers.values()]
        extra = [
            _secret(self.settings.openrouter_api_key),
            _secret(self.settings.executor_api_key),
            _secret(self.settings.api_key),
            _secret(self.settings.artificial_analysis_api_key),
            _secret(self.settings.refresh_api_key),
        ]
        return sorted({s for s in [*found, *extra] if s})
