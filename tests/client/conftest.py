"""Fixtures: a temp-home ``Services`` (bundled snapshot catalog) and a local recommender."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smart_spawn_plugin.client.local import LocalRecommender
from smart_spawn_plugin.services import Services


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    with Services.open(home=tmp_path / "store") as opened:
        opened.catalog.current()
        yield opened


@pytest.fixture
def local(services: Services) -> LocalRecommender:
    return LocalRecommender.from_services(services)
