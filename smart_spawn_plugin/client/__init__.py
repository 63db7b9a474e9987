"""Routing clients: one :class:`Recommender` protocol, chosen through :data:`RECOMMENDERS`.

``Settings.api_url`` unset (or ``'local'``) selects ``local``, the in-process engine over the
local store (no network); any URL selects ``remote``, an original-compatible API over httpx
that falls back to ``local`` when the API fails. The runtime
(:class:`smart_spawn_plugin.runtime.Runtime`) builds the one recommender of a process::

    recommender = RECOMMENDERS[recommender_kind(settings.api_url)](settings, local, outbox, http)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final, TypeAlias

from smart_spawn_plugin.client.base import (
    OutcomeReport,
    Recommender,
    Routed,
    SpawnLogEntry,
)
from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.feedback.telemetry import Outbox
from smart_spawn_plugin.settings import Settings

if TYPE_CHECKING:
    # httpx and the remote client load when the remote recommender is built: a local pick
    # (every `smart-spawn pick` by default) never pays for them.
    import httpx

    from smart_spawn_plugin.client.remote import RemoteRecommender

#: ``factory(settings, local, outbox, http)``: ``http()`` gives the process's one HTTP client
#: (created on demand, so a local recommender never opens one).
RecommenderFactory: TypeAlias = (
    "Callable[[Settings, LocalRecommender, Outbox, Callable[[], httpx.AsyncClient]], Recommender]"
)


def _local(
    settings: Settings,
    local: LocalRecommender,
    outbox: Outbox,
    http: Callable[[], httpx.AsyncClient],
) -> Recommender:
    return local


def _remote(
    settings: Settings,
    local: LocalRecommender,
    outbox: Outbox,
    http: Callable[[], httpx.AsyncClient],
) -> Recommender:
    from smart_spawn_plugin.client.remote import RemoteRecommender

    if settings.api_url is None:
        raise ValueError("the remote recommender needs apiUrl")
    return RemoteRecommender(settings.api_url, http(), local, outbox)


#: Recommender implementations by name. Add one here; nothing else branches on the name.
RECOMMENDERS: Final[Mapping[str, RecommenderFactory]] = {"local": _local, "remote": _remote}


def recommender_kind(api_url: str | None) -> str:
    """``local`` for no API URL (``Settings`` already maps ``'local'`` to None), else ``remote``."""
    return "local" if api_url is None else "remote"


def __getattr__(name: str) -> object:
    # ``RemoteRecommender`` stays importable from here without importing httpx eagerly.
    if name == "RemoteRecommender":
        return importlib.import_module("smart_spawn_plugin.client.remote").RemoteRecommender
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RECOMMENDERS",
    "LocalRecommender",
    "OutcomeReport",
    "Recommender",
    "RecommenderFactory",
    "RemoteRecommender",
    "Routed",
    "SpawnLogEntry",
    "recommender_kind",
]
