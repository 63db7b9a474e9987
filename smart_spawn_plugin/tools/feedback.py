"""The ``smart_spawn_feedback`` tool: rate how well a model did on a category (1–5).

Parameters are the original's: ``model``, ``category``, ``rating`` (1–5, rounded half up: 4.5 →
5), ``context`` (comma tags). The model must be in the catalog; its id is normalised (trimmed,
lower-case, no ``openrouter/``). The rating goes to the routing API in use (local store, or
``POST {apiUrl}/spawn-log/outcome`` through the outbox) and feeds this user's personal scores,
so the next pick favours models rated 4–5, deprioritises those rated 1–2 and keeps a 3 neutral.
With ``telemetryOptIn`` it is also reported anonymously to ``communityUrl``. A rating outside
1–5, an unknown category, a missing or unknown model is an error result naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from smart_spawn_plugin.client.base import OutcomeReport, stars, verdict
from smart_spawn_plugin.contract import ToolCall, ToolContext, ToolResult, ToolSpec
from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.models import Category
from smart_spawn_plugin.runtime import Runtime

TOOL_NAME: Final = "smart_spawn_feedback"
DESCRIPTION: Final = (
    "Rate how well a sub-agent's model did (1 = useless, 5 = excellent) for a task category. "
    "Ratings change future model picks for you: well-rated models are favoured."
)


class FeedbackArgs(BaseModel):
    """The tool's parameters: ``model``, ``category`` and ``rating`` are required."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=300, description="The model that ran.")
    category: Category = Field(description="The task category it was used for.")
    rating: float = Field(ge=1, le=5, description="1 (useless) to 5 (excellent).")
    context: str | None = Field(
        default=None, max_length=1000, description="Context tags, e.g. 'typescript,nextjs'."
    )
    task: str | None = Field(
        default=None,
        max_length=20_000,
        description="The task the model did: a very similar task later follows this rating.",
    )


def parameters_schema() -> dict[str, Any]:
    schema = FeedbackArgs.model_json_schema(by_alias=True)
    schema.pop("title", None)
    schema.pop("description", None)
    return schema


async def record_feedback(
    params: Mapping[str, object], runtime: Runtime, *, user_key: str = "local"
) -> ToolResult:
    """Record the rating; never raises (bad params → error result naming the field)."""
    try:
        args = FeedbackArgs.model_validate(dict(params))
        report = runtime.local.checked(
            OutcomeReport(
                model=args.model,
                category=args.category,
                rating=stars(args.rating),
                context=args.context,
                task=args.task,
            )
        )
        reported = await runtime.rate(report, user_key=user_key)
    except (SmartSpawnError, ValidationError) as exc:
        return ToolResult.of_error(exc)
    effect = verdict(report.rating)
    return ToolResult.of_json(
        {
            "recorded": True,
            "model": report.model,
            "category": args.category,
            "rating": report.rating,
            "communityReported": reported,
            "message": f"Thanks: {report.model} will be {effect} for {args.category} tasks.",
        }
    )


def feedback_tool(runtime: Callable[[], Runtime]) -> ToolSpec:
    """The ``ToolSpec``; ``runtime()`` is resolved at call time."""

    async def handler(call: ToolCall, ctx: ToolContext) -> ToolResult:
        return await record_feedback(call.params, runtime())

    return ToolSpec(
        name=TOOL_NAME, description=DESCRIPTION, parameters=parameters_schema(), handler=handler
    )
