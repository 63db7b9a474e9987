"""Views and verdicts of ``smart-spawn spawn``: the plan table, the run summary, failures.

A plan (``--dry-run``) is the ``smart_spawn`` tool's recommend-strategy answer (``action``,
``spawns``, ``routingDecision``, and for swarm ``dag`` and ``estimatedCost``); a run is the
execute-strategy answer (``mode``, ``status``, ``output``, ``outputs``, ``usage``, ``costUsd``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from smart_spawn_plugin.cli.failures import CommandFailed
from smart_spawn_plugin.cli.term import Column, Term


def failure_cause(run: Mapping[str, Any]) -> str:
    """``<cause> — <model> (<mode> run failed, k of n sub-agents failed)``, cause first."""
    outputs: Sequence[Mapping[str, Any]] = run.get("outputs") or []
    failed = [o for o in outputs if o.get("outcome") != "ok"]
    first = failed[0] if failed else {}
    model = str(first.get("model") or "")
    cause = str(first.get("error") or "")
    if not cause:
        errors = run.get("errors") or []
        cause = str(errors[0]) if errors else f"run {run.get('status')}"
    for prefix in (f"{model}: error: ", f"{model}: "):
        if model and cause.startswith(prefix):
            cause = cause.removeprefix(prefix)
    where = f" — {model}" if model else ""
    counts = f", {len(failed)} of {len(outputs)} sub-agents failed" if outputs else ""
    return f"{cause}{where} ({run.get('mode')} run {run.get('status')}{counts})"


def raise_if_failed(result: object, as_json: bool) -> None:
    """A failed run: print it under ``--json`` (stdout), then fail with the cause (exit 1)."""
    if not (isinstance(result, dict) and result.get("status") == "failed"):
        return
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2), flush=True)
    raise CommandFailed(failure_cause(result))


def spawn_result(result: Mapping[str, Any], term: Term) -> None:
    """The plan table (dry run) or the run's output and summary."""
    if "action" in result:
        plan(result, term)
    else:
        run_summary(result, term)


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:.4f}"


def plan(p: Mapping[str, Any], term: Term) -> None:
    spawns: Sequence[Mapping[str, Any]] = p.get("spawns") or []
    routed = {m.get("role"): m for m in (p.get("routingDecision") or {}).get("models", [])}
    dag = {t.get("label"): t for t in (p.get("dag") or {}).get("tasks", [])}
    estimate = p.get("estimatedCost") or _estimate(spawns, routed)
    costs = {n.get("id"): n for n in (estimate or {}).get("nodes", [])}
    rows = []
    for i, s in enumerate(spawns):
        role = str(s.get("role") or "")
        task = dag.get(s.get("label"), {})
        node = str(task.get("id") or role or i + 1)
        cost = costs.get(node) or costs.get(role) or {}
        rows.append(
            [
                node,
                str(task.get("persona") or role),
                str(s.get("model") or ""),
                str(task.get("category") or routed.get(role, {}).get("category") or ""),
                ",".join(task.get("dependsOn") or []) or "—",
                _range(cost.get("usdLow"), cost.get("usdHigh")),
            ]
        )
    merge = costs.get("merge")
    if merge is not None:
        rows.append(["merge", "merge", str(merge.get("model")), "", "all", _range(
            merge.get("usdLow"), merge.get("usdHigh"))])  # fmt: skip
    total = _range(estimate.get("low"), estimate.get("high")) if estimate else "—"
    term.table(
        ["node", "role", "model", "category", "after", Column("est. cost", numeric=True)],
        rows,
        title=f"{p.get('mode')} plan · {_count(len(rows), 'sub-agent')} · estimated {total}",
    )
    for line in _notes(p):
        term.line(line, style="dim")
    for warning in p.get("warnings") or []:
        term.line(f"warning: {warning}", style="yellow")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _range(low: float | None, high: float | None) -> str:
    if low is None:
        return "unpriced"
    return _usd(low) if high in (None, low) else f"{_usd(low)}–{_usd(high)}"


def _notes(p: Mapping[str, Any]) -> list[str]:
    notes = []
    if p.get("mode") == "collective" and p.get("mergeModel"):
        notes.append(f"then merge with {p['mergeModel']} (not in the estimate)")
    if p.get("mode") == "cascade" and p.get("premiumModel"):
        notes.append(
            f"escalates to {p['premiumModel']} when the judge scores the answer below "
            f"{p.get('minConfidence')} (not in the estimate)"
        )
    if not p.get("estimatedCost"):
        notes.append("estimate: prompt chars/4, typical–generous answer length per category")
    return notes


def _estimate(
    spawns: Sequence[Mapping[str, Any]], routed: Mapping[Any, Mapping[str, Any]]
) -> dict[str, Any] | None:
    """The swarm estimator's assumptions applied to the other modes' spawns."""
    from smart_spawn_plugin.models import Pricing
    from smart_spawn_plugin.modes.estimate import PlannedSpawn, estimate_run

    nodes = []
    for s in spawns:
        decision = routed.get(s.get("role"))
        if decision is None or decision.get("category") is None:
            return None
        pricing = decision.get("pricing")
        nodes.append(
            PlannedSpawn(
                id=str(s.get("role")),
                model=str(s.get("model")),
                category=decision["category"],
                prompt=str(s.get("task") or ""),
                depends_on=(),
                pricing=Pricing.model_validate(pricing) if pricing else None,
            )
        )
    return estimate_run(nodes, None).wire() if nodes else None


def run_summary(r: Mapping[str, Any], term: Term) -> None:
    term.line(str(r.get("output") or "(no output)"))
    term.line()
    usage = r.get("usage") or {}
    tokens = usage.get("totalTokens", 0) if isinstance(usage, dict) else 0
    ok = r.get("status") == "ok"
    routed = (r.get("routingDecision") or {}).get("models") or []
    local = any(str(m.get("reason", "")).startswith("[local]") for m in routed)
    term.line(
        f"[{r.get('mode')} · {r.get('status')} · {tokens} tokens · "
        f"${float(r.get('costUsd') or 0):.4f}{' · [local]' if local else ''}]",
        style="green" if ok else "yellow",
    )
    for error in r.get("errors") or []:
        term.line(f"error: {error}", style="red")
