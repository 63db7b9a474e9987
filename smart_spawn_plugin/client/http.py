"""The process's HTTP client for the routing API: its timeout and the bearer key scoped to it.

Imported when the runtime first needs an HTTP client (a remote pick, a feedback flush), so a
local pick never loads httpx. The runtime (:mod:`smart_spawn_plugin.runtime`) owns the client.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Final

import httpx

DEFAULT_HTTP_TIMEOUT: Final = httpx.Timeout(10.0, connect=3.0)


class ApiKeyAuth(httpx.Auth):
    """``Authorization: Bearer <key>`` on requests to the routing API (``api_url`` and below),
    and on nothing else."""

    def __init__(self, api_url: str, key: str) -> None:
        self._prefix = api_url.rstrip("/")
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = str(request.url)
        if url == self._prefix or url.startswith(self._prefix + "/"):
            request.headers["Authorization"] = f"Bearer {self._key}"
        yield request


def new_client() -> httpx.AsyncClient:
    """A client with the routing API's timeouts (authenticate it with :class:`ApiKeyAuth`)."""
    return httpx.AsyncClient(timeout=DEFAULT_HTTP_TIMEOUT)
