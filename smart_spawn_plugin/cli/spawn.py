"""``smart-spawn spawn`` and ``smart-spawn chat``: run sub-agents from the terminal.

- ``spawn "task" [--mode M] [--dry-run]``: ``--dry-run`` prints the plan (nodes, models, roles,
  estimated cost; no network, no key); otherwise the task runs through the reference gateway
  with smart-spawn registered and an OpenAI-compatible executor, with a live progress display
  on stderr. A failed run is one line on stderr, cause first (``--json`` also prints the whole
  run on stdout), exit 1.
- ``chat``: an interactive agent with the gateway's tools, showing the sub-agents it starts.
- Both take ``--base-url URL`` (any OpenAI-compatible server), ``--model-api-key KEY`` and
  ``--provider NAME``; without a key, a non-OpenRouter URL uses ``SMART_SPAWN_EXECUTOR_API_KEY``
  or none — never ``OPENROUTER_API_KEY`` (a key belongs to its provider). ``--provider local``
  routes every sub-agent to a detected local server. Each model goes to its own provider with
  that provider's model id and key (``runtime.executor``). With the default (OpenRouter) URL
  and no ``OPENROUTER_API_KEY`` the command fails at once, saying what to set.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final

import smart_spawn_plugin.cli.spawn_views as views
from smart_spawn_plugin.cli.base import Context, Subcommands, command, csv, positive_int
from smart_spawn_plugin.cli.failures import checked
from smart_spawn_plugin.vocab import BUDGETS, CATEGORIES, MODES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from smart_spawn_plugin.gateway.host import Gateway
    from smart_spawn_plugin.settings import Settings

NO_KEY_MESSAGE: Final = (
    "no model provider configured: set OPENROUTER_API_KEY, or SMART_SPAWN_BASE_URL (and "
    "SMART_SPAWN_EXECUTOR_API_KEY if needed) for another OpenAI-compatible server"
)
EXIT_WORDS: Final = frozenset({"exit", "quit", "/exit", "/quit"})


def register(sub: Subcommands) -> None:
    """Add spawn and chat."""
    p = command(
        sub,
        "spawn",
        spawn,
        help="route a task to the best model(s) and run it (or --dry-run: show the plan)",
        view=views.spawn_result,
    )
    p.add_argument("task", help="what the sub-agent should do")
    p.add_argument("--mode", choices=MODES, default=None, help="how to run (default: settings)")
    p.add_argument("--budget", choices=BUDGETS, default=None, help="price tier (default: settings)")
    p.add_argument(
        "--category",
        choices=(*CATEGORIES, "auto"),
        default="auto",
        help="task category (default auto: classify the task)",
    )
    p.add_argument(
        "--count", type=positive_int, default=None, metavar="N", help="collective: models to ask"
    )
    p.add_argument("--context", default=None, metavar="TAGS", help="context tags, e.g. rust,cli")
    p.add_argument("--persona", default=None, help="role persona, e.g. backend-engineer")
    p.add_argument(
        "--stack", type=csv, default=[], metavar="TECH", help="stack blocks, e.g. fastapi,react"
    )
    p.add_argument(
        "--step", dest="steps", action="append", default=None, help="plan mode: a step (repeat)"
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    _provider_args(p)

    p = command(sub, "chat", chat, help="chat with an agent that spawns sub-agents")
    p.add_argument(
        "--model", default=None, help="the chat model (default: the gateway's, openrouter/auto)"
    )
    p.add_argument(
        "--max-turns", type=positive_int, default=8, metavar="N", help="model calls per message"
    )
    _provider_args(p)


def _provider_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base-url", default=None, metavar="URL", help="OpenAI-compatible base URL "
        "(default: $SMART_SPAWN_BASE_URL or OpenRouter)"
    )  # fmt: skip
    p.add_argument(
        "--model-api-key",
        default=None,
        metavar="KEY",
        help="API key for --base-url (default: SMART_SPAWN_EXECUTOR_API_KEY; never the "
        "OpenRouter key)",
    )
    p.add_argument(
        "--provider",
        default=None,
        metavar="NAME",
        help="route every sub-agent to this provider (local: a detected local server)",
    )


def with_provider(args: argparse.Namespace, settings: Settings) -> Settings:
    """``settings`` using ``--base-url``/``--model-api-key``/``--provider`` (module
    docstring). A non-OpenRouter URL never gets ``OPENROUTER_API_KEY``."""
    from pydantic import SecretStr

    from smart_spawn_plugin.gateway.executor import is_openrouter

    base_url: str | None = getattr(args, "base_url", None)
    key: str | None = getattr(args, "model_api_key", None)
    provider: str | None = getattr(args, "provider", None)
    update: dict[str, object] = {}
    if provider:
        update["providers"] = settings.providers.model_copy(update={"prefer": provider})
    if base_url:
        update["base_url"] = base_url.rstrip("/")
    target = base_url or settings.base_url
    if key:
        field = "openrouter_api_key" if is_openrouter(target) else "executor_api_key"
        update[field] = SecretStr(key)
    return settings.model_copy(update=update) if update else settings


def require_provider(settings: Settings) -> None:
    """Fail at once, in one line, when nothing could run a model (a named provider other than
    OpenRouter needs no OpenRouter key)."""
    from smart_spawn_plugin.errors import SmartSpawnError
    from smart_spawn_plugin.gateway.executor import is_openrouter

    if settings.providers.prefer not in (None, "openrouter"):
        return

    if is_openrouter(settings.base_url) and settings.openrouter_api_key is None:
        raise SmartSpawnError(NO_KEY_MESSAGE, field="OPENROUTER_API_KEY")


def _spawn_params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {"task": args.task, "category": args.category}
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


async def _dry_run(ctx: Context, params: dict[str, Any]) -> object:
    from smart_spawn_plugin.tools.smart_spawn import smart_spawn

    return checked(await smart_spawn(params, ctx.runtime(), None, strategy="recommend"))


@asynccontextmanager
async def _gateway(ctx: Context, settings: Settings, progress: object) -> AsyncIterator[Gateway]:
    """The reference gateway, started, with smart-spawn over this command's runtime and
    ``progress``; its executor sends each model to its provider (``runtime.executor``: the
    provider's URL, model id and key only), costing answers by the runtime's one rule."""
    from smart_spawn_plugin.gateway.host import Gateway
    from smart_spawn_plugin.plugin import SmartSpawnPlugin

    runtime = ctx.runtime()
    executor = runtime.executor(settings)
    gateway = Gateway(
        settings,
        plugins=[SmartSpawnPlugin(runtime=runtime), progress],
        executor=executor,
        price_lookup=runtime.price_of,
        effort_lookup=runtime.catalog.effort_of,
    )
    try:
        async with gateway:
            yield gateway
    finally:
        await executor.aclose()


async def _run(
    ctx: Context, params: dict[str, Any], settings: Settings, progress: object
) -> object:
    async with _gateway(ctx, settings, progress) as gateway:
        return checked(await gateway.call_tool("smart_spawn", params))


def spawn(ctx: Context) -> object:
    """The plan (``--dry-run``) or the finished run; a failed run raises ``CommandFailed``."""
    params = _spawn_params(ctx.args)
    runtime = ctx.runtime()
    settings = with_provider(ctx.args, runtime.settings)
    runtime.settings = settings  # --provider and --base-url shape the routing (the plan too)
    if ctx.args.dry_run:
        return ctx.run(_dry_run(ctx, params))
    require_provider(settings)
    from smart_spawn_plugin.cli.progress import open_progress

    with open_progress(sys.stderr) as progress:
        result = ctx.run(_run(ctx, params, settings, progress))
    views.raise_if_failed(result, ctx.json)
    return result


def chat(ctx: Context) -> None:
    runtime = ctx.runtime()
    settings = with_provider(ctx.args, runtime.settings)
    runtime.settings = settings
    require_provider(settings)
    print("smart-spawn chat — 'exit' to quit", file=sys.stderr)
    ctx.run(_chat(ctx, settings, lambda: input("> ")))


async def _chat(ctx: Context, settings: Settings, read: Callable[[], str]) -> None:
    import asyncio

    from smart_spawn_plugin.cli.progress import PlainProgress
    from smart_spawn_plugin.gateway.chat import chat_turn
    from smart_spawn_plugin.gateway.messages import ChatMessage
    from smart_spawn_plugin.settings import DEFAULT_SUBAGENT_MODEL

    args = ctx.args
    progress = PlainProgress(sys.stderr)
    history = [ChatMessage.system("You are a helpful agent. Delegate work with smart_spawn.")]
    async with _gateway(ctx, settings, progress) as gateway:
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
                gateway,
                gateway.executor,
                args.model or DEFAULT_SUBAGENT_MODEL,
                history,
                args.max_turns,
                progress.on_event,
            )
            history = list(result.messages)
            print(result.final, flush=True)
