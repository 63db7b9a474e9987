"""Per-message routing of a chat: which model answers a conversation sent to ``smart-spawn/auto``.

One rule for every surface (the OpenAI-compatible endpoint, the gateway's ``resolve_model``):

- the routed models are ``smart-spawn/auto`` (the default budget) and
  ``smart-spawn/auto-low|medium|high|any``; any other model id is sent as named (``direct``);
- the **last user message** is the task. A slash command (``/…``) or a message of at most
  ``passthroughMaxChars`` characters goes to ``passthroughModel`` (``passthrough``); when none is
  configured it is routed as ``fast-cheap`` on the ``low`` budget;
- ``smart-spawn/openmark/<task>[@<strategy>]`` routes on the user's own OpenMark export for
  that task (``engine/select/openmark``: completion and stability filters, cost and time per
  call, deterministic tie-break; a freshness warning in the reason);
- otherwise the one pick path (``Runtime.pick``: classification, budget, personal ratings,
  providers and quotas) decides, requiring ``vision`` when the conversation holds an image and a
  context window that fits it when it is long; the decision's fallbacks follow in order.

:class:`RoutePlan` carries the candidates in order and what the response reports about them
(:meth:`RoutePlan.header`, :func:`routing_card`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, Field

from smart_spawn_plugin.contract import ModelChoice
from smart_spawn_plugin.engine.catalog.sources.openmark import export_date
from smart_spawn_plugin.engine.select import openmark
from smart_spawn_plugin.engine.select.requests import Decision, PickRequest
from smart_spawn_plugin.errors import InvalidParam, NoModel
from smart_spawn_plugin.models import (
    BUDGETS,
    Budget,
    BudgetChoice,
    Capability,
    Category,
    Strategy,
)
from smart_spawn_plugin.runtime import Runtime

ROUTED_PREFIX: Final = "smart-spawn/"
AUTO: Final = "smart-spawn/auto"
#: routed model id → its budget (None: the settings' default budget)
ROUTED_MODELS: Final[dict[str, Budget | None]] = {
    AUTO: None,
    **{f"{AUTO}-{budget}": budget for budget in BUDGETS},
}
#: ``smart-spawn/openmark/<task>[@<strategy>]``: routed on an OpenMark task
OPENMARK_MODELS: Final = f"{ROUTED_PREFIX}openmark/"
#: how many ranked OpenMark rows answer, the best first and the rest as fallbacks
OPENMARK_CANDIDATES: Final = 3
_STRATEGIES: Final[tuple[str, ...]] = get_args(Strategy)
#: A conversation longer than this (estimated tokens) asks for a window that fits it.
LONG_CONVERSATION_TOKENS: Final = 8_000
#: Room left for the answer when a long conversation sets the minimum context window.
ANSWER_ROOM_TOKENS: Final = 4_096
_IMAGE_PARTS: Final = frozenset({"image_url", "input_image", "image"})

Kind = Literal["routed", "passthrough", "direct"]


def is_routed(model: str) -> bool:
    """Whether ``model`` is one of the routed model ids."""
    return model in ROUTED_MODELS or model.startswith(OPENMARK_MODELS)


def routed_ids(runtime: Runtime) -> list[str]:
    """Every routed model id: the auto ones, then one per imported OpenMark task."""
    tasks = openmark.tasks(runtime.catalog.current().models)
    return [*ROUTED_MODELS, *(f"{OPENMARK_MODELS}{task}" for task in tasks)]


def estimate_tokens(chars: int) -> int:
    """A rough token count for ``chars`` characters of text (4 characters a token)."""
    return (chars + 3) // 4


def text_of(content: object) -> str:
    """The text of an OpenAI message ``content`` (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return ""


@dataclass(frozen=True)
class ChatFeatures:
    """What routing reads of a conversation."""

    task: str
    has_images: bool
    tokens: int

    @property
    def long(self) -> bool:
        return self.tokens > LONG_CONVERSATION_TOKENS

    @property
    def slash(self) -> bool:
        return self.task.lstrip().startswith("/")


def features(messages: Iterable[Mapping[str, Any]]) -> ChatFeatures:
    """The last user message's text, whether any message holds an image, the estimated size."""
    task, chars, images = "", 0, False
    for message in messages:
        content = message.get("content")
        text = text_of(content)
        chars += len(text)
        if isinstance(content, list):
            images = images or any(
                isinstance(p, Mapping) and p.get("type") in _IMAGE_PARTS for p in content
            )
        if message.get("role") == "user":
            task = text
    return ChatFeatures(task=task.strip(), has_images=images, tokens=estimate_tokens(chars))


class RoutePlan(BaseModel):
    """The models to try, best first, and why."""

    requested: str
    kind: Kind
    candidates: list[str] = Field(min_length=1)
    category: Category
    budget: Budget
    reason: str
    decision: Decision | None = None

    def header(self, answered: str, failures: Sequence[str], run_id: str) -> str:
        """The ``x-smart-spawn-route`` value: compact ASCII JSON (header-safe)."""
        return json.dumps(
            {
                "model": answered,
                "requested": self.requested,
                "kind": self.kind,
                "category": self.category,
                "budget": self.budget,
                "reason": self.reason,
                "fallbacksUsed": list(failures),
                "runId": run_id,
            },
            separators=(",", ":"),
        )


def _routed_budget(runtime: Runtime, model: str) -> BudgetChoice:
    return ROUTED_MODELS.get(model) or runtime.settings.default_budget


def _openmark_plan(runtime: Runtime, model: str) -> RoutePlan:
    task, _, strategy = model.removeprefix(OPENMARK_MODELS).partition("@")
    strategy = strategy or "balanced"
    if strategy not in _STRATEGIES:
        raise InvalidParam(
            f"model {model}: strategy must be one of {', '.join(_STRATEGIES)}", field="model"
        )
    settings = runtime.settings
    models = runtime.catalog.current().models
    rows = openmark.task_rows(models, task)
    if not rows:
        known = ", ".join(openmark.tasks(models)) or "none imported"
        raise NoModel(f"no OpenMark task {task!r} in the catalog (tasks: {known})")
    kept, dropped = openmark.eligible(
        rows,
        min_completion=settings.openmark_min_completion,
        max_variance=settings.openmark_max_variance,
    )
    ranked = openmark.rank_task(kept, strategy)  # type: ignore[arg-type]  # checked above
    if not ranked:
        why = "; ".join(f"{m}: {r}" for m, r in sorted(dropped.items())) or strategy
        raise NoModel(f"no model of OpenMark task {task!r} qualifies ({why})")
    best = ranked[0]
    notes = [f"OpenMark {task}, {strategy}: {best.model} {best.describe()}"]
    if dropped:
        notes.append(f"{len(dropped)} filtered out ({'; '.join(sorted(dropped.values()))})")
    path = runtime.catalog.openmark_dir / f"{task}.csv"
    if path.is_file():
        warning = openmark.freshness_warning(
            task, export_date(path), datetime.now(UTC), settings.freshness_warning_days
        )
        if warning:
            notes.append(warning)
    return RoutePlan(
        requested=model,
        kind="routed",
        candidates=[r.model for r in ranked[:OPENMARK_CANDIDATES]],
        category="general",
        budget="any",
        reason="; ".join(notes),
    )


async def plan_route(
    runtime: Runtime,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    user_key: str = "local",
) -> RoutePlan:
    """The plan for a conversation sent to ``model`` (module docstring). Raises ``NoModel``
    when nothing fits (from the pick path)."""
    if not is_routed(model):
        return RoutePlan(
            requested=model,
            kind="direct",
            candidates=[model],
            category="general",
            budget="any",
            reason="model named by the caller",
        )
    settings = runtime.settings
    chat = features(messages)
    budget = _routed_budget(runtime, model)
    short = len(chat.task) <= settings.passthrough_max_chars
    if (chat.slash or short) and not chat.has_images:
        why = (
            "slash command"
            if chat.slash
            else f"short message (<= {settings.passthrough_max_chars} chars)"
        )
        if settings.passthrough_model:
            return RoutePlan(
                requested=model,
                kind="passthrough",
                candidates=[settings.passthrough_model],
                category="fast-cheap",
                budget="low",  # short work, like the routed passthrough below
                reason=f"{why}: passthrough model",
            )
        request = PickRequest(
            task=chat.task or "hello", category="fast-cheap", budget="low", user_key=user_key
        )
        routed = await runtime.pick(request)
        return _plan_of(model, "passthrough", routed.decision, f"{why}: fast-cheap, low budget")
    if model.startswith(OPENMARK_MODELS):
        return _openmark_plan(runtime, model)
    require: list[Capability] = ["vision"] if chat.has_images else []
    min_context = chat.tokens + ANSWER_ROOM_TOKENS if chat.long else 0
    request = PickRequest(
        task=chat.task or "general chat",
        budget=budget,
        require=require,
        min_context=min_context,
        user_key=user_key,
    )
    routed = await runtime.pick(request)
    return _plan_of(model, "routed", routed.decision, routed.decision.reason)


def _plan_of(model: str, kind: Kind, decision: Decision, reason: str) -> RoutePlan:
    candidates = list(dict.fromkeys([decision.id, *decision.fallbacks]))
    return RoutePlan(
        requested=model,
        kind=kind,
        candidates=candidates,
        category=decision.category,
        budget=decision.budget,
        reason=reason,
        decision=decision,
    )


def routing_card(
    runtime: Runtime, plan: RoutePlan, answered: str, failures: Sequence[str] = ()
) -> str:
    """The card prepended to an answer when ``showRoutingCard`` is on: the model that answered,
    its benchmark score, its price and why (the seed's card), as one Markdown quote line."""
    parts = [f"{plan.category}, {plan.budget} budget"]
    decision = plan.decision
    if decision is not None and decision.id == answered:
        parts.append(f"score {decision.benchmark_score:.1f}")
    price = runtime.price_of(answered)
    if price is not None:
        parts.append(f"${price[0]:g}/${price[1]:g} per 1M tokens")
    after = f"; after {', '.join(failures)}" if failures else ""
    return f"> smart-spawn → {answered} ({', '.join(parts)}): {plan.reason}{after}\n\n"


async def turn_choice(
    runtime: Runtime, model: str, messages: Sequence[Mapping[str, Any]]
) -> ModelChoice | None:
    """The gateway's ``resolve_model`` answer for a chat turn: None unless ``model`` is a routed
    one; else the plan's first candidate, its fallbacks and (with ``showRoutingCard``) the
    card of each candidate, for the chat loop (``gateway.chat``)."""
    if not is_routed(model):
        return None
    plan = await plan_route(runtime, model, messages)
    cards: dict[str, Any] = {}
    if runtime.settings.show_routing_card:
        cards = {
            m: routing_card(runtime, plan, m, plan.candidates[:i])
            for i, m in enumerate(plan.candidates)
        }
    return ModelChoice(
        model=plan.candidates[0],
        reason=plan.reason,
        details={
            "fallbacks": list(plan.candidates[1:]),
            "cards": cards,
            "kind": plan.kind,
            "category": plan.category,
            "budget": plan.budget,
        },
    )
