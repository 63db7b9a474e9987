"""Routing clients: one :class:`Recommender` protocol, chosen through :data:`RECOMMENDERS`.

``Settings.api_url`` unset (or ``'local'``) selects ``local``, the in-process engine over the
local store (no network); any URL selects ``remote``, an original-compatible API over httpx
that falls back to ``local`` when the API fails. Both need an opened
:class:`~smart_spawn_plugin.services.Services`::

    recommender = open_recommender(services)          # by settings
    routed = await recommender.pick(PickRequest(task="refactor the parser"))
    await recommender.aclose()
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
from smart_spawn_plugin.client.remote import DEFAULT_TIMEOUT, RemoteRecommender
from smart_spawn_plugin.feedback.adjuster import FeedbackAdjuster
from smart_spawn_plugin.feedback.telemetry import Outbox
from smart_spawn_plugin.services import Services
from smart_spawn_plugin.store.outbox import OutboxStore

#: ``factory(services, http)``: ``http`` is an injected client (tests, a shared pool) or None.
RecommenderFactory = Callable[[Services, httpx.AsyncClient | None], Recommender]


def _local(services: Services, http: httpx.AsyncClient | None) -> Recommender:
    return LocalRecommender.from_services(services)


def _remote(services: Services, http: httpx.AsyncClient | None) -> Recommender:
    api_url = services.settings.api_url
    if api_url is None:  # pragma: no cover - recommender_kind never picks remote without a URL
        raise ValueError("the remote recommender needs apiUrl")
    key = services.settings.api_key
    # A shared server scopes ratings per key: the key rides on every call, outbox flushes too.
    headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else None
    client = http or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, headers=headers)
    return RemoteRecommender(
        api_url,
        client,
        LocalRecommender.from_services(services),
        Outbox(OutboxStore(services.db)),
        owns_http=http is None,
    )


#: Recommender implementations by name. Add one here; nothing else branches on the name.
RECOMMENDERS: Final[Mapping[str, RecommenderFactory]] = {"local": _local, "remote": _remote}


def recommender_kind(api_url: str | None) -> str:
    """``local`` for no API URL (``Settings`` already maps ``'local'`` to None), else ``remote``."""
    return "local" if api_url is None else "remote"


def open_recommender(
    services: Services, *, http: httpx.AsyncClient | None = None, kind: str | None = None
) -> Recommender:
    """The recommender the settings ask for (or ``kind``). Close it with ``aclose()``."""
    name = kind or recommender_kind(services.settings.api_url)
    return RECOMMENDERS[name](services, http)


__all__ = [
    "RECOMMENDERS",
    "FeedbackAdjuster",
    "LocalRecommender",
    "OutcomeReport",
    "Recommender",
    "RecommenderFactory",
    "RemoteRecommender",
    "Routed",
    "SpawnLogEntry",
    "open_recommender",
    "recommender_kind",
]
