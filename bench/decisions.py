"""Decision-quality benchmark: are the category × budget picks defensible? Prints one JSON object.

    python bench/decisions.py [--source-dir DIR]

The catalog is built from the raw publisher files (default ``../shared/data/sources``) so the
same input serves every version of the engine.

(a) **leave-one-benchmark-out** — per category, the most direct benchmark of that category is
    removed from every model, the catalog is rebuilt, and the category scores are compared with
    the held-out figures: Spearman rank correlation over the models that have the held-out
    figure, and for each budget the *held-out regret* of the pick: the best held-out value among
    the budget's candidates minus the pick's (0 = the pick is the best by the held-out
    benchmark; ``null`` when the pick has no held-out figure).
(b) the 28 category × budget picks beside the baseline "highest AA intelligence index within
    budget" (an AA figure via OpenRouter counts when AA has no row).
(c) the complexity curve (``bench/complexity_curve.py``'s ``run()``) when that module exists.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from smart_spawn_plugin.engine.catalog.enrichment import build_catalog
from smart_spawn_plugin.engine.catalog.sources.base import SourceData
from smart_spawn_plugin.engine.catalog.sources.registry import from_source_dir
from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.engine.select.selection import Selector
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.models import BUDGETS, CATEGORIES, Catalog, ModelRecord

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = ROOT.parent / "shared" / "data" / "sources"

#: category → (held-out benchmark key, alternative when the first has too few models)
HELD_OUT: dict[str, tuple[str, ...]] = {
    "coding": ("arenaCoding",),
    "creative": ("arenaCreative",),
    "vision": ("arenaVision",),
    "reasoning": ("gpqa", "liveBenchReasoning"),
    "research": ("longContextReasoning",),
}
INDEX_KEYS = ("intelligenceIndex", "orIntelligenceIndex")


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rho (Pearson on average ranks); None with fewer than 3 pairs."""
    if len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    vy = math.sqrt(sum((b - my) ** 2 for b in ry))
    return round(cov / (vx * vy), 3) if vx and vy else None


def _without(sources: dict[str, SourceData], key: str) -> dict[str, SourceData]:
    """The sources with benchmark ``key`` removed from every row and catalog entry."""
    out: dict[str, SourceData] = {}
    for name, data in sources.items():
        rows = [
            r.model_copy(update={"values": {k: v for k, v in r.values.items() if k != key}})
            for r in data.rows
        ]
        out[name] = data.model_copy(update={"rows": rows})
    return out


def _base_models(catalog: Catalog) -> list[ModelRecord]:
    return [m for m in catalog.models if m.variant is None]


def _pick(selector: Selector, category: str, budget: str) -> ModelRecord | None:
    try:
        decision = selector.pick(PickRequest(category=category, budget=budget))  # type: ignore[arg-type]
    except NoModel:
        return None
    return selector.by_id[decision.id]


def leave_one_out(sources: dict[str, SourceData], full: Catalog) -> dict[str, Any]:
    """Section (a)."""
    truth_by_id = {m.id: m.benchmarks for m in full.models}
    out: dict[str, Any] = {}
    for category, keys in HELD_OUT.items():
        key = next(
            (k for k in keys if sum(1 for m in _base_models(full) if k in m.benchmarks) >= 10),
            keys[0],
        )
        catalog, _ = build_catalog(_without(sources, key))
        held = {
            m.id: truth_by_id[m.id][key]
            for m in _base_models(catalog)
            if key in truth_by_id.get(m.id, {}) and category in m.scores
        }
        models = [m for m in _base_models(catalog) if m.id in held]
        rho = spearman([m.scores[category] for m in models], [held[m.id] for m in models])
        selector = Selector(catalog)
        regrets: dict[str, Any] = {}
        for budget in BUDGETS:
            rng = BUDGET_RANGES[budget]
            pick = _pick(selector, category, budget)
            pool = [
                truth_by_id[m.id][key]
                for m in selector.candidates(
                    selector.resolve(PickRequest(category=category, budget=budget))
                )  # type: ignore[arg-type]
                if key in truth_by_id.get(m.id, {})
            ]
            # the best-ranked candidate that *has* the held-out figure: regret where measurable
            ranked = selector.rank(
                selector.candidates(
                    selector.resolve(PickRequest(category=category, budget=budget))
                ),  # type: ignore[arg-type]
                selector.resolve(PickRequest(category=category, budget=budget)),  # type: ignore[arg-type]
            )
            measured_top = next(
                (r.model for r in ranked if key in truth_by_id.get(r.model.id, {})), None
            )
            pick_value = truth_by_id.get(pick.id, {}).get(key) if pick else None
            if pick is not None and pick_value is None and pick.base_id:
                pick_value = truth_by_id.get(pick.base_id, {}).get(key)
            regrets[budget] = {
                "pick": pick.id if pick else None,
                "heldOut": pick_value,
                "bestHeldOut": max(pool) if pool else None,
                "regret": round(max(pool) - pick_value, 3)
                if pool and pick_value is not None
                else None,
                "range": rng.label(),
                "topMeasured": measured_top.id if measured_top else None,
                "regretMeasured": round(max(pool) - truth_by_id[measured_top.id][key], 3)
                if pool and measured_top is not None
                else None,
            }
        measured = [r["regret"] for r in regrets.values() if r["regret"] is not None]
        out[category] = {
            "heldOut": key,
            "models": len(models),
            "spearman": rho,
            "meanRegret": round(sum(measured) / len(measured), 3) if measured else None,
            "picksWithoutHeldOut": sum(1 for r in regrets.values() if r["regret"] is None),
            "meanRegretMeasured": _mean([r["regretMeasured"] for r in regrets.values()]),
            "budgets": regrets,
        }
    return out


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 3) if present else None


