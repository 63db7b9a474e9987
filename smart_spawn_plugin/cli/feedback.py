"""``smart-spawn feedback MODEL CATEGORY RATING``: rate a model 1–5 for a category.

The rating goes through the ``smart_spawn_feedback`` tool's use case (the runtime's ``rate``:
the Recommender, plus the opt-in community report), so the next ``pick`` already follows it.
"""

from __future__ import annotations

import argparse
from typing import Any

from smart_spawn_plugin.cli.base import Context, Subcommands, command
from smart_spawn_plugin.cli.term import Term
from smart_spawn_plugin.vocab import CATEGORIES


def rating(value: str) -> float:
    """A number from 1 to 5 (argparse ``type=``)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= number <= 5:
        raise argparse.ArgumentTypeError(f"must be 1 to 5, got {value}")
    return number


def register(sub: Subcommands) -> None:
    """Add feedback."""
    p = command(
        sub,
        "feedback",
        feedback,
        help="rate a model 1-5 for a category; later picks follow",
        view=view,
    )
    p.add_argument("model", help="the model id, e.g. openai/gpt-5.6-terra")
    p.add_argument("category", choices=CATEGORIES, help="the task category it was used for")
    p.add_argument("rating", type=rating, help="1 (useless) to 5 (excellent)")
    p.add_argument("--context", default=None, metavar="TAGS", help="context tags, e.g. rust,cli")


def feedback(ctx: Context) -> object:
    from smart_spawn_plugin.cli.failures import checked
    from smart_spawn_plugin.tools.feedback import record_feedback

    args = ctx.args
    params: dict[str, object] = {
        "model": args.model,
        "category": args.category,
        "rating": args.rating,
    }
    if args.context:
        params["context"] = args.context

    return checked(ctx.run(record_feedback(params, ctx.runtime())))


def view(result: dict[str, Any], term: Term) -> None:
    term.line(str(result.get("message", "recorded")), style="green")
