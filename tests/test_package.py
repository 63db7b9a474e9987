"""The package's entry-point helpers."""

from __future__ import annotations

import os

import pytest

from smart_spawn_plugin import skip_pydantic_plugin_scan


def test_plugin_scan_is_skipped_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # restored afterwards, whatever it was
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
    skip_pydantic_plugin_scan()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # the user wants every plugin
    skip_pydantic_plugin_scan()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""