def _index(m: ModelRecord) -> float | None:
    for key in INDEX_KEYS:
        if key in m.benchmarks:
            return m.benchmarks[key]
    return None


def picks_vs_baseline(catalog: Catalog) -> dict[str, Any]:
    """Section (b)."""
    selector = Selector(catalog)
    rows: list[dict[str, Any]] = []
    for category in CATEGORIES:
        for budget in BUDGETS:
            pick = _pick(selector, category, budget)
            cands = selector.candidates(
                selector.resolve(PickRequest(category=category, budget=budget))  # type: ignore[arg-type]
            )
            indexed = [(v, m) for m in cands if (v := _index(m)) is not None]
            base = max(indexed, key=lambda t: (t[0], -t[1].pricing.blended))[1] if indexed else None
            prov = pick.provenance.get(category) if pick else None
            rows.append(
                {
                    "category": category,
                    "budget": budget,
                    "pick": pick.id if pick else None,
                    "pickScore": pick.scores.get(category) if pick else None,
                    "pickIndex": _index(pick) if pick else None,
                    "pickPrice": round(pick.pricing.blended, 4) if pick else None,
                    "pickEvidence": sorted(
                        {e.benchmark for e in prov.evidence if not getattr(e, "imputed", False)}
                    )
                    if prov
                    else [],
                    "pickImputed": sorted(
                        {e.benchmark for e in prov.evidence if getattr(e, "imputed", False)}
                    )
                    if prov
                    else [],
                    "pickCoverage": getattr(prov, "coverage", None) if prov else None,
                    "baseline": base.id if base else None,
                    "baselineIndex": _index(base) if base else None,
                    "baselinePrice": round(base.pricing.blended, 4) if base else None,
                    "same": bool(pick and base and pick.id == base.id),
                }
            )
    single = sum(
        1
        for r in rows
        if len({_source_of(b) for b in r["pickEvidence"]}) <= 1 and r["category"] != "fast-cheap"
    )
    sources_per_pick = [
        len({_source_of(b) for b in r["pickEvidence"]})
        for r in rows
        if r["category"] != "fast-cheap"
    ]
    return {
        "picks": rows,
        "agreeWithBaseline": sum(1 for r in rows if r["same"]),
        "picksFromOneSourceOrNone": single,
        "meanMeasuredSourcesPerPick": round(sum(sources_per_pick) / len(sources_per_pick), 2),
        "total": len(rows),
    }


def _source_of(key: str) -> str:
    from smart_spawn_plugin.engine.catalog.benchmarks import BENCHMARKS

    found = BENCHMARKS.get(key)
    return found.source if found else key


def complexity_section() -> dict[str, Any]:
    """Section (c): ``bench/complexity_curve.py``'s ``run()``, or why it is missing."""
    path = Path(__file__).with_name("complexity_curve.py")
    if not path.is_file():
        return {"available": False, "why": "bench/complexity_curve.py not present"}
    spec = importlib.util.spec_from_file_location("complexity_curve", path)
    if spec is None or spec.loader is None:
        return {"available": False, "why": "cannot load bench/complexity_curve.py"}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    run = getattr(module, "run", None)
    if run is None:
        return {"available": False, "why": "bench/complexity_curve.py has no run()"}
    result = run()
    return {"available": True, **(result if isinstance(result, dict) else {"result": result})}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--skip", choices=["a", "b", "c"], action="append", default=[])
    args = parser.parse_args()
    if not args.source_dir.is_dir():
        print(f"decisions: source dir {args.source_dir} does not exist", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    sources = from_source_dir(args.source_dir)
    catalog, _ = build_catalog(sources)
    result: dict[str, Any] = {"models": len(catalog.models)}
    if "a" not in args.skip:
        result["a"] = leave_one_out(sources, catalog)
    if "b" not in args.skip:
        result["b"] = picks_vs_baseline(catalog)
    if "c" not in args.skip:
        result["c"] = complexity_section()
    result["seconds"] = round(time.perf_counter() - t0, 2)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
