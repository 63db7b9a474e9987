"""Fixtures: a temp-home ``Runtime`` (catalog from the bundled snapshot) and an in-process
client over the app (``httpx.ASGITransport``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import Api, create_app
from smart_spawn_plugin.settings import ServerSettings
from tests.conftest import SeedHome
from tests.server.helpers import client_for


@pytest.fixture
def services(tmp_path: Path, seed_home: SeedHome) -> Iterator[Runtime]:
    with Runtime.open(home=seed_home(tmp_path)) as opened:
        opened.catalog.current()
        yield opened


MakeApp = Callable[..., Api]


@pytest.fixture
def make_app(services: Runtime) -> MakeApp:
    """``make_app(**config_fields)`` → an app over the test services (no access log)."""

    def make(services_: Runtime | None = None, **fields: Any) -> Api:
        fields.setdefault("access_log", False)
        fields.setdefault("background_refresh", False)
        return create_app(services_ or services, ServerSettings(**fields))

    return make


@pytest.fixture
def app(make_app: MakeApp) -> Api:
    return make_app()


@pytest.fixture
async def client(app: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c
