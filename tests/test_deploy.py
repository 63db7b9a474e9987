"""docker-compose.yml, parsed (docker cannot run here): N API replicas, PostgreSQL, Redis and a
reverse proxy that sets X-Forwarded-For, wired to settings the API really has."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from smart_spawn_plugin.settings import ServerSettings

ROOT = Path(__file__).resolve().parents[1]


def _interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` with the defaults (no variables set)."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_replicas_database_cache_and_proxy() -> None:
    services = _compose()["services"]
    assert set(services) == {"api", "proxy", "postgres", "redis"}
    assert int(_interpolate(str(services["api"]["deploy"]["replicas"]))) >= 2
    assert services["api"]["build"] == "."
    assert (ROOT / "Dockerfile").is_file()
    for dep in ("postgres", "redis"):
        assert services["api"]["depends_on"][dep]["condition"] == "service_healthy"
        assert "healthcheck" in services[dep]
    assert "/api/ready" in " ".join(services["api"]["healthcheck"]["test"])


def test_api_environment_is_valid_settings_pointing_at_the_services(monkeypatch) -> None:
    services = _compose()["services"]
    env = {k: _interpolate(str(v)) for k, v in services["api"]["environment"].items()}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = ServerSettings()
    assert settings.database_url is not None
    assert "@postgres:5432/" in settings.database_url.get_secret_value()
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value().startswith("redis://redis:6379")
    proxy_ip = services["proxy"]["networks"]["backend"]["ipv4_address"]
    assert settings.trusted_proxies == [proxy_ip]
    subnet = _compose()["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert proxy_ip.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]


def test_proxy_forwards_to_the_api_port_and_sets_x_forwarded_for() -> None:
    services = _compose()["services"]
    mount = services["proxy"]["volumes"][0].split(":")[0]
    conf = (ROOT / mount).read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    port = re.search(r"server api:(\d+)", conf)
    assert port is not None
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f'"--port", "{port.group(1)}"' in dockerfile
    assert '"--host", "0.0.0.0"' in dockerfile
    assert "[server,scale]" in dockerfile
