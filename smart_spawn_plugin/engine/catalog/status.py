"""Catalog health: the shape of ``/api/status`` and ``smart-spawn status``."""

from __future__ import annotations

from pydantic import Field

from smart_spawn_plugin import __version__
from smart_spawn_plugin.models import Catalog, SourceStatus, Wire


class AliasCounts(Wire):
    model_count: int
    name_count: int


class StatusReport(Wire):
    status: str
    last_refresh: str | None
    model_count: int
    models_with_scores: int
    models_with_benchmarks: int
    aliases: AliasCounts
    sources: dict[str, SourceStatus] = Field(default_factory=dict)
    version: str


def status_of(catalog: Catalog) -> StatusReport:
    """Counts and per-source health of a catalog. Benchmarks count only real figures."""
    from smart_spawn_plugin.engine.catalog.aliases import AliasTable

    table = AliasTable.load()
    return StatusReport(
        status="ok" if catalog.models else "empty",
        last_refresh=catalog.last_refresh.isoformat() if catalog.last_refresh else None,
        model_count=len(catalog.models),
        models_with_scores=sum(
            1 for m in catalog.models if any(not s.baseline for s in m.provenance.values())
        ),
        models_with_benchmarks=sum(1 for m in catalog.models if m.benchmarks),
        aliases=AliasCounts(model_count=table.model_count, name_count=table.name_count),
        sources=catalog.sources,
        version=__version__,
    )
