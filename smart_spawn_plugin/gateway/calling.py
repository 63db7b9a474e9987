"""Async-aware hook calling: the only place that knows pluggy cannot await.

pluggy calls hookimpls synchronously; an ``async def`` impl returns a coroutine, which is not
None, so pluggy's ``firstresult`` would "succeed" with an unawaited coroutine. We therefore
iterate the impls ourselves in pluggy's call order (``reversed(get_hookimpls())``, which already
honours ``tryfirst``/``trylast``), call each with the arguments it declares, and await any
awaitable result under a per-call time budget (datasette's ``await_me_maybe``).

Failure policy: every helper here **fails open**. An impl that raises, times out or returns the
wrong type is logged and skipped; the caller proceeds as if it had returned None. A sync impl
cannot be interrupted, so its budget only applies to the awaitable it returns.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from pluggy import HookCaller, HookImpl

from smart_spawn_plugin.contract import (
    ModelChoice,
    SpawnDecision,
    SpawnRequest,
    ToolCall,
    ToolCallDecision,
)
from smart_spawn_plugin.log import get_logger

logger = get_logger(__name__)

#: Budget for one runtime hook impl, in seconds (OpenClaw's default for gates).
DEFAULT_HOOK_TIMEOUT: Final = 15.0

_T = TypeVar("_T")
#: Extra keyword arguments per impl (e.g. a ctx carrying that plugin's own config).
PerImpl = Callable[[HookImpl], Mapping[str, object]]


def impls_in_call_order(hook: HookCaller) -> list[HookImpl]:
    """The impls of ``hook`` in the order pluggy would call them; wrappers are not supported."""
    return [
        impl for impl in reversed(hook.get_hookimpls()) if not (impl.hookwrapper or impl.wrapper)
    ]


def _arguments(
    impl: HookImpl, kwargs: Mapping[str, object], per_impl: PerImpl | None
) -> list[object]:
    merged = {**kwargs, **(per_impl(impl) if per_impl else {})}
    # pluggy passes exactly the spec arguments the impl names, positionally, in its order
    return [merged[name] for name in impl.argnames]


async def call_impl(
    impl: HookImpl,
    kwargs: Mapping[str, object],
    *,
    budget_s: float = DEFAULT_HOOK_TIMEOUT,
    per_impl: PerImpl | None = None,
) -> object:
    """Call one impl with the arguments it declares and await its result if it is awaitable.

    Raises whatever the impl raises, and ``TimeoutError`` past ``budget_s`` seconds.
    """
    result = impl.function(*_arguments(impl, kwargs, per_impl))
    if inspect.isawaitable(result):
        async with asyncio.timeout(budget_s):
            return await result
    return result


def _log_failure(hook: HookCaller, impl: HookImpl, error: BaseException) -> None:
    event = "hook_timed_out" if isinstance(error, TimeoutError) else "hook_failed"
    logger.warning(
        event,
        hook=hook.name,
        plugin=impl.plugin_name,
        error=f"{type(error).__name__}: {error}",
    )


async def call_hook(
    hook: HookCaller,
    *,
    budget_s: float = DEFAULT_HOOK_TIMEOUT,
    per_impl: PerImpl | None = None,
    **kwargs: object,
) -> list[object]:
    """Call every impl of an observe hook; async impls run concurrently.

    Returns the non-None results in call order. Exceptions and timeouts are logged, never raised.
    """
    impls = impls_in_call_order(hook)

    async def one(impl: HookImpl) -> object:
        try:
            return await call_impl(impl, kwargs, budget_s=budget_s, per_impl=per_impl)
        except Exception as error:  # fail open: one plugin must not break the others
            _log_failure(hook, impl, error)
            return None

    results = await asyncio.gather(*(one(impl) for impl in impls))
    return [result for result in results if result is not None]


async def call_first(
    hook: HookCaller,
    accept: type[_T],
    *,
    budget_s: float = DEFAULT_HOOK_TIMEOUT,
    per_impl: PerImpl | None = None,
    **kwargs: object,
) -> _T | None:
    """Call impls in order until one returns a non-None ``accept`` instance; return it.

    Exceptions, timeouts and results of the wrong type are logged and skipped (fail open).
    """
    for impl in impls_in_call_order(hook):
        try:
            result = await call_impl(impl, kwargs, budget_s=budget_s, per_impl=per_impl)
        except Exception as error:  # fail open
            _log_failure(hook, impl, error)
            continue
        if result is None:
            continue
        if isinstance(result, accept):
            return result
        logger.warning(
            "hook_bad_result",
            hook=hook.name,
            plugin=impl.plugin_name,
            expected=accept.__name__,
            got=type(result).__name__,
        )
    return None


async def resolve_model(
    hook: HookCaller,
    request: SpawnRequest,
    *,
    default_model: str,
    budget_s: float = DEFAULT_HOOK_TIMEOUT,
    per_impl: PerImpl | None = None,
    **kwargs: object,
) -> ModelChoice:
    """The model a spawn runs on. Routing **fails open**: it never raises and never blocks.

    A model named in the request wins; otherwise the first plugin ``ModelChoice``; otherwise
    (no plugin answered, or every one failed or timed out) ``default_model``.
    """
    if not request.wants_routing:
        assert request.model is not None  # wants_routing is False only with a model
        return ModelChoice(model=request.model, source="request", reason="requested")
    try:
        choice = await call_first(
            hook, ModelChoice, budget_s=budget_s, per_impl=per_impl, request=request, **kwargs
        )
    except Exception as error:  # belt and braces: routing must never block a spawn
        logger.warning("routing_failed", error=f"{type(error).__name__}: {error}")
        choice = None
    if choice is not None and choice.model.strip():
        return choice
    return ModelChoice(model=default_model, source="default", reason="no routing decision")


async def resolve_turn_model(
    hook: HookCaller,
    model: str,
    messages: list[dict[str, Any]],
    *,
    host: object,
    budget_s: float = DEFAULT_HOOK_TIMEOUT,
) -> ModelChoice:
    """The model one chat turn runs on: the first plugin ``ModelChoice`` (``resolve_model``),
    else ``model`` itself. Never raises (fails open, like spawn routing)."""
    try:
        choice = await call_first(
            hook, ModelChoice, budget_s=budget_s, model=model, messages=messages, host=host
        )
    except Exception as error:  # belt and braces: routing must never block a turn
        logger.warning("turn_routing_failed", error=f"{type(error).__name__}: {error}")
        choice = None
    if choice is not None and choice.model.strip():
        return choice
    return ModelChoice(model=model, source="request", reason="configured model")


async def _gate(
    hook: HookCaller,
    accept: type[_T],
    apply: Callable[[HookImpl, _T], str | None],
    *,
    budget_s: float,
    per_impl: PerImpl | None,
    state: Mapping[str, object],
) -> str | None:
    """Call impls sequentially; ``apply`` folds each decision into ``state`` (which the next impl
    sees) and returns a block reason to stop. Returns the block reason, or None."""
    for impl in impls_in_call_order(hook):
        try:
            result = await call_impl(impl, state, budget_s=budget_s, per_impl=per_impl)
        except Exception as error:  # fail open: a broken gate skips, it does not block
            _log_failure(hook, impl, error)
            continue
        if result is None:
            continue
        if not isinstance(result, accept):
            logger.warning(
                "hook_bad_result",
                hook=hook.name,
                plugin=impl.plugin_name,
                expected=accept.__name__,
                got=type(result).__name__,
            )
            continue
        reason = apply(impl, result)
        if reason is not None:
            return reason
    return None


async def gate_spawn(
    hook: HookCaller,
    request: SpawnRequest,
    *,
    budget_s: float = DEFAULT_HOOK_TIMEOUT,
    per_impl: PerImpl | None = None,
    **kwargs: object,
) -> tuple[SpawnRequest, str | None]:
    """Run ``before_spawn``: the (possibly rewritten) request and a block reason, or None."""
    state: dict[str, object] = {**kwargs, "request": request}
    current = request

    def apply(impl: HookImpl, decision: SpawnDecision) -> str | None:
        nonlocal current
        if decision.block:
            return decision.block_reason or f"blocked by plugin {impl.plugin_name}"
        if decision.request is not None:
            current = decision.request
            state["request"] = current
        return None

    reason = await _gate(
        hook, SpawnDecision, apply, budget_s=budget_s, per_impl=per_impl, state=state
    )
    return current, reason


async def gate_tool_call(
    hook: HookCaller,
    call: ToolCall,
    *,
    budget_s: float = DEFAULT_HOOK_TIMEOUT,
    per_impl: PerImpl | None = None,
    **kwargs: object,
) -> tuple[ToolCall, str | None]:
    """Run ``before_tool_call``: the (possibly rewritten) call and a block reason, or None."""
    state: dict[str, object] = {**kwargs, "call": call}
    current = call

    def apply(impl: HookImpl, decision: ToolCallDecision) -> str | None:
        nonlocal current
        if decision.block:
            return decision.block_reason or f"blocked by plugin {impl.plugin_name}"
        if decision.params is not None:
            current = current.model_copy(update={"params": decision.params})
            state["call"] = current
        return None

    reason = await _gate(
        hook, ToolCallDecision, apply, budget_s=budget_s, per_impl=per_impl, state=state
    )
    return current, reason
