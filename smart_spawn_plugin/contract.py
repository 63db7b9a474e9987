"""The spawning contract: what modes/, tools/ and mcp/ speak, and what a gateway implements.

Names and payloads follow OpenClaw (``sessions_spawn`` params, ``SpawnSubagentResult``,
``subagent_ended``, ``AgentToolResult``) in snake_case; on the wire (tool params, JSON results)
they are camelCase, so prompts and skills written for OpenClaw keep working unchanged.

- tools: :class:`ToolSpec`, :class:`ToolCall`, :class:`ToolContext`, :class:`ToolResult`;
- spawns: :class:`SpawnRequest` → :class:`SpawnAccepted` → :class:`SubagentEnded` (the spawn
  events a host reports), :class:`Usage`, :class:`ModelChoice`;
- :class:`Spawner`, the protocol a host implements to run sub-agents, and
  :class:`SpawnerFactory`, which opens one spawner per run with that run's limits (the MCP
  runs; the reference gateway implements it in ``gateway.local``).

Vocabulary: it imports nothing of ours but ``errors`` and ``models``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_camel

from smart_spawn_plugin.errors import as_error

#: A JSON object: tool params, plugin config, decision details (never a parsed domain type).
JsonObject = dict[str, JsonValue]
#: A JSON Schema document. Schemas are data about data, so a plain mapping is the honest type.
JsonSchema = dict[str, Any]


class ContractModel(BaseModel):
    """Base for contract types: camelCase on the wire, population by either name, frozen."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def wire(self) -> dict[str, Any]:
        """The JSON-ready dict with camelCase keys and without unset optionals."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# ---------------------------------------------------------------------------------------- tools


class TextContent(ContractModel):
    type: Literal["text"] = "text"
    text: str


class ToolCall(ContractModel):
    """One call of a tool by the model: ``id`` is the model's tool-call id."""

    id: str
    name: str
    params: JsonObject = Field(default_factory=dict)


class ToolResult(ContractModel):
    """What a tool returns (OpenClaw's ``AgentToolResult``).

    ``content`` is what the model sees; ``details`` is structured data for the host and hooks,
    not shown to the model; ``is_error`` marks a failure the model should read and recover from.
    """

    content: list[TextContent]
    details: JsonValue = None
    is_error: bool = False

    @classmethod
    def text(cls, text: str, *, details: JsonValue = None, is_error: bool = False) -> ToolResult:
        return cls(content=[TextContent(text=text)], details=details, is_error=is_error)

    @classmethod
    def of_json(cls, data: JsonValue, *, is_error: bool = False) -> ToolResult:
        """A result whose text is ``data`` as JSON and whose details are ``data`` itself."""
        return cls.text(json.dumps(data, ensure_ascii=False), details=data, is_error=is_error)

    @classmethod
    def of_error(cls, exc: BaseException) -> ToolResult:
        """The error result a model reads for ``exc`` (translated by
        :func:`~smart_spawn_plugin.errors.as_error`): ``Error [CODE] message``, with the error
        body (code, message, field) as details. A model never sees a traceback."""
        error = as_error(exc)
        return cls.text(
            f"Error [{error.code}] {error.message}",
            details=error.body().model_dump(exclude_none=True),
            is_error=True,
        )

    @property
    def text_content(self) -> str:
        """All text parts joined with newlines (what a chat loop feeds back to the model)."""
        return "\n".join(part.text for part in self.content)


class ToolContext(ContractModel):
    """Who is calling a tool: the session and run, the spawn depth, the plugin's own config."""

    session_key: str = "agent:main:main"
    run_id: str | None = None
    depth: int = 0
    plugin_id: str | None = None
    plugin_config: JsonObject = Field(default_factory=dict)


#: ``await handler(call, ctx)``: params arrive already checked against ``ToolSpec.parameters``.
ToolHandler = Callable[[ToolCall, ToolContext], Awaitable[ToolResult]]


class FunctionDef(ContractModel):
    name: str
    description: str
    parameters: JsonSchema


class FunctionTool(ContractModel):
    """A tool as OpenAI-compatible chat completions want it (``tools=[...]``)."""

    type: Literal["function"] = "function"
    function: FunctionDef


