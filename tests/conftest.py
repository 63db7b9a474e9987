"""Isolation for every test: a temporary SMART_SPAWN_HOME and no SMART_SPAWN_* or provider keys
from the developer's environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SMART_SPAWN_") or name in {
            "OPENROUTER_API_KEY",
            "ARTIFICIAL_ANALYSIS_API_KEY",
            "REFRESH_API_KEY",
        }:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMART_SPAWN_HOME", str(tmp_path / "home"))
