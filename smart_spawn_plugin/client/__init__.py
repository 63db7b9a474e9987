"""Routing clients: one :class:`Recommender` protocol, chosen through :data:`RECOMMENDERS`.

``Settings.api_url`` unset (or ``'local'``) selects ``local``, the in-process engine over the
local store (no network); any URL selects ``remote``, an original-compatible API over httpx
that falls back to ``local`` when the API fails. The runtime
(:class:`smart_spawn_plugin.runtime.Runtime`) builds the one recommender of a process::

    recommender = RECOMMENDERS[recommender_kind(settings.api_url)](settings, local, outbox, http)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

import httpx

from smart_spawn_plugin.client.base import (
    OutcomeReport,
    Recommender,
    Routed,
    SpawnLogEntry,
)
from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.client.remote import RemoteRecommender
from smart_spawn_plugin.feedback.telemetry import Outbox
from smart_spawn_plugin.settings import Settings

#: ``factory(settings, local, outbox, http)``: ``http()`` gives the process's one HTTP client
#: (created on demand, so a local recommender never opens one).
RecommenderFactory = Callable[
    [Settings, LocalRecommender, Outbox, Callable[[], httpx.AsyncClient]], Recommender
]


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
    if settings.api_url is None:
        raise ValueError("the remote recommender needs apiUrl")
    return RemoteRecommender(settings.api_url, http(), local, outbox)


#: Recommender implementations by name. Add one here; nothing else branches on the name.
RECOMMENDERS: Final[Mapping[str, RecommenderFactory]] = {"local": _local, "remote": _remote}


def recommender_kind(api_url: str | None) -> str:
    """``local`` for no API URL (``Settings`` already maps ``'local'`` to None), else ``remote``."""
    return "local" if api_url is None else "remote"


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
