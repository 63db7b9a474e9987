"""Helpers every mode shares: routing through the recommender, role prompts, labels, bounds.

Routing goes through the ``Recommender`` held by the run context (local engine by default), and
every choice is noted in the context so the result's ``routingDecision`` lists it. Role prompts
come from the role composer; ``SpawnRequest`` has no system-prompt field, so the composed
``fullPrompt`` (role, a rule, then the task) is sent as the sub-agent's task, as the original
plugin did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from smart_spawn_plugin.engine.select.requests import Decision, PickRequest
from smart_spawn_plugin.models import BUDGETS, Budget, Category, Strategy
from smart_spawn_plugin.modes.base import ModeRequest, RoutedModel, RunnerUpOut
from smart_spawn_plugin.modes.run import RunContext
from smart_spawn_plugin.roles.composer import compose_system_prompt

#: How many runner-ups a routing choice reports.
RUNNER_UPS: Final = 3


def pick_request(
    req: ModeRequest,
    *,
    task: str | None = None,
    category: Category | None = None,
    budget: Budget | None = None,
    strategy: Strategy | None = None,
    exclude: Sequence[str] = (),
) -> PickRequest:
    """A ``PickRequest`` from the mode request, with per-call overrides.

    With neither ``category`` nor ``req.category``, the engine classifies ``task``.
    """
    return PickRequest(
        task=task if task is not None else req.task,
        category=category or req.category,
        budget=budget or req.budget,
        exclude=list(exclude),
        context=list(req.context),
        category_weights=req.category_weights,
        strategy=strategy or req.strategy,
        user_key=req.user_key,
    )


def routed_from(decision: Decision, *, role: str, source: str) -> RoutedModel:
    return RoutedModel(
        role=role,
        model=decision.id,
        category=decision.category,
        budget=decision.budget,
        score=decision.score,
        reason=decision.reason,
        confidence=decision.confidence,
        source=source,
        pricing=decision.pricing,
        runner_ups=[RunnerUpOut(id=r.id, score=r.score) for r in decision.runner_ups][:RUNNER_UPS],
    )


async def pick(ctx: RunContext, request: PickRequest, *, role: str) -> RoutedModel:
    """Pick one model and note the choice. Raises ``NoModel`` when nothing qualifies."""
    routed = await ctx.recommender.pick(request)
    return ctx.route(routed_from(routed.decision, role=role, source=routed.source))


def fixed_model(
    ctx: RunContext, model: str, *, role: str, category: Category, budget: Budget, why: str
) -> RoutedModel:
    """Note a model the caller named (judge/merge override) as a routing choice."""
    return ctx.route(
        RoutedModel(
            role=role, model=model, category=category, budget=budget, reason=why, source="request"
        )
    )


async def merge_model(ctx: RunContext, req: ModeRequest, *, role: str = "merge") -> RoutedModel:
    """``req.merge_model``, or the best ``general`` model in the request's budget."""
    if req.merge_model:
        return fixed_model(
            ctx,
            req.merge_model,
            role=role,
            category="general",
            budget=req.budget,
            why="merge model named in the request",
        )
    request = pick_request(req, category="general", strategy="best_score")
    return await pick(ctx, request, role=role)


def capped(budget: Budget, ceiling: Budget) -> Budget:
    """``budget``, but never above ``ceiling`` (the user's budget caps every spawn)."""
    return budget if BUDGETS.index(budget) <= BUDGETS.index(ceiling) else ceiling


def role_prompt(
    req: ModeRequest, task: str, *, persona: str | None = None
) -> tuple[str, list[str]]:
    """The sub-agent's task text with the caller's role blocks, and the composer's warnings.

    ``persona`` overrides ``req.persona`` (swarm nodes carry their own persona guess).
    Without any role field the task is returned unchanged.
    """
    _, full, warnings = role_parts(req, task, persona=persona)
    return full, warnings


def role_parts(
    req: ModeRequest, task: str, *, persona: str | None = None
) -> tuple[str, str, list[str]]:
    """``(system prompt, full prompt, warnings)``: the role part alone (empty without any role
    field), the role part with the task (the task alone without a role), and the composer's
    warnings (e.g. an unknown persona id)."""
    persona = persona or req.persona
    if not (persona or req.has_role):
        return "", task, []
    composed = compose_system_prompt(
        task,
        persona=persona,
        stack=req.stack,
        domain=req.domain,
        format=req.format,
        guardrails=req.guardrails,
    )
    return composed.role_prompt, composed.full_prompt, list(composed.warnings)


def label(req: ModeRequest, prefix: str, category: str, model: str) -> str:
    """``<prefix>: <category> (<model tail>)``, the original's label shape; or the caller's."""
    tail = model.rsplit("/", 1)[-1]
    base = f"{prefix}: {category} ({tail})"
    return f"{req.label} · {base}" if req.label else base


def bounded(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` chars, keeping the head and saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit} more characters cut]"


def bounded_tail(text: str, limit: int) -> str:
    """The last ``limit`` chars of ``text`` (recent context matters most)."""
    if len(text) <= limit:
        return text
    return f"[… {len(text) - limit} earlier characters cut]\n" + text[-limit:]
