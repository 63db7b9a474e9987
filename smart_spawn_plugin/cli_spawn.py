"""The spawn subcommands of ``smart-spawn``: spawn, chat, feedback, roles.

- ``spawn "task" [--mode M] [--dry-run]``: ``--dry-run`` prints the recommend strategy's
  instructions (which models, which spawns, per-node prompts, swarm's estimated cost; no
  network, no key); otherwise the task runs through the reference gateway with smart-spawn
  registered and an OpenAI-compatible executor.
- ``chat``: an interactive agent with the gateway's tools (``smart_spawn``,
  ``sessions_spawn``, …), printing live progress lines for the sub-agents it starts.
- ``spawn`` and ``chat`` take ``--base-url URL`` (any OpenAI-compatible server, e.g. a local
  one) and ``--model-api-key KEY``; without ``--model-api-key`` the key for a non-OpenRouter
  URL is ``SMART_SPAWN_EXECUTOR_API_KEY``, else ``OPENROUTER_API_KEY``, else none (local
  servers rarely need one).
- ``feedback MODEL CATEGORY RATING [--context tags]``: rate a model (personal scores).
- ``roles list`` / ``roles compose "task" --persona … --stack a,b …``: the role blocks.

Running anything needs a provider: with the default (OpenRouter) base URL and no
``OPENROUTER_API_KEY`` the command fails at once with one line saying what to set.
Registered by importing this module (``cli._load_extras``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import Final, TextIO

from pydantic import JsonValue, SecretStr

from smart_spawn_plugin.cli import EXTRA_PARSERS, command
from smart_spawn_plugin.contract import SpawnAccepted, SpawnRequest, SubagentEnded, ToolResult
from smart_spawn_plugin.errors import InvalidParam, SmartSpawnError
from smart_spawn_plugin.gateway.executor import is_openrouter
from smart_spawn_plugin.gateway.hookspecs import hookimpl
from smart_spawn_plugin.models import BUDGETS, CATEGORIES, MODES
from smart_spawn_plugin.runtime import Runtime
from smart_spawn_plugin.settings import DEFAULT_SUBAGENT_MODEL, Settings
from smart_spawn_plugin.tools.feedback import record_feedback
from smart_spawn_plugin.tools.smart_spawn import smart_spawn

NO_KEY_MESSAGE: Final = (
    "no model provider configured: set OPENROUTER_API_KEY, or SMART_SPAWN_BASE_URL (and "
    "SMART_SPAWN_EXECUTOR_API_KEY if needed) for another OpenAI-compatible server"
)
EXIT_WORDS: Final = frozenset({"exit", "quit", "/exit", "/quit"})


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add spawn, chat, feedback and roles to the ``smart-spawn`` parser."""
    p = sub.add_parser("spawn", help="route a task to the best model(s) and run it")
    p.add_argument("task", help="what the sub-agent should do")
    p.add_argument("--mode", choices=MODES, default=None, help="default: settings")
    p.add_argument("--budget", choices=BUDGETS, default=None)
    p.add_argument("--category", choices=(*CATEGORIES, "auto"), default="auto")
    p.add_argument("--count", type=int, default=None, help="collective: number of models")
    p.add_argument("--context", default=None, help="context tags, e.g. rust,cli")
    p.add_argument("--persona", default=None)
    p.add_argument("--stack", type=_csv, default=[])
    p.add_argument("--step", dest="steps", action="append", default=None, help="plan step")
    p.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    _provider_args(p)

    p = sub.add_parser("chat", help="chat with an agent that spawns sub-agents")
    p.add_argument("--model", default=DEFAULT_SUBAGENT_MODEL, help="the chat model")
    p.add_argument("--max-turns", type=int, default=8)
    _provider_args(p)

    p = sub.add_parser("feedback", help="rate a model 1-5 for a category")
    p.add_argument("model")
    p.add_argument("category", choices=CATEGORIES)
    p.add_argument("rating", type=float)
    p.add_argument("--context", default=None, help="context tags, e.g. rust,cli")

    p = sub.add_parser("roles", help="role blocks: list them, or compose a role prompt")
    roles = p.add_subparsers(dest="roles_command", metavar="ACTION")
    roles.add_parser("list", help="every block id")
    c = roles.add_parser("compose", help="compose a role prompt for a task")
    c.add_argument("task")
    c.add_argument("--persona", default=None)
    c.add_argument("--stack", type=_csv, default=[])
    c.add_argument("--domain", default=None)
    c.add_argument("--format", default=None)
    c.add_argument("--guardrails", type=_csv, default=[])


