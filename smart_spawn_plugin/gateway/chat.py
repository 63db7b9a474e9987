"""The chat seam: run a model with the gateway's tools until it gives a final answer.

One call of :func:`chat_turn` is one user turn of an agent: send the conversation and the tool
schemas, execute the tool calls the model asks for through ``gateway.call_tool`` (so hooks,
validation and error results apply), feed the results back, repeat up to ``max_turns`` model
calls. Sub-agents that ended meanwhile are *announced* to the model as a user-role message with
Result, Status and a stats line, as OpenClaw does. Provider failures (``UpstreamError``) are
raised to the caller: a chat without a model cannot go on.

Per-message routing: each turn first asks the ``resolve_model`` hook which model answers it (a
plugin routes ``smart-spawn/auto``; without an answer the given model is used). When that
model fails with a retryable or context-length error, the choice's fallbacks answer instead;
the card of the model that answered (``details["cards"]``) heads the final text.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smart_spawn_plugin.contract import (
    FunctionTool,
    ModelChoice,
    SubagentEnded,
    ToolContext,
    ToolResult,
    Usage,
)
from smart_spawn_plugin.errors import InvalidParam, UpstreamError, is_context_length_error
from smart_spawn_plugin.gateway.executor import Executor
from smart_spawn_plugin.gateway.host import Gateway
from smart_spawn_plugin.gateway.messages import ChatMessage, Completion
from smart_spawn_plugin.log import get_logger

logger = get_logger(__name__)

_STATUS = {
    "ok": "completed successfully",
    "error": "failed",
    "timeout": "timed out",
    "cancelled": "cancelled",
}


class ChatEvent(BaseModel):
    """Something that happened during a chat turn, for progress display and logs."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["assistant", "tool_result", "announce"]
    text: str = ""
    tool_name: str | None = None
    is_error: bool = False


OnEvent = Callable[[ChatEvent], Awaitable[None] | None]


class ChatResult(BaseModel):
    """The conversation after the turn, the final text, and what the turn cost."""

    model_config = ConfigDict(frozen=True)

    messages: list[ChatMessage]
    final: str
    turns: int
    stopped: Literal["final", "max_turns"]
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    #: the model that answered the turn's last call (a routed turn: the routed model)
    model: str | None = None
    #: how the turn's model was chosen (``resolve_model``), when a plugin chose it
    choice: ModelChoice | None = None


def announce_text(ended: SubagentEnded) -> str:
    """OpenClaw's announce: Result, Status and a stats line, as internal context."""
    cost = f", est. cost ${ended.cost_usd:.4f}" if ended.cost_usd is not None else ""
    lines = [
        f"[sub-agent {ended.label or ended.run_id} finished]",
        f"Status: {_STATUS[ended.outcome]}" + (f" ({ended.error})" if ended.error else ""),
        f"Result: {ended.output or ''}",
        f"Stats: runtime {ended.duration_ms / 1000:.1f}s, tokens in/out/total "
        f"{ended.usage.prompt_tokens}/{ended.usage.completion_tokens}/"
        f"{ended.usage.total_tokens}{cost}, model {ended.model}, "
        f"sessionKey {ended.child_session_key}",
    ]
    return "\n".join(lines)


async def _emit(on_event: OnEvent | None, event: ChatEvent) -> None:
    if on_event is None:
        return
    result = on_event(event)
    if inspect.isawaitable(result):
        await result


def _fallbacks(choice: ModelChoice) -> list[str]:
    found = choice.details.get("fallbacks")
    return [m for m in found if isinstance(m, str)] if isinstance(found, list) else []


def _card(choice: ModelChoice, model: str) -> str:
    cards = choice.details.get("cards")
    card = cards.get(model) if isinstance(cards, dict) else None
    return card if isinstance(card, str) else ""


async def _complete(
    executor: Executor,
    candidates: list[str],
    history: list[ChatMessage],
    tools: list[FunctionTool],
) -> tuple[Completion, list[str]]:
    """The first candidate's answer, falling back on retryable and context-length errors;
    returns the candidates left, the one that answered first."""
    for index, candidate in enumerate(candidates):
        try:
            return await executor.complete(candidate, history, tools=tools), candidates[index:]
        except UpstreamError as error:
            fallback = error.retryable or is_context_length_error(error.message)
            if index == len(candidates) - 1 or not fallback:
                raise
            logger.info("turn_fallback", model=candidate, next=candidates[index + 1])
    raise InvalidParam("no model to run the turn on", field="model")


async def chat_turn(
    gateway: Gateway,
    executor: Executor,
    model: str,
    messages: Sequence[ChatMessage],
    max_turns: int = 8,
    on_event: OnEvent | None = None,
    *,
    ctx: ToolContext | None = None,
) -> ChatResult:
    """Run ``model`` with the gateway's tools until it answers without tool calls.

    ``max_turns`` bounds the number of model calls; when it is reached the last assistant text
    is returned with ``stopped="max_turns"``. Tool failures never stop the loop: they are
    error results the model reads.
    """
    history = list(messages)
    usage, cost, final = Usage(), None, ""
    tools = gateway.function_tools()
    choice = await gateway.resolve_turn(model, [m.to_openai() for m in history])
    routed = choice if choice.source != "request" else None
    candidates = [choice.model, *_fallbacks(choice)]
    for turn in range(1, max_turns + 1):
        for ended in gateway.spawner.drain_announcements():
            text = announce_text(ended)
            history.append(ChatMessage.user(text))
            await _emit(on_event, ChatEvent(kind="announce", text=text))
        completion, candidates = await _complete(executor, candidates, history, tools)
        usage = usage + completion.usage
        if completion.cost_usd is not None:
            cost = (cost or 0.0) + completion.cost_usd
        final = completion.content
        history.append(completion.as_message())
        await _emit(on_event, ChatEvent(kind="assistant", text=completion.content))
        if not completion.tool_calls:
            return ChatResult(
                messages=history,
                final=_card(choice, candidates[0]) + final,
                turns=turn,
                stopped="final",
                usage=usage,
                cost_usd=cost,
                model=candidates[0],
                choice=routed,
            )
        for call in completion.tool_calls:
            result: ToolResult
            try:
                params = call.parsed_arguments()
            except InvalidParam as error:
                result = ToolResult.of_error(error)
            else:
                result = await gateway.call_tool(call.name, params, ctx=ctx, call_id=call.id)
            history.append(ChatMessage.tool(call.id, call.name, result.text_content))
            await _emit(
                on_event,
                ChatEvent(
                    kind="tool_result",
                    text=result.text_content,
                    tool_name=call.name,
                    is_error=result.is_error,
                ),
            )
    return ChatResult(
        messages=history,
        final=_card(choice, candidates[0]) + final,
        turns=max_turns,
        stopped="max_turns",
        usage=usage,
        cost_usd=cost,
        model=candidates[0],
        choice=routed,
    )
