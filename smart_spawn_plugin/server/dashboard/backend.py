"""What the dashboard needs from the server, gathered in one place.

:func:`backend` is the only function that reads the server's app state, so the composition
root can change under the dashboard without touching its pages: every page takes a
:class:`Backend` and nothing else. Everything goes through the runtime's in-process
recommender (``runtime.local``) — the same stores and selector the API routes use.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.engine.catalog.service import CatalogService
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.server.refresher import Refresher
from smart_spawn_plugin.settings import ServerSettings, Settings
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnLogStore


@dataclass(frozen=True)
class Backend:
    """The services one dashboard request uses."""

    settings: Settings
    server_config: ServerSettings
    service: LocalRecommender
    refresher: Refresher
    #: the caller's user key from an API-key header (``"local"`` without one)
    header_user_key: str
    #: quotas, predictions and detected local servers (the runtime's providers service)
    providers: ProvidersService

    @property
    def catalog(self) -> CatalogService:
        return self.service.catalog

    @property
    def ratings(self) -> RatingsStore:
        return self.service.ratings

    @property
    def spawns(self) -> SpawnLogStore:
        return self.service.spawns

    def selector_for(self, user_key: str, tags: list[str] | None = None) -> Selector:
        """A selector over the current catalog blending ``user_key``'s feedback."""
        return self.service.selector_for(user_key, tags)

    def plain_selector(self) -> Selector:
        """The selector without anyone's feedback (the benchmark-only ranking)."""
        return self.catalog.selector()

    def rankings_changed(self) -> None:
        """Drop memoised scores and cached responses after a rating, import or refresh."""
        self.service.rankings_changed()


def backend(request: Request) -> Backend:
    """The :class:`Backend` of the app serving ``request``."""
    from smart_spawn_plugin.server.deps import state_of, user_key_of_request

    state = state_of(request)
    return Backend(
        settings=state.runtime.settings,
        server_config=state.config,
        service=state.service,
        refresher=state.refresher,
        header_user_key=user_key_of_request(request),
        providers=state.runtime.providers,
    )
