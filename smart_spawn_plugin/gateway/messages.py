"""Chat-completions wire types shared by the executor and the chat loop.

``ChatMessage`` is what we send (OpenAI shape, snake_case keys on the wire); ``Completion`` is
what an executor returns after parsing and costing a provider's answer.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from smart_spawn_plugin.contract import JsonObject, Usage
from smart_spawn_plugin.errors import InvalidParam


class ChatToolCall(BaseModel):
    """A tool call requested by the model; ``arguments`` is the provider's raw JSON string."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    arguments: str = "{}"

    def parsed_arguments(self) -> JsonObject:
        """The arguments as a JSON object; raises ``InvalidParam`` when they are not one."""
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError as error:
            raise InvalidParam(
                f"tool {self.name}: arguments are not valid JSON ({error})", field="arguments"
            ) from error
        if not isinstance(value, dict):
            raise InvalidParam(
                f"tool {self.name}: arguments must be a JSON object", field="arguments"
            )
        return value

    def to_openai(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


class ChatMessage(BaseModel):
    """One message of a chat-completions conversation."""

    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[ChatToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None

    @classmethod
    def system(cls, text: str) -> ChatMessage:
        return cls(role="system", content=text)

    @classmethod
    def user(cls, text: str) -> ChatMessage:
        return cls(role="user", content=text)

    @classmethod
    def tool(cls, call_id: str, name: str, text: str) -> ChatMessage:
        return cls(role="tool", content=text, tool_call_id=call_id, name=name)

    def to_openai(self) -> dict[str, JsonValue]:
        """The message as OpenAI-compatible endpoints expect it (no null-valued extras)."""
        out: dict[str, JsonValue] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [call.to_openai() for call in self.tool_calls]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None and self.role == "tool":
            out["name"] = self.name
        return out


class Completion(BaseModel):
    """A parsed, costed chat completion.

    ``model`` is the model that actually served (it differs from the requested one when a
    provider falls back); ``cost_usd`` is the provider's reported cost, else an estimate from
    catalog prices, else None (unknown, which is not the same as free).
    """

    model_config = ConfigDict(frozen=True)

    content: str = ""
    tool_calls: list[ChatToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    model: str
    finish_reason: str | None = None
    id: str | None = None

    def as_message(self) -> ChatMessage:
        """The assistant message to append to the conversation."""
        return ChatMessage(
            role="assistant", content=self.content or None, tool_calls=self.tool_calls
        )
