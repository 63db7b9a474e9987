"""Seeding helpers: a services object with providers configured, and spawn-log rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.store.db import utc_now
from smart_spawn_plugin.store.spawnlog import SpawnLogStore, SpawnRecord


def open_services(home: Path, **providers: Any) -> Runtime:
    return Runtime.open(
        Settings(home=home, openrouter_api_key="sk-or-test-000000", providers=providers)
    )


def seed(
    services: Runtime,
    model: str,
    *,
    hours_ago: float = 1.0,
    cost: float | None = None,
    prompt: int = 1000,
    completion: int = 500,
    category: str = "coding",
    role: str = "primary",
    status: str = "ok",
    now: datetime | None = None,
) -> None:
    at = (now or utc_now()) - timedelta(hours=hours_ago)
    SpawnLogStore(services.db).log(
        SpawnRecord(
            model=model,
            category=category,  # type: ignore[arg-type]
            role=role,
            status=status,  # type: ignore[arg-type]
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost,
            prompt_price=2.0,
            completion_price=12.0,
            created_at=at,
        )
    )
