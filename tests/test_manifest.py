"""manifest.json is generated from code and kept equal to it: configSchema from Settings,
version from the package, tools from the registered tools, skills that exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smart_spawn_plugin import __version__
from smart_spawn_plugin.plugin import PLUGIN_ID, manifest
from smart_spawn_plugin.settings import Settings, config_schema
from smart_spawn_plugin.tools import TOOL_NAMES

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL_KEYS = {
    "apiUrl", "defaultBudget", "defaultMode", "collectiveCount", "telemetryOptIn", "communityUrl",
}  # fmt: skip
REGENERATE = (
    ".venv/bin/python -c 'import json; from smart_spawn_plugin.plugin import manifest; "
    "print(json.dumps(manifest().wire(), indent=2, ensure_ascii=False))' > manifest.json"
)


def _file() -> dict[str, object]:
    data: dict[str, object] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    return data


def test_manifest_file_equals_the_generated_manifest() -> None:
    assert _file() == manifest().wire(), f"manifest.json is stale; regenerate: {REGENERATE}"


def test_config_schema_is_generated_from_settings() -> None:
    data = _file()
    assert data["configSchema"] == config_schema()
    schema = config_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) >= ORIGINAL_KEYS


def test_identity_tools_and_skills() -> None:
    data = _file()
    assert data["id"] == PLUGIN_ID == "smart-spawn"
    assert data["version"] == __version__
    assert data["name"] and data["description"]
    assert data["tools"] == list(TOOL_NAMES)
    skills = data["skills"]
    assert isinstance(skills, list) and skills
    for skill in skills:
        assert (ROOT / str(skill) / "SKILL.md").is_file()


def test_secrets_are_marked_sensitive() -> None:
    props = config_schema()["properties"]
    assert props["openrouterApiKey"]["sensitive"] is True


def test_no_machine_specific_value_ships(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest is the same for every user: the home is ``~/.smart-spawn``, never the
    generating machine's path, and a different HOME generates the same schema."""
    text = (ROOT / "manifest.json").read_text(encoding="utf-8")
    assert str(Path.home()) not in text
    assert _file()["configSchema"]["properties"]["dataDir"]["default"] == "~/.smart-spawn"
    before = config_schema()
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_schema() == before
    assert Settings(dataDir="~/.smart-spawn").home == tmp_path / ".smart-spawn"
