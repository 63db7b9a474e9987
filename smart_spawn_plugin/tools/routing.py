"""Hook-side routing and outcome feedback: what ``resolve_spawn_model``, ``subagent_spawned``
and ``subagent_ended`` do for smart-spawn.

- :func:`resolve_model`: a plain ``sessions_spawn(task=…)`` with no model gets the best model
  for its task. Hints in ``request.metadata["smartSpawn"]`` (``category``, ``budget``,
  ``context``) are honoured. When the routing API failed and the local engine answered, the
  choice's ``reason`` ends with ``[picked locally: <why>]`` and ``details.source`` is
  ``local-fallback``. Fails open: any other error gives None (the gateway's default model,
  ``source="default"``).
- :func:`track_spawn` remembers the spawns whose feedback is ours to report: those we routed
  (to log them with real usage when they end) and those our modes started with a known category
  (for an implicit rating; the mode's run context logs those spawns itself).
- :func:`record_ended` logs a routed spawn with its *real* usage, cost and duration, and — only
  with ``implicitRatings`` — rates it from its outcome (:data:`IMPLICIT_RATINGS`).
"""

from __future__ import annotations

import json
from typing import Final, get_args

from pydantic import JsonValue

from smart_spawn_plugin.client.base import OutcomeReport, SpawnLogEntry
from smart_spawn_plugin.contract import ModelChoice, SpawnAccepted, SpawnRequest, SubagentEnded
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.models import BUDGETS, CATEGORIES, Budget, Category, Mode
from smart_spawn_plugin.runtime import Runtime

logger = get_logger(__name__)

#: Key of smart-spawn's entry in ``SpawnRequest.metadata`` and ``ModelChoice.details``.
META_KEY: Final = "smartSpawn"
#: Outcome → implicit rating. ``cancelled`` says nothing about quality and gives none.
IMPLICIT_RATINGS: Final[dict[str, int]] = {"ok": 4, "error": 1, "timeout": 2}
#: An ``ok`` outcome without any output is rated like a failure.
EMPTY_OUTPUT_RATING: Final = 2


def _hints(request: SpawnRequest) -> dict[str, JsonValue]:
    meta = request.metadata.get(META_KEY)
    return dict(meta) if isinstance(meta, dict) else {}


def _category(value: JsonValue) -> Category | None:
    return next((c for c in CATEGORIES if c == value), None)


def _budget(value: JsonValue) -> Budget | None:
    return next((b for b in BUDGETS if b == value), None)


def _json_of(data: dict[str, object]) -> JsonValue:
    value: JsonValue = json.loads(json.dumps(data))
    return value


async def resolve_model(runtime: Runtime, request: SpawnRequest) -> ModelChoice | None:
    """The best model for ``request.task`` (see the module docstring); None on any failure."""
    hints = _hints(request)
    context = hints.get("context")
    pick = PickRequest(
        task=request.task,
        category=_category(hints.get("category")),
        budget=_budget(hints.get("budget")) or runtime.settings.default_budget,
        context=[str(t) for t in context] if isinstance(context, list) else [],
    )
    try:
        try:
            routed = await runtime.pick(pick)
        except NoModel as exc:
            if exc.next_budget is None:
                raise
            routed = await runtime.pick(pick.model_copy(update={"budget": exc.next_budget}))
    except Exception as exc:  # routing fails open: the spawn goes on, on the default model
        logger.warning("spawn_routing_failed", error=f"{type(exc).__name__}: {exc}")
        return None
    d = routed.decision
    details: dict[str, JsonValue] = {
        META_KEY: True,
        "category": d.category,
        "budget": d.budget,
        "score": d.score,
        "confidence": d.confidence,
        "source": routed.source,
        "fallbackReason": routed.fallback_reason,
        "runnerUps": [{"id": r.id, "score": r.score} for r in d.runner_ups[:3]],
        "classification": _json_of(d.classification.wire()) if d.classification else None,
    }
    logger.info("model_selected", model=d.id, category=d.category, source=routed.source)
    reason = d.reason
    if routed.fallback_reason:
        reason = f"{reason} [picked locally: {routed.fallback_reason}]"
    return ModelChoice(model=d.id, provider=d.provider, reason=reason, details=details)


def track_spawn(runtime: Runtime, accepted: SpawnAccepted, request: SpawnRequest) -> None:
    """Remember an accepted spawn whose outcome smart-spawn reports (module docstring)."""
    if accepted.run_id is None:
        return
    details = accepted.choice.details if accepted.choice else {}
    hints = _hints(request)
    if details.get(META_KEY) is True:
        runtime.tracked[accepted.run_id] = {
            "log": "yes",
            "category": str(details.get("category")),
            "budget": str(details.get("budget") or runtime.settings.default_budget),
            "mode": "single",
            "role": "primary",
        }
    elif _category(hints.get("category")) is not None:
        runtime.tracked[accepted.run_id] = {
            "log": "",
            "category": str(hints["category"]),
            "budget": str(hints.get("budget") or runtime.settings.default_budget),
            "mode": str(hints.get("mode") or "single"),
            "role": str(hints.get("role") or "primary"),
        }


def implicit_rating(ended: SubagentEnded) -> int | None:
    """The rating an outcome implies (:data:`IMPLICIT_RATINGS`), or None."""
    if ended.outcome == "ok" and not (ended.output or "").strip():
        return EMPTY_OUTPUT_RATING
    return IMPLICIT_RATINGS.get(ended.outcome)


async def record_ended(runtime: Runtime, ended: SubagentEnded) -> None:
    """Log a tracked spawn with its real usage; rate it implicitly when opted in."""
    track = runtime.tracked.pop(ended.run_id, None)
    category = _category(track.get("category")) if track else None
    if track is None or category is None or not ended.model:
        return
    if track["log"]:
        mode: Mode = next((m for m in get_args(Mode) if m == track["mode"]), "single")
        await runtime.log_spawn(
            SpawnLogEntry(
                model=ended.model,
                category=category,
                budget=_budget(track["budget"]) or runtime.settings.default_budget,
                mode=mode,
                role=track["role"],
                source="plugin",
                prompt_tokens=ended.usage.prompt_tokens,
                completion_tokens=ended.usage.completion_tokens,
                cost_usd=ended.cost_usd,
                duration_ms=ended.duration_ms,
                status=ended.outcome,
                run_id=ended.run_id,
            )
        )
    rating = implicit_rating(ended)
    if runtime.settings.implicit_ratings and rating is not None:
        report = OutcomeReport(model=ended.model, category=category, rating=rating, implicit=True)
        try:
            await runtime.rate(report)
        except Exception:
            logger.warning("implicit_rating_failed", model=ended.model)
