"""The benchmark sources by name, and the three ways to get their data.

* :func:`load_snapshot` — the bundled ``data/snapshot.json.gz`` (built by
  ``scripts/build_snapshot.py``), read with ``importlib.resources``;
* :func:`from_source_dir` — raw publisher files laid out like ``shared/data/sources``;
* :func:`fetch_all` — live, all sources at once, each bounded by a timeout that cancels it.

OpenMark is not in :data:`SOURCES`: it reads the user's own exports, not a publisher.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ValidationError

from smart_spawn_plugin.engine.catalog.sources.artificial_analysis import ArtificialAnalysisSource
from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkSource, SourceData
from smart_spawn_plugin.engine.catalog.sources.hf_leaderboard import HFLeaderboardSource
from smart_spawn_plugin.engine.catalog.sources.livebench import LiveBenchSource
from smart_spawn_plugin.engine.catalog.sources.lmarena import LMArenaSource
from smart_spawn_plugin.engine.catalog.sources.openmark import OpenMarkSource
from smart_spawn_plugin.engine.catalog.sources.openrouter import OpenRouterSource
from smart_spawn_plugin.errors import SourceError
from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.settings import Settings

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

log = get_logger(__name__)

SNAPSHOT_PACKAGE: Final = "smart_spawn_plugin"
SNAPSHOT_FILE: Final = "snapshot.json.gz"
SNAPSHOT_FORMAT: Final = 1

#: the publisher sources, by stable source id (OpenRouter first: it defines the catalog)
SOURCES: Final[dict[str, BenchmarkSource]] = {
    "openrouter": OpenRouterSource(),
    "artificial-analysis": ArtificialAnalysisSource(),
    "hf-leaderboard": HFLeaderboardSource(),
    "lmarena": LMArenaSource(),
    "livebench": LiveBenchSource(),
}
#: the personal-export source (read from a user directory, never fetched)
OPENMARK: Final = OpenMarkSource()


class Snapshot(BaseModel):
    """The bundled snapshot's file format: figures only, one ``SourceData`` per source."""

    format: int = SNAPSHOT_FORMAT
    sources: dict[str, SourceData]


def parse_snapshot(raw: bytes) -> dict[str, SourceData]:
    """Gzipped snapshot bytes → source id → data (origin forced to ``"snapshot"``)."""
    try:
        snapshot = Snapshot.model_validate_json(gzip.decompress(raw))
    except (OSError, EOFError, ValidationError, ValueError) as exc:
        raise SourceError(f"snapshot: unreadable bundled snapshot: {exc}") from exc
    if snapshot.format != SNAPSHOT_FORMAT:
        raise SourceError(f"snapshot: format {snapshot.format}, expected {SNAPSHOT_FORMAT}")
    return {
        name: data.model_copy(update={"origin": "snapshot"})
        for name, data in snapshot.sources.items()
    }


def load_snapshot() -> dict[str, SourceData]:
    """The bundled snapshot, read from package data (no network, no writes)."""
    resource = resources.files(SNAPSHOT_PACKAGE).joinpath("data", SNAPSHOT_FILE)
    try:
        raw = resource.read_bytes()
    except OSError as exc:
        raise SourceError(f"snapshot: bundled {SNAPSHOT_FILE} is missing: {exc}") from exc
    return parse_snapshot(raw)


def dump_snapshot(sources: dict[str, SourceData]) -> bytes:
    """Deterministic gzipped JSON of ``sources`` (sorted keys, no gzip mtime)."""
    snapshot = Snapshot(sources={name: sources[name] for name in sorted(sources)})
    text = json.dumps(
        snapshot.model_dump(mode="json", exclude_defaults=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def from_source_dir(root: Path) -> dict[str, SourceData]:
    """Parse every publisher's raw files under ``root/<source id>/``.

    A missing subdirectory is simply absent from the result; a present but unparsable one
    raises ``SourceError`` (a broken dump must not pass for "no data").
    """
    result: dict[str, SourceData] = {}
    for name, source in SOURCES.items():
        directory = root / name
        if directory.is_dir():
            result[name] = source.from_files(directory)
    return result


def _sources_for(settings: Settings) -> dict[str, BenchmarkSource]:
    key = settings.artificial_analysis_api_key
    sources = dict(SOURCES)
    sources["artificial-analysis"] = ArtificialAnalysisSource(
        key.get_secret_value() if key else None
    )
    return sources


async def _bounded(
    source: BenchmarkSource,
    http: httpx.AsyncClient,
    timeout: float,  # noqa: ASYNC109 - the per-source budget is this module's contract
) -> SourceData:
    try:
        async with asyncio.timeout(timeout):
            return await source.fetch(http)
    except TimeoutError as exc:
        raise SourceError(f"{source.name}: timed out after {timeout:g}s") from exc


async def fetch_all(
    http: httpx.AsyncClient,
    *,
    timeout: float,  # noqa: ASYNC109 - per source, not for the whole call
    settings: Settings,
) -> dict[str, SourceData | SourceError]:
    """Fetch every publisher source concurrently; each gets ``timeout`` seconds.

    A source that overruns is cancelled (its requests are aborted, nothing leaks) and, like
    any other failure, appears as a ``SourceError`` in the result; one failure never stops the
    others. Unexpected exceptions are wrapped too, so a refresh always gets a full answer.
    """
    sources = _sources_for(settings)
    names = list(sources)
    outcomes = await asyncio.gather(
        *(_bounded(sources[n], http, timeout) for n in names), return_exceptions=True
    )
    result: dict[str, SourceData | SourceError] = {}
    for name, outcome in zip(names, outcomes, strict=True):
        if isinstance(outcome, SourceData | SourceError):
            result[name] = outcome
        elif isinstance(outcome, Exception):
            log.warning("source_crashed", source=name, error_type=type(outcome).__name__)
            result[name] = SourceError(f"{name}: unexpected {type(outcome).__name__}: {outcome}")
        else:  # a BaseException such as CancelledError of the caller: propagate
            raise outcome
        if isinstance(result[name], SourceError):
            log.warning("source_failed", source=name, error=str(result[name]))
    return result
