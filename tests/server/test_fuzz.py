"""Schema-driven fuzzing: parameters and bodies generated from the app's own OpenAPI document,
mixed with hostile values. No response may be a 5xx, and every request must finish (a request
that never returns fails through the guard below, which is a hang check, not a timing check)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import Api, create_app
from smart_spawn_plugin.settings import ServerSettings

HANG_GUARD_S = 60.0

hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "Infinity",
            "-1",
            "0",
            "1e309",
            "9" * 400,
            "null",
            "true",
            "a\x00b",
            "openrouter/",
            "coding",
            "vision",
            "any",
            "x/y,z/w",
            ",,,",
            "\u202e",
            "🙂" * 60,
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _value_for(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [json_value]
    for sub in [*schema.get("anyOf", []), schema]:
        if "enum" in sub:
            options.append(st.sampled_from(sub["enum"]))
        if "const" in sub:
            options.append(st.just(sub["const"]))
        kind = sub.get("type")
        if kind == "integer":
            options.append(st.integers(min_value=-10, max_value=10**7))
        elif kind == "string":
            options.append(hostile_text)
        elif kind == "number":
            options.append(st.floats(allow_nan=False, allow_infinity=False))
    return st.one_of(*options)


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, dict[str, Any]]]:
    with Runtime.open(home=tmp_path_factory.mktemp("fuzz")) as services:
        services.catalog.current()
        config = ServerSettings(access_log=False, rate_limit=10**9, background_refresh=False)
        app = create_app(services, config)
        yield app, app.openapi()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    ops = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path.endswith("/refresh"):
                continue  # starts real background work; covered by test_refresh
            ops.append((method.upper(), path, op))
    return ops


@st.composite
def requests(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
    method, path, op = draw(st.sampled_from(_operations(doc)))
    if draw(st.booleans()):
        path = path.removeprefix("/api") or "/"
    params: dict[str, Any] = {}
    for param in op.get("parameters", []):
        if draw(st.booleans()):
            value = draw(_value_for(param.get("schema", {})))
            params[param["name"]] = value if isinstance(value, str) else json.dumps(value)
    body: Any = None
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is not None:
        props = content["schema"].get("properties", {})
        body = {
            name: draw(_value_for(schema)) for name, schema in props.items() if draw(st.booleans())
        }
        if draw(st.integers(0, 9)) == 0:
            body = draw(json_value)
    return method, path, params, body


def test_openapi_driven_fuzz_no_5xx(fuzz_env: tuple[Api, dict[str, Any]]) -> None:
    app, doc = fuzz_env
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fuzz")

    @settings(
        max_examples=400,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        method, path, params, body = data.draw(requests(doc))
        call = client.request(
            method,
            path,
            params=params,
            content=None if body is None else json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )
        response = loop.run_until_complete(asyncio.wait_for(call, HANG_GUARD_S))
        assert response.status_code < 500, (method, path, params, body, response.text)
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}
            assert response.headers["cache-control"] == "no-store"

    try:
        run()
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
