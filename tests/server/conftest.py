"""Fixtures: a temp-home ``Services`` (catalog from the bundled snapshot) and an in-process
client over the app (``httpx.ASGITransport``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.server.config import ServerConfig
from smart_spawn_plugin.services import Services
from tests.server.helpers import client_for


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    with Services.open(home=tmp_path) as opened:
        opened.catalog.current()
        yield opened


MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_app(services: Services) -> MakeApp:
    """``make_app(**config_fields)`` → an app over the test services (no access log)."""

    def make(services_: Services | None = None, **fields: Any) -> FastAPI:
        fields.setdefault("access_log", False)
        fields.setdefault("background_refresh", False)
        return create_app(services_ or services, ServerConfig(**fields))

    return make


@pytest.fixture
def app(make_app: MakeApp) -> FastAPI:
    return make_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c
