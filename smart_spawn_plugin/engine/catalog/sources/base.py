"""The ``BenchmarkSource`` protocol and the typed records every source produces.

A source turns one outside world (a publisher's wire format) into typed records:

* the OpenRouter catalog gives :class:`CatalogEntry` rows — the universe of routable models;
* every other source gives :class:`BenchmarkRow` rows — a name as that publisher spells it, plus
  hints for matching it to an OpenRouter id, plus figures keyed by the benchmark vocabulary in
  :mod:`smart_spawn_plugin.engine.catalog.benchmarks`.

Sources never talk to each other; matching rows to catalog ids is :mod:`..aliases`' job.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

Origin = Literal["live", "snapshot", "files"]


class CatalogEntry(BaseModel):
    """One OpenRouter model, figures only. Prices in USD per 1M tokens (-1 for router models)."""

    id: str
    name: str
    canonical_slug: str | None = None
    hugging_face_id: str | None = None
    context_length: int = 0
    prompt_price: float = 0.0
    completion_price: float = 0.0
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    supported_parameters: list[str] = Field(default_factory=list)
    created: int | None = None
    #: benchmark figures OpenRouter itself carries (its copy of the AA indices, the design
    #: arena Elo), vocabulary keys.
    values: dict[str, float] = Field(default_factory=dict)
    #: long-context prices (USD per 1M) from ``pricing.overrides``: prompt tokens threshold
    long_min_prompt_tokens: int | None = None
    long_prompt_price: float | None = None
    long_completion_price: float | None = None
    #: the catalog id OpenRouter's description calls the same model (``-fast`` / ``-pro``)
    same_as: str | None = None


class BenchmarkRow(BaseModel):
    """One model as a benchmark publisher lists it.

    ``name`` is the publisher's primary name; ``names`` are further spellings it gives (slug,
    short name, model key). ``openrouter_id`` is a direct bridge when the publisher states one
    (AA's ``open_weights.openrouter_api_id``); ``hf_id`` a Hugging Face repo id. ``values`` are
    figures on the publisher's own scale, keyed by benchmark vocabulary keys. ``speed_tps`` and
    ``ttft_s`` are measured speeds where the publisher has them.
    """

    name: str
    names: list[str] = Field(default_factory=list)
    organization: str | None = None
    openrouter_id: str | None = None
    hf_id: str | None = None
    values: dict[str, float] = Field(default_factory=dict)
    speed_tps: float | None = None
    ttft_s: float | None = None
    #: a row the publisher marks as a reasoning/thinking variant of the model
    reasoning_variant: bool = False
    #: the reasoning effort the row was measured at (AA: one row per effort), when stated
    effort: str | None = None
    deprecated: bool = False


class SourceData(BaseModel):
    """What one pull of one source produced."""

    source: str
    origin: Origin
    pulled_at: datetime | None = None
    #: date of the data itself, when the publisher states it
    data_date: str | None = None
    catalog: list[CatalogEntry] = Field(default_factory=list)
    rows: list[BenchmarkRow] = Field(default_factory=list)
    #: rows the publisher's file had before the snapshot kept only the useful ones, and the
    #: match-rate denominator over those raw rows (so ``status`` reports raw match rates)
    unfiltered_rows: int | None = None
    unfiltered_total: int | None = None

    @property
    def count(self) -> int:
        return len(self.catalog) + len(self.rows)


@runtime_checkable
class BenchmarkSource(Protocol):
    """One benchmark publisher.

    ``name`` is the stable source id used in status, provenance and the snapshot
    (``openrouter``, ``artificial-analysis``, ``hf-leaderboard``, ``lmarena``, ``livebench``,
    ``openmark``). ``from_files`` parses the publisher's raw files found in a directory (the
    layout of ``shared/data/sources/<name>/``; newest file by the date in its name) and raises
    :class:`~smart_spawn_plugin.errors.SourceError` when none is there or it cannot be parsed.
    ``fetch`` pulls the same format live with the given client; the caller sets timeouts and
    cancels it on timeout; it raises ``SourceError`` on any failure (no key, HTTP error, bad
    payload) and never returns partial garbage.
    """

    name: str

    def from_files(self, directory: Path) -> SourceData: ...

    async def fetch(self, http: httpx.AsyncClient) -> SourceData: ...
