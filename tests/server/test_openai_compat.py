"""The OpenAI-compatible endpoint, driven by the official ``openai`` SDK against the app served by
uvicorn on 127.0.0.1, with a fake OpenAI-compatible upstream on 127.0.0.1 (the outside boundary).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.server.app import create_app
from smart_spawn_plugin.settings import ServerSettings
from smart_spawn_plugin.store.spawnlog import SpawnLogStore
from tests.fakes.live_server import LiveServer
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply, FakeToolCall

CODING_TASK = "Write a Python function that parses ISO-8601 dates with time zones, with tests"


@pytest.fixture
def upstream() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        server.default = FakeReply(content="the routed answer", prompt_tokens=40)
        yield server


def _runtime(tmp_path: Path, upstream: FakeOpenAIServer, **overrides: Any) -> Runtime:
    return Runtime.open(
        home=tmp_path / "home",
        recommender="local",
        base_url=upstream.base_url,
        executor_api_key="upstream-secret-123456",
        openrouter_api_key=None,
        **overrides,
    )


class Live:
    def __init__(self, runtime: Runtime, server: LiveServer) -> None:
        self.runtime = runtime
        self.server = server
        self.client = OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)

    def route(self, response: Any) -> dict[str, Any]:
        return dict(json.loads(response.headers["x-smart-spawn-route"]))


def _serve(runtime: Runtime, **config: Any) -> LiveServer:
    config.setdefault("access_log", False)
    config.setdefault("background_refresh", False)
    return LiveServer(create_app(runtime, ServerSettings(**config)), cleanup=runtime.aclose_http)


@pytest.fixture
def live(
    tmp_path: Path, upstream: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Live]:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    runtime = _runtime(tmp_path, upstream)
    with _serve(runtime) as server:
        yield Live(runtime, server)
    runtime.close()


def _ask(live: Live, text: str = CODING_TASK, **kwargs: Any) -> Any:
    return live.client.chat.completions.with_raw_response.create(
        model="smart-spawn/auto", messages=[{"role": "user", "content": text}], **kwargs
    )


def test_plain_completion_is_routed_and_says_so(live: Live, upstream: FakeOpenAIServer) -> None:
    raw = _ask(live, temperature=0.2, response_format={"type": "json_object"}, seed=7)
    answer = raw.parse()
    route = live.route(raw)
    assert answer.choices[0].message.content == "the routed answer"
    assert answer.model == route["model"] != "smart-spawn/auto"
    assert route["category"] == "coding"
    assert route["budget"] == "medium"
    assert route["kind"] == "routed" and route["reason"]
    assert route["fallbacksUsed"] == []
    sent = upstream.requests[-1]
    # the body passes through: only the model id changes
    assert sent.body["model"] == answer.model
    assert sent.body["temperature"] == 0.2
    assert sent.body["response_format"] == {"type": "json_object"}
    assert sent.body["seed"] == 7
    assert sent.headers["authorization"] == "Bearer upstream-secret-123456"


def test_streaming_relays_every_token_with_the_answering_model(
    live: Live, upstream: FakeOpenAIServer
) -> None:
    stream = live.client.chat.completions.create(
        model="smart-spawn/auto",
        messages=[{"role": "user", "content": CODING_TASK}],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "the routed answer"
    models = {c.model for c in chunks}
    assert len(models) == 1 and "smart-spawn/auto" not in models
    # usage was requested upstream for the spawn log, but not by the client: not relayed
    assert upstream.requests[-1].body["stream_options"] == {"include_usage": True}
    assert all(c.usage is None for c in chunks)


def test_tool_call_round_trip(live: Live, upstream: FakeOpenAIServer) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "run_tests",
                "description": "Run the test suite",
                "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
            },
        }
    ]
    first = _ask(live)  # learn which model the task routes to
    model = live.route(first)["model"]
    upstream.script(
        model,
        FakeReply(content=None, tool_calls=(FakeToolCall("run_tests", {"path": "tests/"}),)),
        FakeReply(content="all 12 tests pass"),
    )
    messages: list[Any] = [{"role": "user", "content": CODING_TASK}]
    reply = live.client.chat.completions.create(
        model="smart-spawn/auto", messages=messages, tools=tools, tool_choice="auto"
    )
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "run_tests"
    assert json.loads(call.function.arguments) == {"path": "tests/"}
    messages += [
        reply.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "12 passed"},
    ]
    final = live.client.chat.completions.create(
        model="smart-spawn/auto", messages=messages, tools=tools
    )
    assert final.choices[0].message.content == "all 12 tests pass"
    sent = upstream.requests[-1].body
    assert sent["tools"] == tools
    assert sent["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "12 passed"}


def test_a_429_falls_back_to_the_next_model_and_the_header_says_so(
    live: Live, upstream: FakeOpenAIServer
) -> None:
    first = live.route(_ask(live))["model"]
    upstream.script(first, FakeReply(status=429, error_message="slow down"))
    raw = _ask(live)
    route = live.route(raw)
    assert raw.parse().model == route["model"] != first
    assert len(route["fallbacksUsed"]) == 1
    assert first in route["fallbacksUsed"][0] and "429" in route["fallbacksUsed"][0]
    assert [r.model for r in upstream.requests[-2:]] == [first, route["model"]]


def test_a_stream_falls_back_before_its_first_token(live: Live, upstream: FakeOpenAIServer) -> None:
    first = live.route(_ask(live))["model"]
    upstream.script(first, FakeReply(status=503))
    raw = live.client.chat.completions.with_raw_response.create(
        model="smart-spawn/auto", messages=[{"role": "user", "content": CODING_TASK}], stream=True
    )
    route = live.route(raw)
    chunks = list(raw.parse())
    assert route["model"] != first and "503" in route["fallbacksUsed"][0]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "the routed answer"
    )


def test_a_failure_after_tokens_reaches_the_client(live: Live, upstream: FakeOpenAIServer) -> None:
    first = live.route(_ask(live))["model"]
    upstream.script(first, FakeReply(content="one two three four", stream_fail_after=2))
    stream = live.client.chat.completions.create(
        model="smart-spawn/auto", messages=[{"role": "user", "content": CODING_TASK}], stream=True
    )
    seen: list[str] = []

    def drain() -> None:
        for chunk in stream:
            seen.extend(c.delta.content or "" for c in chunk.choices)

    with pytest.raises(openai.APIError, match="after tokens were sent"):
        drain()
    assert "".join(seen) == "one two"
    # no fallback after tokens: the next model was never asked
    assert [r.model for r in upstream.requests].count(first) == 2
    rows = SpawnLogStore(live.runtime.db).rows()
    assert rows[-1].status == "error" and rows[-1].model == first


def test_every_candidate_failing_is_a_502_listing_them(
    live: Live, upstream: FakeOpenAIServer
) -> None:
    upstream.default = FakeReply(status=500, error_message="down")
    with pytest.raises(openai.APIStatusError) as caught:
        _ask(live)
    assert caught.value.status_code == 502
    assert "every candidate failed" in str(caught.value)


def test_a_request_the_provider_refuses_is_passed_on_not_retried(
    live: Live, upstream: FakeOpenAIServer
) -> None:
    upstream.default = FakeReply(status=400, error_message="tools[0] is not a valid schema")
    with pytest.raises(openai.BadRequestError, match="not a valid schema"):
        _ask(live)
    assert len(upstream.requests) == 1


def test_a_context_length_error_falls_back(live: Live, upstream: FakeOpenAIServer) -> None:
    first = live.route(_ask(live))["model"]
    upstream.script(
        first, FakeReply(status=400, error_message="This model's maximum context length is 8192")
    )
    route = live.route(_ask(live))
    assert route["model"] != first and "maximum context length" in route["fallbacksUsed"][0]


def test_short_messages_and_slash_commands_go_to_the_passthrough_model(
    tmp_path: Path, upstream: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    runtime = _runtime(tmp_path, upstream, passthrough_model="openai/gpt-4o-mini")
    with _serve(runtime) as server:
        live = Live(runtime, server)
        for text in ("thanks!", "/help me write a sorting algorithm in rust please"):
            route = live.route(_ask(live, text))
            assert route["kind"] == "passthrough"
            assert route["model"] == "openai/gpt-4o-mini"
        assert live.route(_ask(live))["kind"] == "routed"
    runtime.close()


def test_the_routing_card_heads_the_answer_only_when_on(
    tmp_path: Path, upstream: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    runtime = _runtime(tmp_path, upstream, show_routing_card=True)
    with _serve(runtime) as server:
        live = Live(runtime, server)
        raw = _ask(live)
        model = live.route(raw)["model"]
        content = raw.parse().choices[0].message.content
        assert content.startswith(f"> smart-spawn → {model} (coding, medium budget, score ")
        assert content.endswith("\n\nthe routed answer")
        stream = live.client.chat.completions.create(
            model="smart-spawn/auto",
            messages=[{"role": "user", "content": CODING_TASK}],
            stream=True,
        )
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text.startswith(f"> smart-spawn → {model}") and text.endswith("the routed answer")
        named = live.client.chat.completions.create(
            model="openai/gpt-4o", messages=[{"role": "user", "content": CODING_TASK}]
        )
        assert named.choices[0].message.content == "the routed answer"  # no card: not routed
    runtime.close()


def test_without_the_card_the_answer_is_untouched(live: Live) -> None:
    assert _ask(live).parse().choices[0].message.content == "the routed answer"


def test_a_catalog_id_passes_straight_through(live: Live, upstream: FakeOpenAIServer) -> None:
    raw = live.client.chat.completions.with_raw_response.create(
        model="openai/gpt-4o", messages=[{"role": "user", "content": CODING_TASK}]
    )
    assert live.route(raw)["kind"] == "direct"
    assert raw.parse().model == "openai/gpt-4o" == upstream.requests[-1].model


def test_models_lists_the_routed_models_then_the_catalog(live: Live) -> None:
    ids = [m.id for m in live.client.models.list()]
    assert ids[:5] == [
        "smart-spawn/auto",
        "smart-spawn/auto-low",
        "smart-spawn/auto-medium",
        "smart-spawn/auto-high",
        "smart-spawn/auto-any",
    ]
    catalog = {m.id for m in live.runtime.catalog.current().models}
    assert set(ids[5:]) == catalog and len(catalog) > 20


def test_a_routed_call_is_logged_with_its_cost_and_a_rating_changes_the_next_route(
    live: Live, upstream: FakeOpenAIServer
) -> None:
    raw = _ask(live)
    route = live.route(raw)
    rows = SpawnLogStore(live.runtime.db).rows()
    row = rows[-1]
    assert (row.model, row.category, row.status, row.source) == (
        route["model"],
        "coding",
        "ok",
        "openai",
    )
    assert (row.prompt_tokens, row.completion_tokens) == (40, 5)
    price = live.runtime.price_of(route["model"])
    assert price is not None and row.cost_usd == pytest.approx((40 * price[0] + 5 * price[1]) / 1e6)
    assert row.duration_ms is not None and row.run_id == route["runId"]
    for _ in range(5):
        rated = httpx.post(
            live.server.base_url + "/api/spawn-log/outcome",
            json={"model": route["model"], "category": "coding", "rating": 1},
        )
        assert rated.status_code == 200, rated.text
    assert live.route(_ask(live))["model"] != route["model"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "smart-spawn/auto"}, "messages"),
        ({"model": "smart-spawn/auto", "messages": []}, "messages"),
        ({"model": "smart-spawn/auto", "messages": [{"role": "wizard", "content": "x"}]}, "role"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
    ],
)
def test_bad_bodies_are_400s_naming_the_field(live: Live, body: dict[str, Any], field: str) -> None:
    response = httpx.post(live.server.base_url + "/v1/chat/completions", json=body)
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]


def test_auth_and_rate_limits_are_the_apis(
    tmp_path: Path, upstream: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    runtime = _runtime(tmp_path, upstream)
    with _serve(runtime, api_keys=["team-key-1"], rate_limit=3) as server:
        anonymous = OpenAI(base_url=server.base_url + "/v1", api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            anonymous.models.list()
        client = OpenAI(base_url=server.base_url + "/v1", api_key="team-key-1", max_retries=0)
        answer = client.chat.completions.create(
            model="smart-spawn/auto", messages=[{"role": "user", "content": CODING_TASK}]
        )
        assert answer.choices[0].message.content == "the routed answer"

        def hammer() -> None:
            for _ in range(5):
                client.models.list()

        with pytest.raises(openai.RateLimitError):
            hammer()
    runtime.close()


def test_a_key_quoted_by_a_provider_never_reaches_the_client(
    live: Live, upstream: FakeOpenAIServer
) -> None:
    upstream.default = FakeReply(status=400, error_message="key upstream-secret-123456 is bad")
    with pytest.raises(openai.BadRequestError) as caught:
        _ask(live)
    assert "upstream-secret-123456" not in str(caught.value)
    assert "[REDACTED]" in str(caught.value)
    upstream.default = FakeReply(status=503, error_message="upstream-secret-123456 overloaded")
    with pytest.raises(openai.APIStatusError) as failed:
        _ask(live)
    assert "upstream-secret-123456" not in str(failed.value)


def test_a_timeout_falls_back(
    tmp_path: Path, upstream: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    runtime = _runtime(tmp_path, upstream, spawn_timeout=1.0)
    with _serve(runtime) as server:
        live = Live(runtime, server)
        first = live.route(_ask(live))["model"]
        upstream.script(first, FakeReply(delay=5.0))
        route = live.route(_ask(live))
        assert route["model"] != first
        assert "no answer within 1s" in route["fallbacksUsed"][0]
    runtime.close()


def test_a_streamed_tool_call_reaches_the_client(live: Live, upstream: FakeOpenAIServer) -> None:
    model = live.route(_ask(live))["model"]
    call = FakeToolCall("run_tests", {"path": "tests/"}, id="call_1")
    upstream.script(model, FakeReply(content=None, tool_calls=(call,)))
    stream = live.client.chat.completions.create(
        model="smart-spawn/auto",
        messages=[{"role": "user", "content": CODING_TASK}],
        tools=[{"type": "function", "function": {"name": "run_tests", "parameters": {}}}],
        stream=True,
    )
    chunks = list(stream)
    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert [(tc.id, tc.function.name) for tc in calls] == [("call_1", "run_tests")]
    assert json.loads(calls[0].function.arguments) == {"path": "tests/"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_an_oversized_answer_is_refused_and_the_next_model_answers(
    tmp_path: Path, upstream: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    runtime = _runtime(tmp_path, upstream, providers={"maxResponseBytes": 2048})
    with _serve(runtime) as server:
        live = Live(runtime, server)
        first = live.route(_ask(live))["model"]
        upstream.script(first, FakeReply(content="word " * 1000))
        route = live.route(_ask(live))
        assert route["model"] != first
        assert "larger than 2048 bytes" in route["fallbacksUsed"][0]
        upstream.script(route["model"], FakeReply(content="word " * 1000))
        upstream.script(first, FakeReply(content="word " * 1000))
        stream = live.client.chat.completions.create(
            model="smart-spawn/auto",
            messages=[{"role": "user", "content": CODING_TASK}],
            stream=True,
        )
        with pytest.raises(openai.APIError, match="larger than 2048 bytes"):
            list(stream)
    runtime.close()
