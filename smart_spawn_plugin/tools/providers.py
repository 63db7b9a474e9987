"""The router tools (named as in the openclaw-tactician seed), for "when will I run out?" chats.

- ``router_status``: providers, their usage in the current window, shifts, the mode;
- ``router_predict``: burn rate and predicted exhaustion vs the next reset, per provider
  (``provider`` to ask about one, ``hours`` for the burn-rate window);
- ``router_analyze``: recurring work a cheaper or local model could do as well, with savings;
- ``router_optimize``: propose those changes; ``apply`` writes them as overrides **only** with
  ``confirm: true`` (ask the user first) or in ``auto`` mode; ``undo`` removes them;
- ``router_shift``: move all work off a provider, or back (``undo``).

Handlers never raise to the model: bad params give an error result naming the field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from smart_spawn_plugin.contract import ToolCall, ToolContext, ToolResult, ToolSpec
from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.providers.optimize import analyze, optimize
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.runtime import Runtime

ROUTER_TOOL_NAMES: Final = (
    "router_status",
    "router_predict",
    "router_analyze",
    "router_optimize",
    "router_shift",
)


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatusArgs(_Args):
    detect_local: bool = Field(default=False, description="Also probe local model servers.")


class PredictArgs(_Args):
    provider: str | None = Field(default=None, description="One provider (default: all).")
    hours: float | None = Field(default=None, gt=0, le=8784, description="Burn-rate window.")


class AnalyzeArgs(_Args):
    pass


class OptimizeArgs(_Args):
    apply: bool = Field(default=False, description="Write the proposals as routing overrides.")
    undo: bool = Field(default=False, description="Remove every override.")
    confirm: bool = Field(
        default=False, description="The user confirmed applying (required unless mode is auto)."
    )


class ShiftArgs(_Args):
    provider: str = Field(min_length=1, max_length=100, description="The provider to move off.")
    undo: bool = Field(default=False, description="Move work back onto the provider.")


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)
    return schema


async def router_status(params: dict[str, Any], service: ProvidersService) -> object:
    args = StatusArgs.model_validate(params)
    local = await service.detect_local() if args.detect_local else []
    return {
        "mode": service.mode(),
        "providers": [p.model_dump(mode="json", by_alias=True) for p in service.providers()],
        "usage": [u.model_dump(mode="json", by_alias=True) for u in await service.usage()],
        "localServers": [s.model_dump(mode="json", by_alias=True) for s in local],
    }


async def router_predict(params: dict[str, Any], service: ProvidersService) -> object:
    args = PredictArgs.model_validate(params)
    if args.provider is not None:
        service.registry.get(args.provider)  # unknown → InvalidParam naming the known ones
    predictions = await service.predict(args.hours)
    chosen = [p for p in predictions if args.provider in (None, p.provider)]
    return {
        "predictions": [p.model_dump(mode="json", by_alias=True) for p in chosen],
        "summary": "; ".join(p.message for p in chosen),
    }


async def router_analyze(params: dict[str, Any], service: ProvidersService) -> object:
    AnalyzeArgs.model_validate(params)
    return {"proposals": [p.model_dump(mode="json", by_alias=True) for p in analyze(service)]}


async def router_optimize(params: dict[str, Any], service: ProvidersService) -> object:
    args = OptimizeArgs.model_validate(params)
    result = optimize(service, apply=args.apply, undo=args.undo, confirm=args.confirm)
    return result.model_dump(mode="json", by_alias=True)


async def router_shift(params: dict[str, Any], service: ProvidersService) -> object:
    args = ShiftArgs.model_validate(params)
    return service.shift(args.provider, undo=args.undo)


Handler = Callable[[dict[str, Any], ProvidersService], Awaitable[object]]
_TOOLS: Final[dict[str, tuple[type[BaseModel], Handler, str]]] = {
    "router_status": (
        StatusArgs,
        router_status,
        "Providers, their quota usage this window, shifts and the routing mode.",
    ),
    "router_predict": (
        PredictArgs,
        router_predict,
        "When will a provider's quota or credit run out? Burn rate, predicted exhaustion and "
        "next reset per provider (e.g. 'When will I run out of OpenRouter credit?').",
    ),
    "router_analyze": (
        AnalyzeArgs,
        router_analyze,
        "Recurring work (category x role) a cheaper or local model could do as well, with the "
        "saving.",
    ),
    "router_optimize": (
        OptimizeArgs,
        router_optimize,
        "Propose cheaper routing; apply=true writes overrides only with confirm=true after "
        "asking the user (or in auto mode); undo=true removes them.",
    ),
    "router_shift": (
        ShiftArgs,
        router_shift,
        "Move all work off a provider (e.g. when it runs low); undo=true moves it back.",
    ),
}


def router_tools(runtime: Callable[[], Runtime]) -> list[ToolSpec]:
    """The five router ``ToolSpec``s; ``runtime()`` is resolved at call time."""

    def make(name: str, args: type[BaseModel], run: Handler, description: str) -> ToolSpec:
        async def handler(call: ToolCall, ctx: ToolContext) -> ToolResult:
            try:
                service = runtime().providers
                return ToolResult.of_json(await run(dict(call.params), service))  # type: ignore[arg-type]
            except (SmartSpawnError, ValidationError) as exc:
                return ToolResult.of_error(exc)

        return ToolSpec(
            name=name, description=description, parameters=_schema(args), handler=handler
        )

    return [make(name, *spec) for name, spec in _TOOLS.items()]