EXTRA_PARSERS.append(add_parsers)


def _provider_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base-url", default=None, help="OpenAI-compatible base URL (default: OpenRouter)"
    )
    p.add_argument(
        "--model-api-key",
        default=None,
        help="API key for --base-url (default: SMART_SPAWN_EXECUTOR_API_KEY, OPENROUTER_API_KEY)",
    )


def with_provider(args: argparse.Namespace, settings: Settings) -> Settings:
    """``settings`` using ``--base-url``/``--model-api-key`` (module docstring).

    A non-OpenRouter URL with no executor key borrows ``OPENROUTER_API_KEY`` when set.
    """
    base_url: str | None = getattr(args, "base_url", None)
    key: str | None = getattr(args, "model_api_key", None)
    update: dict[str, object] = {}
    if base_url:
        update["base_url"] = base_url.rstrip("/")
    target = base_url or settings.base_url
    if key:
        field = "openrouter_api_key" if is_openrouter(target) else "executor_api_key"
        update[field] = SecretStr(key)
    elif base_url and not is_openrouter(base_url) and settings.executor_api_key is None:
        update["executor_api_key"] = settings.openrouter_api_key
    if not update:
        return settings
    return settings.model_copy(update=update)


def require_provider(settings: Settings) -> None:
    """Fail at once, in one line, when nothing could run a model."""
    if is_openrouter(settings.base_url) and settings.openrouter_api_key is None:
        raise SmartSpawnError(NO_KEY_MESSAGE, field="OPENROUTER_API_KEY")


class Progress:
    """A gateway plugin printing one line per sub-agent start and end (to ``out``, default
    the current ``sys.stderr``)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    @property
    def out(self) -> TextIO:
        return self._out or sys.stderr

    @hookimpl
    def subagent_spawned(self, accepted: SpawnAccepted, request: SpawnRequest) -> None:
        label = request.label or request.task[:60]
        print(f"  ↳ started {accepted.model} · {label}", file=self.out, flush=True)

    @hookimpl
    def subagent_ended(self, ended: SubagentEnded) -> None:
        cost = f" ${ended.cost_usd:.4f}" if ended.cost_usd is not None else ""
        tokens = ended.usage.total_tokens
        print(
            f"  ✓ {ended.outcome} {ended.model} · {ended.duration_ms / 1000:.1f}s "
            f"{tokens} tok{cost}",
            file=self.out,
            flush=True,
        )


def _spawn_params(args: argparse.Namespace) -> dict[str, JsonValue]:
    params: dict[str, JsonValue] = {"task": args.task, "category": args.category}
    optional = {
        "mode": args.mode,
        "budget": args.budget,
        "collectiveCount": args.count,
        "context": args.context,
        "persona": args.persona,
        "steps": args.steps,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    if args.stack:
        params["stack"] = args.stack
    return params


def _checked(result: ToolResult) -> object:
    """The result's JSON, or an error naming the field (exit 1)."""
    if result.is_error:
        details = result.details if isinstance(result.details, dict) else {}
        field = details.get("field")
        raise InvalidParam(
            result.text_content.removeprefix("Error "),
            field=field if isinstance(field, str) else None,
        )
    return json.loads(result.text_content)


async def _dry_run(params: dict[str, JsonValue], services: Runtime) -> object:
    try:
        return _checked(await smart_spawn(params, services, None, strategy="recommend"))
    finally:
        await services.aclose_http()


