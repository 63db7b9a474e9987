"""Human-readable rendering of CLI results (``--json`` bypasses this)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from pydantic import BaseModel


def _price(p: Any) -> str:
    return f"${p.prompt:g}/${p.completion:g} per 1M"


def _pick(d: Any) -> str:
    lines = [
        f"{d.id}  ({d.name})",
        f"  {d.reason}",
        f"  category {d.category} · budget {d.budget} · confidence {d.confidence:.2f}"
        f" · {d.candidate_count} candidates · {_price(d.pricing)}",
    ]
    if d.classification is not None:
        c = d.classification
        lines.append(f"  classified as {c.category} ({c.confidence:.2f})")
    if d.evidence:
        ev = ", ".join(  # raw → normalised; "≈" marks an imputed figure
            f"{e.benchmark} {'≈' if e.imputed else ''}{e.raw:g} → {e.normalized:.0f}"
            for e in d.evidence[:6]
        )
        lines.append(f"  evidence: {ev}")
    for r in d.runner_ups:
        why = f" — ranked lower: {r.why}" if r.why else ""
        lines.append(f"  vs {r.id}: {r.comparison}{why}")
    return "\n".join(lines)


def _recommend(res: Any) -> str:
    if not res.data:
        return f"no model for {res.meta.task} at {res.meta.budget} budget"
    return "\n".join(
        f"{i + 1}. {r.model.id}  score {r.score:.1f}  conf {r.confidence:.2f}  — {r.reason}"
        for i, r in enumerate(res.data)
    )


def _models(res: Any) -> str:
    rows = [f"{len(res.data)} of {res.meta.filtered} models"]
    for m in res.data:
        top = ", ".join(
            f"{k} {v:.0f}" for k, v in sorted(m.scores.items(), key=lambda kv: -kv[1])[:3]
        )
        rows.append(f"  {m.id:<48} {m.tier:<8} {_price(m.pricing):<26} {top}")
    return "\n".join(rows)


def _compare(res: Any) -> str:
    rows = []
    for m in res.models:
        scores = ", ".join(f"{k} {v:.0f}" for k, v in m.scores.items())
        rows.append(f"{m.id} ({m.tier}, ctx {m.context_length:,}): {scores}")
    if res.missing:
        rows.append(f"missing: {', '.join(res.missing)}")
    return "\n".join(rows)


def _status(s: Any) -> str:
    rows = [
        f"catalog {s.status}: {s.model_count} models, {s.models_with_benchmarks} with benchmarks,"
        f" last refresh {s.last_refresh}",
    ]
    for name, src in s.sources.items():
        rate = (
            f", matched {src.matched} ({src.match_rate:.0%})" if src.match_rate is not None else ""
        )
        err = f" — {src.error}" if src.error else ""
        fresh = f"data {src.data_date or 'undated'}"
        rows.append(
            f"  {name:<20} {src.status:<5} {src.origin:<8} {fresh:<16} {src.count} rows{rate}{err}"
        )
    return "\n".join(rows)


def _refresh(r: Any) -> str:
    head = f"refreshed from {r.origin}: {r.model_count} models in {r.seconds:.2f}s"
    errs = [f"  {k}: {v}" for k, v in r.errors.items()]
    return "\n".join([head, *errs])


RENDERERS: Final[dict[str, Callable[[Any], str]]] = {
    "pick": _pick,
    "recommend": _recommend,
    "models": _models,
    "compare": _compare,
    "status": _status,
    "refresh": _refresh,
}


def render(command: str, result: object) -> str:
    """Render a command's result for people; unknown commands fall back to JSON."""
    renderer = RENDERERS.get(command)
    if renderer is not None:
        return renderer(result)
    if isinstance(result, BaseModel):
        return result.model_dump_json(indent=2, by_alias=True)
    return str(result)
