"""Enrichment: OpenRouter catalog + matched benchmark rows → scored :class:`Catalog`.

Every refresh rebuilds every record from the sources it was given: nothing is carried over
from an earlier catalog, so a figure that changed upstream changes here and a model that left a
leaderboard loses its figure (the original kept HF and LiveBench values forever, §11.9).

Variants (``vendor/model:free``, ``:thinking`` …) and endpoints OpenRouter describes as the same
model (``-fast``, ``-pro``: ``same_as``) inherit their base model's benchmark figures (same
quality) but keep their own price; norm parameters and imputation fits are computed over base
models only, and price-dependent scores of a free variant use its base's price.

Reasoning effort: AA publishes one row per effort. A model is scored at **one** effort (see
:mod:`.efforts`: OpenRouter's default ``medium`` when measured) with every figure, speed and
latency from that effort's rows; the effort is stored on the record (and sent when spawning),
and the scores at its other measured efforts are kept in ``effort_scores`` so a caller may
choose one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Final

from smart_spawn_plugin.engine.catalog.aliases import AliasMatcher, AliasTable, MatchReport
from smart_spawn_plugin.engine.catalog.efforts import Measured, as_effort, merge_rows
from smart_spawn_plugin.engine.catalog.imputation import Imputer, fit_signals
from smart_spawn_plugin.engine.catalog.normalize import NormParam, compute_norm_params
from smart_spawn_plugin.engine.catalog.scoring import (
    cost_efficiency,
    effective_figures,
    score_model,
    signal_table,
)
from smart_spawn_plugin.engine.catalog.sources.base import CatalogEntry, SourceData
from smart_spawn_plugin.engine.select.budget import BUDGET_RANGES
from smart_spawn_plugin.models import (
    OPENROUTER_PREFIX,
    UNPRICED_FREE_PRICE,
    Capabilities,
    Catalog,
    Category,
    LongContextPrice,
    ModelRecord,
    Pricing,
    SourceStatus,
    Tier,
)

CATALOG_SOURCE: Final = "openrouter"

#: Benchmark sources merged onto the catalog, in order (later sources never overwrite a key
#: of an earlier one: each key belongs to exactly one source in the vocabulary).
BENCHMARK_SOURCES: Final = ("artificial-analysis", "hf-leaderboard", "lmarena", "livebench")
#: A category is listed in ``categories`` when its evidence-backed score reaches this.
CATEGORY_MEMBERSHIP: Final = 55.0
#: Content-safety classifiers: they label text, they do not answer tasks.
_CLASSIFIER = re.compile(r"(?:^|[-/_.])(?:llama-guard|guard|safeguard|content-safety|shield)\b")


def _routable(entry: CatalogEntry) -> bool:
    """Candidates are text chat models. Not: OpenRouter's own routers (``openrouter/auto`` …,
    they pick a model themselves and would hide the decision), ``~…-latest`` alias ids (a
    moving target, already listed under their real id), models whose output is not only text
    (image, audio, music generators — Lyria's $0 price is not a free text model), and
    content-safety classifiers."""
    return (
        not entry.id.startswith(OPENROUTER_PREFIX)
        and not entry.id.startswith("~")
        and entry.prompt_price >= 0
        and entry.completion_price >= 0
        and (not entry.output_modalities or entry.output_modalities == ["text"])
        and _CLASSIFIER.search(entry.id.lower()) is None
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
    long = None
    if entry.long_min_prompt_tokens is not None and entry.long_prompt_price is not None:
        long = LongContextPrice(
            min_prompt_tokens=entry.long_min_prompt_tokens,
            prompt=entry.long_prompt_price,
            completion=entry.long_completion_price
            if entry.long_completion_price is not None
            else entry.completion_price,
        )
    pricing = Pricing(
        prompt=entry.prompt_price, completion=entry.completion_price, long_context=long
    )
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
        same_as=entry.same_as,
    )


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


def _inherit_same_model(records: dict[str, ModelRecord]) -> None:
    """``-fast`` / ``-pro`` endpoints OpenRouter calls the same model take their base's
    figures, speed and effort where they have none of their own (their price stays theirs)."""
    for record in records.values():
        base = records.get(record.same_as) if record.same_as else None
        if base is None:
            continue
        for key, value in base.benchmarks.items():
            record.benchmarks.setdefault(key, value)
        if record.speed.output_tokens_per_second is None:
            record.speed = base.speed
        record.effort = record.effort or base.effort
        for source in base.sources_covered:
            if source not in record.sources_covered:
                record.sources_covered.append(source)


def _scoring_price(record: ModelRecord, records: Mapping[str, ModelRecord]) -> float:
    """The price used by price-dependent scores: a free variant is priced as its base, or as
    :data:`UNPRICED_FREE_PRICE` when its base is not in the catalog."""
    base = records.get(record.base_id) if record.base_id else None
    if record.is_free and base is not None:
        return base.pricing.blended
    if record.is_free and record.variant == "free":
        return UNPRICED_FREE_PRICE  # base unknown: $0 must not win on price
    return record.pricing.blended


def _effort_scores(
    record: ModelRecord,
    others: Mapping[str, Measured],
    params: Mapping[str, NormParam],
    price: float,
    imputer: Imputer,
) -> dict[str, dict[Category, float]]:
    """Category scores at each other measured effort (that effort's figures and speed)."""
    default_keys = {k for m in others.values() for k in m.values}
    out: dict[str, dict[Category, float]] = {}
    for effort, measured in others.items():
        benchmarks = {k: v for k, v in record.benchmarks.items() if k not in default_keys}
        benchmarks.update(measured.values)
        alt = record.model_copy(
            update={"benchmarks": benchmarks, "speed": measured.speed or record.speed}
        )
        out[effort] = {c: s.score for c, s in score_model(alt, params, price, imputer).items()}
    return out


def _raw_rate(data: SourceData, report: MatchReport) -> float:
    """Match rate against the publisher's raw rows (the snapshot keeps only useful rows, so a
    rate over the kept rows would overstate it)."""
    total = data.unfiltered_total or report.total
    return round(report.matched / total, 3) if total else 0.0


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
    alternatives: dict[str, dict[str, Measured]] = {}
    pulls = [sources[name] for name in BENCHMARK_SOURCES if name in sources] + list(extra)
    for data in pulls:
        report = matcher.match_source(data)
        reports[data.source] = report
        for model_id, rows in report.matches.items():
            merged = merge_rows(rows)
            if merged.others:
                alternatives[model_id] = merged.others
            for record in by_base.get(model_id, []):
                record.benchmarks.update(merged.default.values)
                if merged.default.speed is not None:
                    record.speed = merged.default.speed
                if merged.effort is not None:
                    record.effort = as_effort(merged.effort)
                if data.source not in record.sources_covered:
                    record.sources_covered.append(data.source)
    _inherit_same_model(records)

    bases = [r for r in records.values() if r.variant is None and r.same_as is None]
    params = compute_norm_params(
        {k: v for k, (v, _) in effective_figures(r).items()} for r in bases
    )
    params.update(_speed_params(bases))
    imputer = fit_signals(signal_table(r, params) for r in bases)
    for record in records.values():
        price = _scoring_price(record, records)
        record.provenance = score_model(record, params, price, imputer)
        record.scores = {cat: s.score for cat, s in record.provenance.items()}
        record.cost_efficiency = cost_efficiency(record.scores, price)
        record.categories = _categories(record)
        record.tags = _tags(record)
        family = record.base_id or record.same_as or record.id
        if family in alternatives:
            record.effort_scores = _effort_scores(
                record, alternatives[family], params, price, imputer
            )

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
            count=data.unfiltered_rows or data.count,
            origin=data.origin,
            data_date=data.data_date,
            matched=rep.matched,
            match_rate=_raw_rate(data, rep),
        )
    catalog = Catalog(
        models=sorted(records.values(), key=lambda r: r.id),
        last_refresh=now,
        sources=statuses,
        norm_params={k: (p.mean, p.sd) for k, p in params.items()},
    )
    return catalog, reports
