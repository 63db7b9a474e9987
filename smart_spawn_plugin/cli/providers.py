"""The provider subcommands of ``smart-spawn`` (issue 13): providers, quota, detect-local,
analyze, optimize, shift, mode. Human output by default, ``--json`` for machines; bad input
exits non-zero with one line on stderr.

- ``providers``: every provider (kind, tier, base URL, whether it has a key, quota);
- ``quota status`` | ``quota predict [--hours N]`` | ``quota set-usage PROVIDER VALUE`` (``42%``
  or an absolute amount) | ``quota reset PROVIDER``;
- ``detect-local [--ports 8080,11434]``: model servers on 127.0.0.1 and their models;
- ``analyze``; ``optimize [--apply [--yes] | --undo]``; ``shift PROVIDER [--undo]``;
  ``mode [manual|dry-run|auto]``.

Everything goes through the runtime's :class:`~smart_spawn_plugin.providers.service.
ProvidersService`. Top-level imports are the standard library and the CLI base only (building
the parser stays fast); handlers import the rest.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from smart_spawn_plugin.cli.base import Context, Subcommands, command

if TYPE_CHECKING:
    from smart_spawn_plugin.providers.usage import QuotaUsage


def _ports(value: str) -> list[int]:
    try:
        ports = [int(p) for p in value.split(",") if p.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"bad port list {value!r}: use e.g. 8080,11434") from error
    if not ports or any(not 0 < p < 65536 for p in ports):
        raise argparse.ArgumentTypeError(f"bad port list {value!r}: ports are 1-65535")
    return ports


def _hours(value: str) -> float:
    try:
        hours = float(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"bad hours {value!r}: not a number") from error
    if not 0 < hours <= 24 * 366:
        raise argparse.ArgumentTypeError(f"bad hours {value!r}: must be > 0 and <= 8784")
    return hours


def register(sub: Subcommands) -> None:
    """Add the provider subcommands."""
    command(sub, "providers", providers_cmd, help="providers, their keys and quotas")
    p = command(sub, "quota", quota_cmd, help="quota status, prediction, set-usage, reset")
    q = p.add_subparsers(dest="quota_command", metavar="ACTION", required=True)
    q.add_parser("status", help="usage per provider in its current window")
    pr = q.add_parser("predict", help="burn rate and predicted exhaustion per provider")
    pr.add_argument("--hours", type=_hours, default=None, help="burn-rate window (hours)")
    su = q.add_parser("set-usage", help="record a provider's usage (e.g. 42%% or 12.5)")
    su.add_argument("provider", help="a provider name (see smart-spawn providers)")
    su.add_argument("value", help="usage now: a percentage of the limit (42%%) or an amount")
    rs = q.add_parser("reset", help="the provider's usage is 0 from now")
    rs.add_argument("provider", help="a provider name (see smart-spawn providers)")
    p = command(sub, "detect-local", detect_local_cmd, help="find local model servers on 127.0.0.1")
    p.add_argument("--ports", type=_ports, default=None, help="e.g. 8080,11434")
    command(sub, "analyze", analyze_cmd, help="recurring work a cheaper or local model could do")
    p = command(sub, "optimize", optimize_cmd, help="propose, apply or undo cheaper overrides")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--apply", action="store_true", help="write the proposals as overrides")
    group.add_argument("--undo", action="store_true", help="remove every override")
    p.add_argument("--yes", action="store_true", help="confirm --apply outside auto mode")
    p = command(sub, "shift", shift_cmd, help="move all work off a provider (undo with --undo)")
    p.add_argument("provider", help="a provider name (see smart-spawn providers)")
    p.add_argument("--undo", action="store_true", help="move work back onto the provider")
    p = command(sub, "mode", mode_cmd, help="show or set the mode: manual, dry-run, auto")
    p.add_argument(
        "mode",
        nargs="?",
        choices=("manual", "dry-run", "auto"),
        help="auto applies optimize without --yes (default: show the mode)",
    )


def _usage_line(u: QuotaUsage) -> str:
    limit = f" of {u.limit:g}" if u.limit is not None else ""
    pct = f" ({u.percent:.1f} %)" if u.percent is not None else ""
    reset = f", resets {u.next_reset:%a %d %b %H:%M UTC}" if u.next_reset else ""
    shifted = " [shifted]" if u.shifted else ""
    return f"{u.provider:<12} {u.used:g}{limit} {u.unit}{pct}{reset}{shifted}"


def providers_cmd(ctx: Context) -> object:
    args, service = ctx.args, ctx.runtime().providers
    listing = service.providers()
    if args.json:
        return listing
    return "\n".join(
        f"{p.name:<12} {p.kind:<18} {p.tier:<7} {p.base_url}  key:{'yes' if p.has_key else 'no'}"
        f"  quota:{p.quota_source}{'' if p.limit is None else f' {p.limit:g} {p.quota_type}'}"
        f"{'  (default)' if p.default else ''}{'  [shifted]' if p.shifted else ''}"
        for p in listing
    )


def quota_cmd(ctx: Context) -> object:
    args, service = ctx.args, ctx.runtime().providers
    action = args.quota_command
    if action == "set-usage":
        service.set_usage(args.provider, args.value)
    elif action == "reset":
        service.reset(args.provider)
    if action == "predict":
        predictions = ctx.run(service.predict(args.hours))
        if args.json:
            return predictions
        return "\n".join(f"{_usage_line(p)}\n  {p.message}" for p in predictions)
    usage = ctx.run(service.usage())
    if action in {"set-usage", "reset"}:
        usage = [u for u in usage if u.provider == args.provider]
    return usage if args.json else "\n".join(_usage_line(u) for u in usage)


def detect_local_cmd(ctx: Context) -> object:
    args, service = ctx.args, ctx.runtime().providers
    servers = ctx.run(service.detect_local(args.ports))
    if args.json:
        return servers
    if not servers:
        ports = args.ports or service.section.local_ports
        return f"no local model server on 127.0.0.1 ports {','.join(map(str, ports))}"
    return "\n".join(
        f"{s.kind} {s.base_url}: {', '.join(s.models) or '(no models)'}" for s in servers
    )


def analyze_cmd(ctx: Context) -> object:
    args, service = ctx.args, ctx.runtime().providers
    from smart_spawn_plugin.providers.optimize import analyze

    proposals = analyze(service)
    if args.json:
        return proposals
    if not proposals:
        return "nothing to change: no recurring work a cheaper model could do as well"
    return "\n".join(
        f"{p.category} × {p.role} ({p.spawns} spawns): {p.from_model} → {p.to_model}"
        f"{' [local]' if p.local else ''}  saves ${p.saving_usd:.4f}"
        for p in proposals
    )


def optimize_cmd(ctx: Context) -> object:
    args, service = ctx.args, ctx.runtime().providers
    from smart_spawn_plugin.providers.optimize import optimize

    result = optimize(service, apply=args.apply, undo=args.undo, confirm=args.yes)
    if args.json:
        return result
    lines = [result.message]
    lines += [f"  {p.category} × {p.role}: {p.from_model} → {p.to_model}" for p in result.proposals]
    if not result.applied and result.proposals and not args.undo:
        lines.append(f"mode {result.mode}: run `smart-spawn optimize --apply --yes` to apply")
    return "\n".join(lines)


def shift_cmd(ctx: Context) -> object:
    args, service = ctx.args, ctx.runtime().providers
    result = service.shift(args.provider, undo=args.undo)
    if args.json:
        return result
    verb = "back on" if args.undo else "shifted off"
    return f"{result['provider']}: {verb}"


def mode_cmd(ctx: Context) -> object:
    args, service = ctx.args, ctx.runtime().providers
    mode = service.set_mode(args.mode) if args.mode else service.mode()
    return {"mode": mode} if args.json else f"mode: {mode}"