async def _run(params: dict[str, JsonValue], services: Runtime, settings: Settings) -> object:
    from smart_spawn_plugin.gateway.host import Gateway
    from smart_spawn_plugin.plugin import SmartSpawnPlugin

    gateway = Gateway(
        settings,
        plugins=[SmartSpawnPlugin(runtime=services), Progress()],
        price_lookup=services.price_of,
    )
    try:
        async with gateway:
            return _checked(await gateway.call_tool("smart_spawn", params))
    finally:
        await services.aclose_http()


@command("spawn")
def spawn(args: argparse.Namespace, services: Runtime) -> object:
    params = _spawn_params(args)
    if args.dry_run:
        plan = asyncio.run(_dry_run(params, services))
        return plan if args.json else json.dumps(plan, indent=2, ensure_ascii=False)
    settings = with_provider(args, services.settings)
    require_provider(settings)
    result = asyncio.run(_run(params, services, settings))
    if args.json or not isinstance(result, dict):
        return result
    return _summary(result)


def _summary(result: dict[str, object]) -> str:
    usage = result.get("usage")
    tokens = usage.get("totalTokens", 0) if isinstance(usage, dict) else 0
    lines = [str(result.get("output") or "(no output)"), ""]
    lines.append(
        f"[{result.get('mode')} · {result.get('status')} · {tokens} tokens · "
        f"${float(str(result.get('costUsd') or 0)):.4f}]"
    )
    errors = result.get("errors")
    lines.extend(f"error: {e}" for e in (errors if isinstance(errors, list) else []))
    return "\n".join(lines)


async def _chat(
    args: argparse.Namespace, services: Runtime, settings: Settings, read: Callable[[], str]
) -> None:
    from smart_spawn_plugin.gateway.chat import chat_turn
    from smart_spawn_plugin.gateway.host import Gateway
    from smart_spawn_plugin.gateway.messages import ChatMessage
    from smart_spawn_plugin.plugin import SmartSpawnPlugin

    gateway = Gateway(
        settings,
        plugins=[SmartSpawnPlugin(runtime=services), Progress()],
        price_lookup=services.price_of,
    )
    history = [ChatMessage.system("You are a helpful agent. Delegate work with smart_spawn.")]
    async with gateway:
        while True:
            try:
                line = (await asyncio.to_thread(read)).strip()
            except EOFError:
                return
            if line.lower() in EXIT_WORDS:
                return
            if not line:
                continue
            history.append(ChatMessage.user(line))
            result = await chat_turn(
                gateway, gateway.executor, args.model, history, args.max_turns, _on_event
            )
            history = list(result.messages)
            print(result.final, flush=True)


def _on_event(event: object) -> None:
    kind = getattr(event, "kind", "")
    if kind == "tool_result":
        state = "error" if getattr(event, "is_error", False) else "done"
        print(f"  · {getattr(event, 'tool_name', '')} {state}", file=sys.stderr, flush=True)


@command("chat")
def chat(args: argparse.Namespace, services: Runtime) -> None:
    settings = with_provider(args, services.settings)
    require_provider(settings)
    print("smart-spawn chat — 'exit' to quit", file=sys.stderr)
    asyncio.run(_chat(args, services, settings, lambda: input("> ")))


@command("feedback")
def feedback(args: argparse.Namespace, services: Runtime) -> object:
    params: dict[str, object] = {
        "model": args.model,
        "category": args.category,
        "rating": args.rating,
    }
    if args.context:
        params["context"] = args.context

    async def run() -> object:
        try:
            return _checked(await record_feedback(params, services))
        finally:
            await services.aclose_http()

    result = asyncio.run(run())
    if args.json or not isinstance(result, dict):
        return result
    return str(result.get("message", result))


@command("roles")
def roles(args: argparse.Namespace, services: Runtime) -> object:
    from smart_spawn_plugin.roles import compose_system_prompt, list_blocks

    if args.roles_command == "compose":
        composed = compose_system_prompt(
            args.task,
            persona=args.persona,
            stack=args.stack,
            domain=args.domain,
            format=args.format,
            guardrails=args.guardrails,
        )
        return composed if args.json else composed.full_prompt
    return list_blocks()
