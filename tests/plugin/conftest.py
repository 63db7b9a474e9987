"""Fixtures: the fake OpenAI server and a gateway builder with smart-spawn registered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.settings import GatewaySettings, PluginEntry, Settings
from tests.conftest import SeedHome
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        server.default = FakeReply(content="done", cost=0.002, prompt_tokens=40)
        yield server


@pytest.fixture
def make_gateway(
    tmp_path: Path, fake_openai: FakeOpenAIServer, seed_home: SeedHome, warm_home: Path
) -> Any:
    """``make_gateway(plugin, **plugin_config)`` → a Gateway (not started) over the fake.

    Both the gateway's home and the environment's (``warm_home``) hold the built catalog."""

    def make(plugin: object, **config: Any) -> Gateway:
        settings = Settings(
            home=seed_home(tmp_path / "store"),
            baseUrl=fake_openai.base_url,
            executorApiKey="sk-test",
            spawnTimeout=10,
        )
        entries = {"smart-spawn": PluginEntry(config=config)} if config else {}
        return Gateway(settings, plugins=[plugin], config=GatewaySettings(plugins=entries))

    return make
