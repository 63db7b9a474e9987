"""Enrichment: OpenRouter catalog + matched benchmark rows → scored :class:`Catalog`.

Every refresh rebuilds every record from the sources it was given: nothing is carried over
from an earlier catalog, so a figure that changed upstream changes here and a model that left a
leaderboard loses its figure (the original kept HF and LiveBench values forever, §11.9).

Variants (``vendor/model:free``, ``:thinking`` …) inherit their base model's benchmark figures
(same weights, same quality) but keep their own price; norm parameters are computed over base
models only, and price-dependent scores of a free variant use its base's price.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Final

from smart_spawn_plugin.engine.catalog.aliases import AliasMatcher, AliasTable, MatchReport
from smart_spawn_plugin.engine.catalog.normalize import NormParam, compute_norm_params
from smart_spawn_plugin.engine.catalog.scoring import cost_efficiency, score_model
from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, CatalogEntry, SourceData
from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.models import (
    OPENROUTER_PREFIX,
    Capabilities,
    Catalog,
    Category,
    ModelRecord,
    Pricing,
    SourceStatus,
    Speed,
    Tier,
)

CATALOG_SOURCE: Final = "openrouter"

#: Benchmark sources merged onto the catalog, in order (later sources never overwrite a key
#: of an earlier one: each key belongs to exactly one source in the vocabulary).
BENCHMARK_SOURCES: Final = ("artificial-analysis", "hf-leaderboard", "lmarena", "livebench")
#: A category is listed in ``categories`` when its evidence-backed score reaches this.
CATEGORY_MEMBERSHIP: Final = 55.0


def _routable(entry: CatalogEntry) -> bool:
    """OpenRouter's own routers (``openrouter/auto``, ``openrouter/free`` …) pick a model
    themselves; routing to a router would hide the decision, so they are not candidates."""
    return (
        not entry.id.startswith(OPENROUTER_PREFIX)
        and entry.prompt_price >= 0
        and entry.completion_price >= 0
    )


def base_id(model_id: str) -> tuple[str, str | None]:
    """``"a/b:free"`` → ``("a/b", "free")``."""
    base, sep, variant = model_id.partition(":")
    return base, (variant if sep else None)


def tier_of(blended: float) -> Tier:
    """Descriptive tier on blended price: budget < $1, standard < $6, premium otherwise."""
    if blended < 1.0:
        return "budget"
    if blended < 6.0:
        return "standard"
    return "premium"


def capabilities_of(entry: CatalogEntry) -> Capabilities:
    params = set(entry.supported_parameters)
    return Capabilities(
        vision="image" in entry.input_modalities,
        function_calling="tools" in params,
        json_=bool(params & {"structured_outputs", "response_format"}),
        reasoning=bool(params & {"reasoning", "include_reasoning"}),
    )


def _display_name(name: str) -> str:
    _, sep, rest = name.partition(": ")
    return rest if sep else name


def _record(entry: CatalogEntry, now: datetime) -> ModelRecord:
    base, variant = base_id(entry.id)
    pricing = Pricing(prompt=entry.prompt_price, completion=entry.completion_price)
    return ModelRecord(
        id=entry.id,
        name=_display_name(entry.name),
        provider=entry.id.split("/", 1)[0],
        context_length=entry.context_length,
        pricing=pricing,
        capabilities=capabilities_of(entry),
        tier=tier_of(pricing.blended),
        benchmarks=dict(entry.values),
        last_updated=now,
        sources_covered=[CATALOG_SOURCE],
        base_id=base if variant else None,
        variant=variant,
        created=entry.created,
    )


def _merge_rows(rows: list[BenchmarkRow]) -> tuple[dict[str, float], Speed | None]:
    """One figure per key from all rows matched to one model: the best value (a model routed
    through OpenRouter can run in its strongest mode, e.g. with reasoning on). Speed comes from
    the fastest measured non-deprecated row."""
    values: dict[str, float] = {}
    for row in rows:
        for key, value in row.values.items():
            if math.isfinite(value) and (key not in values or value > values[key]):
                values[key] = value
    timed = [r for r in rows if r.speed_tps] or []
    timed.sort(key=lambda r: (r.deprecated, -(r.speed_tps or 0.0)))
    speed = None
    if timed:
        speed = Speed(
            output_tokens_per_second=timed[0].speed_tps, time_to_first_token=timed[0].ttft_s
        )
    return values, speed


def _speed_params(models: Iterable[ModelRecord]) -> dict[str, NormParam]:
    return compute_norm_params(
        {
            **(
                {"_logTps": math.log(m.speed.output_tokens_per_second)}
                if m.speed.output_tokens_per_second and m.speed.output_tokens_per_second > 0
                else {}
            ),
            **(
                {"_logTtft": math.log(m.speed.time_to_first_token)}
                if m.speed.time_to_first_token and m.speed.time_to_first_token > 0
                else {}
            ),
        }
        for m in models
    )


def _tags(model: ModelRecord) -> list[str]:
    caps = model.capabilities
    blended = model.pricing.blended
    tps = model.speed.output_tokens_per_second
    checks = [
        ("long-context", model.context_length >= 100_000),
        ("multimodal", caps.vision),
        ("reasoning", caps.reasoning),
        ("tool-use", caps.function_calling),
        ("structured-output", caps.json_),
        ("cheap", 0 <= blended < 0.5),
        ("free", model.is_free),
        ("fast", tps is not None and tps >= 100),
        ("slow", tps is not None and tps < 30),
        ("rate-limited", model.variant == "free"),
    ]
    return [tag for tag, ok in checks if ok]


def _categories(model: ModelRecord) -> list[Category]:
    cats: list[Category] = ["general"]
    for cat, score in model.provenance.items():
        if cat in ("general", "fast-cheap", "vision"):
            continue
        if not score.baseline and score.score >= CATEGORY_MEMBERSHIP:
            cats.append(cat)
    if model.capabilities.vision:
        cats.append("vision")
    if 0 <= model.pricing.blended <= BUDGET_RANGES["low"].max:
        cats.append("fast-cheap")
    return cats


def build_catalog(
    sources: Mapping[str, SourceData],
    *,
    extra: Iterable[SourceData] = (),
    table: AliasTable | None = None,
    now: datetime | None = None,
) -> tuple[Catalog, dict[str, MatchReport]]:
    """Build the scored catalog from one pull of each source.

    ``sources`` must hold ``openrouter``; the benchmark sources present are matched and merged.
    ``extra`` are further benchmark pulls (personal OpenMark CSVs). Returns the catalog (with
    per-source status: ok, count, match rate) and the per-source match reports.
    """
    now = now or datetime.now(UTC)
    catalog_data = sources[CATALOG_SOURCE]
    entries = [e for e in catalog_data.catalog if _routable(e)]
    records = {e.id: _record(e, now) for e in entries}
    matcher = AliasMatcher(catalog_data.catalog, table or AliasTable.load())

    by_base: dict[str, list[ModelRecord]] = {}
    for record in records.values():
        by_base.setdefault(record.base_id or record.id, []).append(record)
    reports: dict[str, MatchReport] = {}
    pulls = [sources[name] for name in BENCHMARK_SOURCES if name in sources] + list(extra)
    for data in pulls:
        report = matcher.match_source(data)
        reports[data.source] = report
        for model_id, rows in report.matches.items():
            values, speed = _merge_rows(rows)
            for record in by_base.get(model_id, []):
                record.benchmarks.update(values)
                if speed is not None:
                    record.speed = speed
                if data.source not in record.sources_covered:
                    record.sources_covered.append(data.source)

    bases = [r for r in records.values() if r.variant is None]
    params = compute_norm_params(r.benchmarks for r in bases)
    params.update(_speed_params(bases))
    for record in records.values():
        base = records.get(record.base_id) if record.base_id else None
        price = record.pricing.blended
        if record.is_free and base is not None:
            price = base.pricing.blended
        record.provenance = score_model(record, params, price)
        record.scores = {cat: s.score for cat, s in record.provenance.items()}
        record.cost_efficiency = cost_efficiency(record.scores, price)
        record.categories = _categories(record)
        record.tags = _tags(record)

    statuses = {
        CATALOG_SOURCE: SourceStatus(
            status="ok",
            last_pull=catalog_data.pulled_at or now,
            count=len(records),
            origin=catalog_data.origin,
            data_date=catalog_data.data_date,
        )
    }
    for data in pulls:
        rep = reports[data.source]
        statuses[data.source] = SourceStatus(
            status="ok",
            last_pull=data.pulled_at or now,
            count=data.count,
            origin=data.origin,
            data_date=data.data_date,
            matched=rep.matched,
            match_rate=round(rep.rate, 3),
        )
    catalog = Catalog(
        models=sorted(records.values(), key=lambda r: r.id),
        last_refresh=now,
        sources=statuses,
        norm_params={k: (p.mean, p.sd) for k, p in params.items()},
    )
    return catalog, reports