class ToolSpec(ContractModel):
    """An agent tool (OpenClaw's ``api.registerTool``).

    ``parameters`` is a JSON Schema of ``type: object`` (e.g. ``Model.model_json_schema()``); the
    host validates params against it before calling ``handler``, so a handler may assume the
    schema holds. A handler should return an error ``ToolResult`` for expected failures; any
    ``SmartSpawnError`` it raises is turned into one by the host.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str
    parameters: JsonSchema = Field(default_factory=lambda: {"type": "object", "properties": {}})
    handler: ToolHandler = Field(exclude=True)
    optional: bool = False

    def function_tool(self) -> FunctionTool:
        return FunctionTool(
            function=FunctionDef(
                name=self.name, description=self.description, parameters=self.parameters
            )
        )


class ToolCallDecision(ContractModel):
    """A ``before_tool_call`` result: rewrite the params, or block the call with a reason."""

    params: JsonObject | None = None
    block: bool = False
    block_reason: str | None = None


# --------------------------------------------------------------------------------------- spawns


class Attachment(ContractModel):
    name: str
    content: str
    encoding: Literal["utf8", "base64"] = "utf8"
    mime_type: str | None = None


class SpawnRequest(ContractModel):
    """``sessions_spawn``'s parameters (OpenClaw, docs/tools/subagents.md), snake_case in Python.

    ``model`` None or ``"auto"`` asks the host to route through ``resolve_spawn_model``.
    ``run_timeout_seconds`` 0 means the host's default timeout. Unknown keys (including
    OpenClaw's rejected channel-delivery keys) are refused. ``metadata`` is host-internal and is
    not part of the tool schema the model sees.
    """

    model_config = ConfigDict(extra="forbid")

    task: str = Field(min_length=1, description="What the sub-agent should do.")
    label: str | None = Field(default=None, description="Short label for the sub-agent.")
    runtime: Literal["subagent", "acp"] = "subagent"
    agent_id: str | None = Field(default=None, description="Agent profile to run.")
    model: str | None = Field(
        default=None, description="Model id; omit (or 'auto') to let the gateway route."
    )
    thinking: str | None = Field(default=None, description="Thinking level override.")
    cwd: str | None = None
    run_timeout_seconds: float = Field(default=0, ge=0, description="0 = gateway default.")
    thread: bool = False
    mode: Literal["run", "session"] = "run"
    cleanup: Literal["delete", "keep"] = "keep"
    sandbox: Literal["inherit", "require"] = "inherit"
    context: Literal["isolated", "fork"] = "isolated"
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    metadata: JsonObject = Field(default_factory=dict)

    @property
    def wants_routing(self) -> bool:
        """True when the host should ask ``resolve_spawn_model`` for a model."""
        return self.model is None or self.model.strip() in {"", "auto"}


class SpawnContext(ContractModel):
    """Who spawns (requester session and run), the child's depth (1 = spawned by the main
    session), and the config of the plugin whose hook is being called."""

    requester_session_key: str = "agent:main:main"
    run_id: str | None = None
    depth: int = 1
    plugin_config: JsonObject = Field(default_factory=dict)


class ModelChoice(ContractModel):
    """A routing decision (OpenClaw's ``before_model_resolve`` result, plus why)."""

    model: str
    provider: str | None = None
    reason: str | None = None
    source: Literal["plugin", "request", "default", "fallback"] = "plugin"
    details: JsonObject = Field(default_factory=dict)


class SpawnDecision(ContractModel):
    """A ``before_spawn`` result: a rewritten request, or a block with a reason (terminal)."""

    request: SpawnRequest | None = None
    block: bool = False
    block_reason: str | None = None


class SpawnAccepted(ContractModel):
    """``sessions_spawn``'s immediate answer (OpenClaw's ``SpawnSubagentResult``).

    ``status`` is ``accepted`` with ``run_id``/``child_session_key``/``model`` set, or
    ``forbidden`` (blocked by a hook or a limit) with ``error`` saying why.
    """

    status: Literal["accepted", "forbidden", "error"]
    run_id: str | None = None
    child_session_key: str | None = None
    model: str | None = None
    model_applied: bool | None = None
    choice: ModelChoice | None = None
    mode: Literal["run", "session"] | None = None
    label: str | None = None
    note: str | None = None
    error: str | None = None


class Usage(ContractModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


Outcome = Literal["ok", "error", "timeout", "cancelled"]


class SubagentEnded(ContractModel):
    """A finished sub-agent (OpenClaw's ``subagent_ended`` plus the announce stats)."""

    run_id: str
    child_session_key: str
    outcome: Outcome
    output: str | None = None
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    duration_ms: int = 0
    model: str | None = None
    label: str | None = None
    error: str | None = None
    #: the provider's finish reason (``stop``, ``length`` …), so a judge can spot truncation
    finish_reason: str | None = None


#: USD per one million tokens, (prompt, completion), or None when the model is unknown.
PriceLookup = Callable[[str], tuple[float, float] | None]


class Spawner(Protocol):
    """Runs sub-agents (OpenClaw's ``api.runtime.subagent`` with ``sessions_spawn`` semantics)."""

    async def spawn(
        self, request: SpawnRequest, *, requester: ToolContext | None = None
    ) -> SpawnAccepted:
        """Start a sub-agent and return at once (never waits for it to finish).

        ``requester`` is the calling session (a tool handler passes its own ``ctx``); the child
        runs one level deeper. None means the gateway's main session (depth 0).

        Returns ``forbidden`` when a hook blocks or the depth limit is hit; raises
        ``BudgetExceeded`` when the run's USD cap is spent.
        """
        ...

    # a deadline parameter is the contract here (OpenClaw's waitForRun), hence the noqa
    async def wait(self, run_id: str, timeout: float | None = None) -> SubagentEnded:  # noqa: ASYNC109
        """Wait for a sub-agent; raises ``SpawnTimeout`` after ``timeout`` s (the run goes on)."""
        ...

    async def cancel(self, run_id: str) -> None:
        """Cancel a running sub-agent; it ends with outcome ``cancelled``. Idempotent."""
        ...


class RunSpawner(Spawner, Protocol):
    """A spawner opened for one run: :meth:`stop` cancels whatever it still runs."""

    async def stop(self, reason: str | None = None) -> None: ...


class SpawnerFactory(Protocol):
    """Opens a :class:`RunSpawner` per run with that run's limits, over one shared executor."""

    @property
    def configured(self) -> bool:
        """Whether sub-agents can run at all (a model provider and its key are configured)."""
        ...

    def open(self, *, max_usd: float, spawn_timeout: float, max_concurrency: int) -> RunSpawner: ...

    async def aclose(self) -> None: ...
