"""The shipped skills: valid frontmatter (host-contract §A.8), and every tool and endpoint they
name exists (tools: registered by the plugin; endpoints: routes of our server app)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.plugin import SKILLS, SmartSpawnPlugin
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: Optional frontmatter keys OpenClaw understands (besides the required name and description).
OPTIONAL_KEYS = {
    "homepage", "user-invocable", "disable-model-invocation", "command-dispatch", "command-tool",
    "command-arg-mode", "metadata",
}  # fmt: skip
TOOL_RE = re.compile(r"`(smart_spawn\w*|sessions_\w+)`|\b(smart_spawn\w*|sessions_spawn)\(")
ENDPOINT_RE = re.compile(r"(?:GET|POST)\s+(?:\{api\})?(/[a-z/-]+)|\{api\}(/[a-z/-]+)|`(/[a-z/-]+)`")
#: Tools the host itself provides (OpenClaw session tools), not the plugin.
HOST_TOOLS = {"sessions_spawn", "sessions_history"}


def _split(path: Path) -> tuple[dict[str, object], str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.DOTALL)
    assert match, f"{path}: no frontmatter"
    front = yaml.safe_load(match.group(1))
    assert isinstance(front, dict)
    return front, match.group(2)


@pytest.mark.parametrize("skill", SKILLS)
def test_frontmatter_is_valid(skill: str) -> None:
    front, body = _split(ROOT / skill / "SKILL.md")
    assert front["name"] == skill.rsplit("/", 1)[-1]
    assert isinstance(front["description"], str) and len(front["description"]) > 40
    assert set(front) - {"name", "description"} <= OPTIONAL_KEYS
    metadata = front.get("metadata")
    assert metadata is None or (
        isinstance(metadata, dict) and isinstance(metadata["openclaw"], dict)
    )
    assert body.strip().startswith("# ")


def test_plugin_skill_is_gated_on_the_plugin() -> None:
    front, _ = _split(ROOT / "skills/smart-spawn/SKILL.md")
    requires = front["metadata"]["openclaw"]["requires"]  # type: ignore[index]
    assert "plugins.entries.smart-spawn.enabled" in requires["config"]


def test_every_tool_named_exists(tmp_path: Path) -> None:
    gateway = Gateway(Settings(home=tmp_path), plugins=[SmartSpawnPlugin()])
    registered = set(gateway.tools)
    for skill in SKILLS:
        _, body = _split(ROOT / skill / "SKILL.md")
        named = {a or b for a, b in TOOL_RE.findall(body)}
        unknown = named - registered - HOST_TOOLS
        assert not unknown, f"{skill} names tools that do not exist: {unknown}"
    _, body = _split(ROOT / "skills/smart-spawn/SKILL.md")
    assert {"smart_spawn", "smart_spawn_feedback", "sessions_spawn"} <= set(
        a or b for a, b in TOOL_RE.findall(body)
    )


def test_every_endpoint_named_exists(tmp_path: Path) -> None:
    from smart_spawn_plugin.server.app import create_app

    with Runtime.open(home=tmp_path) as services:
        paths = set(create_app(services).openapi()["paths"])
    routes = paths | {p.removeprefix("/api") for p in paths}
    _, body = _split(ROOT / "skills/smart-spawn-api/SKILL.md")
    named = {a or b or c for a, b, c in ENDPOINT_RE.findall(body)}
    assert {"/pick", "/recommend", "/decompose", "/swarm", "/roles/compose"} <= named
    unknown = {n for n in named if n.rstrip("/") not in routes}
    assert not unknown, f"smart-spawn-api names endpoints that do not exist: {unknown}"


def test_api_skill_port_is_the_serve_default() -> None:
    """The API skill's self-hosted URL uses the port ``smart-spawn serve`` listens on."""
    from smart_spawn_plugin.settings import DEFAULT_PORT

    _, body = _split(ROOT / "skills/smart-spawn-api/SKILL.md")
    ports = {int(p) for p in re.findall(r"(?:127\.0\.0\.1|localhost):(\d+)", body)}
    assert ports == {DEFAULT_PORT}
