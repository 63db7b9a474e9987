"""Human views of the routing commands' results (``--json`` bypasses these).

Each view takes the handler's result (typed loosely: the modules defining those types import
pydantic, which this module must not at import time) and writes to a
:class:`~smart_spawn_plugin.cli.term.Term`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smart_spawn_plugin.cli.term import Column, Term


def price(p: Any) -> str:
    """``$2/$12`` per 1M prompt/completion tokens (``free`` when both are zero)."""
    if not p.prompt and not p.completion:
        return "free"
    return f"${p.prompt:g}/${p.completion:g}"


def top_scores(scores: Mapping[str, float], n: int = 3) -> str:
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k} {v:.0f}" for k, v in ranked)


def decision(d: Any, term: Term) -> None:
    term.line(f"{d.id}  ({d.name})", style="bold green")
    term.line(f"  {d.reason}")
    facts = [
        f"category {d.category}",
        f"budget {d.budget}",
        f"score {d.score:.1f}",
        f"confidence {d.confidence:.2f}",
        f"{d.candidate_count} candidates",
        f"{price(d.pricing)} per 1M",
    ]
    term.line("  " + " · ".join(facts), style="dim")
    if d.personal_score is not None:
        term.line(
            f"  your ratings: personal score {d.personal_score:.1f} "
            f"(benchmarks {d.benchmark_score:.1f})",
            style="cyan",
        )
    if d.classification is not None:
        c = d.classification
        term.line(f"  classified as {c.category} ({c.confidence:.2f})", style="dim")
    if d.evidence:
        ev = ", ".join(  # raw → normalised; "≈" marks an imputed figure
            f"{e.benchmark} {'≈' if e.imputed else ''}{e.raw:.1f} → {e.normalized:.0f}"
            for e in d.evidence[:6]
        )
        term.line(f"  evidence: {ev}", style="dim")
    if d.runner_ups:
        term.line()
        term.table(
            ["runner-up", Column("score", numeric=True), Column("vs the pick", wrap=True)],
            [
                [
                    r.id,
                    f"{r.score:.1f}",
                    r.comparison + (f" — ranked lower: {r.why}" if r.why else ""),
                ]
                for r in d.runner_ups
            ],
        )


def recommendations(res: Any, term: Term) -> None:
    if not res.data:
        term.line(f"no model for {res.meta.task} at {res.meta.budget} budget", style="yellow")
        return
    term.table(
        [
            Column("#", numeric=True),
            "model",
            Column("score", numeric=True),
            Column("conf", numeric=True),
            "price/1M",
            Column("why", wrap=True),
        ],
        [
            [
                str(i + 1),
                r.model.id,
                f"{r.score:.1f}",
                f"{r.confidence:.2f}",
                price(r.model.pricing),
                r.reason,
            ]
            for i, r in enumerate(res.data)
        ],
        title=f"{res.meta.task} at {res.meta.budget} budget "
        f"({res.meta.candidates_considered} candidates)",
    )


def model_list(res: Any, term: Term) -> None:
    term.table(
        [
            "model",
            "tier",
            "price/1M",
            Column("context", numeric=True),
            Column("top scores", wrap=True),
        ],
        [
            [m.id, m.tier, price(m.pricing), f"{m.context_length:,}", top_scores(m.scores)]
            for m in res.data
        ],
        title=f"{len(res.data)} of {res.meta.filtered} models",
    )


def comparison(res: Any, term: Term) -> None:
    models = res.models
    categories = sorted({c for m in models for c in m.scores})
    rows = [
        ["provider", *(m.provider for m in models)],
        ["tier", *(m.tier for m in models)],
        ["context", *(f"{m.context_length:,}" for m in models)],
        ["price/1M", *(price(m.pricing) for m in models)],
    ]
    for cat in categories:
        rows.append([cat, *(_score(m.scores.get(cat)) for m in models)])
    term.table(["", *(m.id for m in models)], rows)


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def classifications(rows: list[dict[str, Any]], term: Term) -> None:
    term.table(
        [
            Column("task", wrap=True),
            "category",
            Column("confidence", numeric=True),
            Column("signals", wrap=True),
        ],
        [
            [
                _clip(str(r["task"]), 60),
                str(r["category"]) + (f" ({r['override']})" if r.get("override") else ""),
                f"{r['confidence']:.2f}",
                _signals(r["signals"]),
            ]
            for r in rows
        ],
    )


def _signals(signals: Mapping[str, object]) -> str:
    shown = [f"{k}={v}" if v is not True else k for k, v in signals.items() if v not in (False, "")]
    return ", ".join(shown) or "—"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def status(s: Any, term: Term) -> None:
    healthy = s.status == "ok"
    term.line(
        f"catalog {s.status}: {s.model_count} models, {s.models_with_benchmarks} with "
        f"benchmarks, last refresh {s.last_refresh or 'never'}",
        style="bold green" if healthy else "bold yellow",
    )
    term.table(["source", "status", "origin", "data date", Column("rows", numeric=True),
                Column("matched", numeric=True), Column("error", wrap=True)],
               [_source_row(name, src) for name, src in s.sources.items()])  # fmt: skip


def _source_row(name: str, src: Any) -> list[str]:
    matched = f"{src.matched} ({src.match_rate:.0%})" if src.match_rate is not None else "—"
    return [
        name,
        src.status,
        src.origin,
        src.data_date or "undated",
        str(src.count),
        matched,
        src.error or "",
    ]


def refreshed(r: Any, term: Term) -> None:
    term.line(
        f"refreshed from {r.origin}: {r.model_count} models in {r.seconds:.2f}s",
        style="bold green" if r.ok else "bold yellow",
    )
    for name, error in r.errors.items():
        term.line(f"  {name}: {error}", style="red")
