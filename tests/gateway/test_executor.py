"""The OpenAI-compatible executor against the fake server (and MockTransport for OpenRouter)."""

from __future__ import annotations

import json

import httpx
import pytest

from smart_spawn_plugin.contract import FunctionDef, FunctionTool
from smart_spawn_plugin.errors import UpstreamError
from smart_spawn_plugin.gateway.executor import OpenAICompatExecutor, wire_model_id
from smart_spawn_plugin.gateway.messages import ChatMessage
from smart_spawn_plugin.settings import Settings
from tests.fakes.openai_server import FakeOpenAIServer, FakeReply, FakeToolCall

MESSAGES = [ChatMessage.system("be brief"), ChatMessage.user("hi")]


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def make(server: FakeOpenAIServer, **kwargs: object) -> OpenAICompatExecutor:
    kwargs.setdefault("sleep", Sleeps())
    return OpenAICompatExecutor(server.base_url, "sk-test", **kwargs)  # type: ignore[arg-type]


async def test_completion_with_usage_cost(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(
        "vendor/model",
        FakeReply(content="hello", prompt_tokens=100, completion_tokens=20, cost=0.0123),
    )
    executor = make(fake_openai)
    try:
        done = await executor.complete("openrouter/vendor/model", MESSAGES, max_tokens=50)
    finally:
        await executor.aclose()
    assert done.content == "hello"
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (100, 20)
    assert done.usage.total_tokens == 120
    assert done.cost_usd == pytest.approx(0.0123)
    assert done.finish_reason == "stop"
    sent = fake_openai.requests[0]
    assert sent.model == "vendor/model"  # openrouter/ prefix stripped for a non-OpenRouter URL
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.body["max_tokens"] == 50
    assert "usage" not in sent.body  # deprecated by OpenRouter; usage comes back anyway
    assert sent.body["messages"][0] == {"role": "system", "content": "be brief"}


async def test_cost_from_price_lookup_when_usage_has_none(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = FakeReply(prompt_tokens=1_000_000, completion_tokens=500_000)
    prices = {"local/llama": (0.5, 2.0)}
    executor = make(fake_openai, price_lookup=prices.get)
    done = await executor.complete("local/llama", MESSAGES)
    unknown = await executor.complete("other/model", MESSAGES)
    await executor.aclose()
    assert done.cost_usd == pytest.approx(0.5 + 1.0)
    assert unknown.cost_usd is None  # unknown is not free


async def test_429_then_200_is_retried_with_retry_after(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(
        "m", FakeReply(status=429, headers={"Retry-After": "0.25"}), FakeReply(content="ok")
    )
    sleeps = Sleeps()
    executor = make(fake_openai, sleep=sleeps)
    done = await executor.complete("m", MESSAGES)
    await executor.aclose()
    assert done.content == "ok"
    assert len(fake_openai.requests) == 2
    assert sleeps.delays == [0.25]


async def test_5xx_backs_off_exponentially_then_gives_up(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.always("m", FakeReply(status=503, error_message="no provider"))
    sleeps = Sleeps()
    executor = make(fake_openai, sleep=sleeps, backoff=0.1)
    with pytest.raises(UpstreamError) as info:
        await executor.complete("m", MESSAGES)
    await executor.aclose()
    assert info.value.retryable
    assert info.value.status_code == 503
    assert "no provider" in info.value.message
    assert len(fake_openai.requests) == 3  # 1 + max 2 retries
    assert sleeps.delays == [0.1, 0.2]


async def test_400_is_not_retried_and_keeps_the_provider_message(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.script("m", FakeReply(status=400, error_message="model not found: m"))
    executor = make(fake_openai)
    with pytest.raises(UpstreamError) as info:
        await executor.complete("m", MESSAGES)
    await executor.aclose()
    assert not info.value.retryable
    assert info.value.status_code == 400
    assert "model not found: m" in info.value.message
    assert len(fake_openai.requests) == 1


async def test_malformed_json_is_an_upstream_error(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("m", FakeReply(raw="{not json"))
    executor = make(fake_openai)
    with pytest.raises(UpstreamError, match="malformed"):
        await executor.complete("m", MESSAGES)
    await executor.aclose()


async def test_error_in_a_200_body_is_an_upstream_error(fake_openai: FakeOpenAIServer) -> None:
    body = {"error": {"code": 502, "message": "provider crashed mid-stream"}}
    fake_openai.always("m", FakeReply(raw=json.dumps(body)))
    executor = make(fake_openai, max_retries=0)
    with pytest.raises(UpstreamError, match="mid-stream") as info:
        await executor.complete("m", MESSAGES)
    await executor.aclose()
    assert info.value.retryable


async def test_overall_deadline_is_a_retryable_upstream_error(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.always("m", FakeReply(delay=2.0))
    executor = make(fake_openai, timeout=0.2)
    with pytest.raises(UpstreamError) as info:
        await executor.complete("m", MESSAGES)
    await executor.aclose()
    assert info.value.retryable


async def test_tool_calls_are_parsed(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(
        "m", FakeReply(content=None, tool_calls=(FakeToolCall("lookup", {"q": "x"}, id="c1"),))
    )
    tool = FunctionTool(function=FunctionDef(name="lookup", description="d", parameters={}))
    executor = make(fake_openai)
    done = await executor.complete("m", MESSAGES, tools=[tool])
    await executor.aclose()
    assert done.content == ""
    assert done.finish_reason == "tool_calls"
    assert done.tool_calls[0].id == "c1"
    assert done.tool_calls[0].parsed_arguments() == {"q": "x"}
    assert fake_openai.requests[0].body["tools"][0]["function"]["name"] == "lookup"


@pytest.mark.parametrize(
    ("model", "openrouter", "sent"),
    [
        ("openrouter/anthropic/claude", True, "anthropic/claude"),
        ("openrouter/auto", True, "openrouter/auto"),
        ("openrouter/auto", False, "auto"),
        ("llama3.1:8b", False, "llama3.1:8b"),
    ],
)
def test_wire_model_id(model: str, openrouter: bool, sent: str) -> None:
    assert wire_model_id(model, openrouter=openrouter) == sent


async def test_openrouter_defaults_headers_and_content_parts() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "model": "anthropic/claude",
                "choices": [{"message": {"content": [{"text": "a"}, {"text": "b"}]}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "cost": 0.5},
            },
        )

    settings = Settings(openrouterApiKey="sk-or")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        executor = OpenAICompatExecutor.from_settings(settings, http=http)
        done = await executor.complete("openrouter/anthropic/claude", MESSAGES)
    assert str(seen[0].url) == "https://openrouter.ai/api/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer sk-or"
    assert seen[0].headers["x-title"] == "smart-spawn"
    assert json.loads(seen[0].content)["model"] == "anthropic/claude"
    assert done.content == "a\nb"
    assert done.cost_usd == 0.5


async def test_transport_error_is_retryable_upstream_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        executor = OpenAICompatExecutor("http://127.0.0.1:9/v1", None, http, sleep=Sleeps())
        with pytest.raises(UpstreamError) as info:
            await executor.complete("m", MESSAGES)
    assert info.value.retryable


async def test_openrouter_without_key_fails_fast_and_says_what_to_set():
    from smart_spawn_plugin.gateway.executor import OpenAICompatExecutor
    from smart_spawn_plugin.gateway.responses import ProviderError

    calls = []

    def handler(request):
        calls.append(request)
        raise AssertionError("no request may be sent without a key")

    import httpx

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        executor = OpenAICompatExecutor(http=http)
        with pytest.raises(ProviderError) as err:
            await executor.complete("openai/gpt-x", [])
    assert not calls
    assert not err.value.retryable
    assert "OPENROUTER_API_KEY" in err.value.message


async def test_reasoning_effort_is_sent_when_given(fake_openai: FakeOpenAIServer) -> None:
    """Issue 10, defect 3: the model runs at the effort it was scored at."""
    fake_openai.script("vendor/model", FakeReply(content="a"))
    fake_openai.script("vendor/model", FakeReply(content="b"))
    executor = make(fake_openai)
    try:
        await executor.complete("vendor/model", MESSAGES, effort="medium")
        await executor.complete("vendor/model", MESSAGES)
    finally:
        await executor.aclose()
    assert fake_openai.requests[0].body["reasoning"] == {"effort": "medium"}
    assert "reasoning" not in fake_openai.requests[1].body


async def test_openrouter_sends_the_catalog_effort_unless_the_call_names_one() -> None:
    """Issue 10, defect 3: a spawned model runs at the effort its scores were measured at."""
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    efforts = {"openai/gpt-5.6-luna": "medium"}
    settings = Settings(openrouterApiKey="sk-or")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        executor = OpenAICompatExecutor.from_settings(
            settings, http=http, effort_lookup=efforts.get
        )
        await executor.complete("openrouter/openai/gpt-5.6-luna", MESSAGES)
        await executor.complete("openai/gpt-5.6-luna", MESSAGES, effort="max")
        await executor.complete("vendor/unscored", MESSAGES)
    assert seen[0]["reasoning"] == {"effort": "medium"}
    assert seen[1]["reasoning"] == {"effort": "max"}
    assert "reasoning" not in seen[2]
