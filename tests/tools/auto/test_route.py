"""Per-message routing rules (``tools.auto.route``) and where a model is reached
(``tools.auto.upstream.endpoints_of``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smart_spawn_plugin.providers.registry import ProviderRegistry
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import Settings
from smart_spawn_plugin.tools.auto.route import features, is_routed, plan_route
from smart_spawn_plugin.tools.auto.upstream import endpoints_of, falls_back

TASK = "Refactor this Python module into smaller functions and add type hints"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    with Runtime.open(home=tmp_path, recommender="local") as opened:
        yield opened


def _user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def test_features_read_the_last_user_message_images_and_size() -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    chat = features(
        [
            {"role": "system", "content": "be brief"},
            _user("first question"),
            {"role": "assistant", "content": "answer"},
            _user([{"type": "text", "text": "what is in this picture?"}, image]),
        ]
    )
    assert chat.task == "what is in this picture?"
    assert chat.has_images and not chat.long and not chat.slash
    assert features([_user("x" * 40_000)]).long
    assert features([_user("  /reset")]).slash


def test_routed_ids() -> None:
    assert is_routed("smart-spawn/auto") and is_routed("smart-spawn/auto-any")
    assert is_routed("smart-spawn/openmark/sql")
    assert not is_routed("smart-spawn/autox") and not is_routed("openai/gpt-4o")


async def test_the_budget_comes_from_the_model_id(runtime: Runtime) -> None:
    low = await plan_route(runtime, "smart-spawn/auto-low", [_user(TASK)])
    high = await plan_route(runtime, "smart-spawn/auto-high", [_user(TASK)])
    default = await plan_route(runtime, "smart-spawn/auto", [_user(TASK)])
    assert (low.budget, high.budget, default.budget) == ("low", "high", "medium")
    assert low.category == "coding" and len(low.candidates) >= 2
    assert low.decision is not None and low.candidates[0] == low.decision.id


async def test_an_image_requires_vision_and_a_long_chat_a_window_that_fits(
    runtime: Runtime,
) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    plan = await plan_route(
        runtime, "smart-spawn/auto", [_user([{"type": "text", "text": "Describe it"}, image])]
    )
    by_id = runtime.catalog.selector().by_id
    assert all(by_id[m].capabilities.vision for m in plan.candidates)
    long_chat = [_user("lorem ipsum " * 12_000), _user(TASK)]
    plan = await plan_route(runtime, "smart-spawn/auto", long_chat)
    needed = features(long_chat).tokens
    assert all(by_id[m].context_length >= needed for m in plan.candidates)


async def test_short_messages_without_a_passthrough_model_go_fast_and_cheap(
    runtime: Runtime,
) -> None:
    plan = await plan_route(runtime, "smart-spawn/auto", [_user("hi")])
    assert (plan.kind, plan.category, plan.budget) == ("passthrough", "fast-cheap", "low")
    assert plan.reason.startswith("short message (<= 20 chars)")


def test_a_model_with_a_direct_provider_goes_there_first_then_openrouter() -> None:
    settings = Settings(
        openrouter_api_key="sk-or-v1-test",
        providers={
            "entries": {
                "direct": {
                    "baseUrl": "http://127.0.0.1:9/v1",
                    "apiKey": "direct-key",
                    "models": ["openai/gpt-4o"],
                }
            }
        },
    )
    registry = ProviderRegistry(settings)
    direct, via_openrouter = endpoints_of(registry, "openai/gpt-4o")
    assert (direct.provider, direct.api_key) == ("direct", "direct-key")
    assert (via_openrouter.provider, via_openrouter.wire_model) == ("openrouter", "openai/gpt-4o")
    assert via_openrouter.api_key == "sk-or-v1-test"
    (only,) = endpoints_of(registry, "anthropic/claude-sonnet-4.5")
    assert only.provider == "openrouter"
    without_key = ProviderRegistry(Settings(providers=settings.providers))
    assert [e.provider for e in endpoints_of(without_key, "openai/gpt-4o")] == ["direct"]


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (429, "slow down", True),
        (503, "", True),
        (401, "bad key", True),
        (404, "no such model here", True),
        (400, "This model's maximum context length is 8192 tokens", True),
        (400, "tools[0].function.parameters is invalid", False),
        (422, "temperature must be <= 2", False),
    ],
)
def test_which_errors_fall_back(status: int, message: str, expected: bool) -> None:
    assert falls_back(status, message) is expected
