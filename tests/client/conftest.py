"""Fixtures: a temp-home ``Runtime`` (bundled snapshot catalog) and a local recommender."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.runtime import Runtime
from tests.conftest import SeedHome


@pytest.fixture
def services(tmp_path: Path, seed_home: SeedHome) -> Iterator[Runtime]:
    with Runtime.open(home=seed_home(tmp_path / "store")) as opened:
        opened.catalog.current()
        yield opened


@pytest.fixture
def local(services: Runtime) -> LocalRecommender:
    return services.local
