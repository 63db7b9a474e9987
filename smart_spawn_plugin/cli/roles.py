"""``smart-spawn roles list`` and ``smart-spawn roles compose "task" …``: the role blocks."""

from __future__ import annotations

import sys
from typing import Any

from smart_spawn_plugin.cli.base import Context, Subcommands, command, csv
from smart_spawn_plugin.cli.term import Column, Term


def register(sub: Subcommands) -> None:
    """Add roles (with its actions list and compose)."""
    p = command(
        sub,
        "roles",
        roles_list,
        help="role blocks: list them, or compose a role prompt",
        view=blocks_view,
    )
    actions = p.add_subparsers(dest="roles_command", metavar="ACTION")
    command(actions, "list", roles_list, help="every block: personas, stacks, domains, formats",
            view=blocks_view)  # fmt: skip
    c = command(actions, "compose", compose, help="compose a role prompt for a task",
                view=composed_view)  # fmt: skip
    c.add_argument("task", help="the task the role is for")
    c.add_argument("--persona", default=None, help="persona id (see roles list)")
    c.add_argument("--stack", type=csv, default=[], metavar="IDS", help="stack ids, a,b")
    c.add_argument("--domain", default=None, help="domain id")
    c.add_argument("--format", default=None, help="output format id")
    c.add_argument("--guardrails", type=csv, default=[], metavar="IDS", help="guardrail ids, a,b")


def roles_list(ctx: Context) -> object:
    from smart_spawn_plugin.roles import list_blocks

    return list_blocks()


def compose(ctx: Context) -> object:
    from smart_spawn_plugin.roles import compose_system_prompt

    args = ctx.args
    return compose_system_prompt(
        args.task,
        persona=args.persona,
        stack=args.stack,
        domain=args.domain,
        format=args.format,
        guardrails=args.guardrails,
    )


def blocks_view(catalog: Any, term: Term) -> None:
    term.table(
        ["persona", "title", Column("core", wrap=True)],
        [[p.id, p.title, _clip(p.core, 70)] for p in catalog.personas],
        title=f"{len(catalog.personas)} personas",
    )
    for name, items in (("stack", catalog.stack), ("domains", catalog.domains),
                        ("formats", catalog.formats)):  # fmt: skip
        term.line()
        term.line(f"{name} ({len(items)}): " + ", ".join(i.id for i in items), style="bold")
    term.line()
    term.line(
        f"guardrails ({len(catalog.guardrails)}): " + ", ".join(catalog.guardrails), style="bold"
    )


def composed_view(composed: Any, term: Term) -> None:
    # the same warnings the API and the plugin return (unknown ids …), on stderr so that the
    # prompt on stdout stays pipeable; --json carries them in the document
    for warning in composed.warnings:
        print(f"smart-spawn: warning: {warning}", file=sys.stderr)
    term.line(composed.full_prompt)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
