"""OpenRouter's model list (``GET /api/v1/models``): the catalog of routable models.

Wire format ``{"data": [model, ...]}``; prices are USD per token as strings. We keep prices per
1M tokens; an unparsable price becomes 0 with a warning, a negative one stays negative (that is
how OpenRouter marks router pseudo-models such as ``openrouter/auto``). OpenRouter's embedded
copy of the Artificial Analysis indices becomes ``or*Index`` values (scored as AA's own figures,
see :mod:`..scoring`), and its ``design_arena`` Elo entries (web/UI generation arenas) become
``designArena``: the mean Elo over the model's ``models``-arena categories. ``pricing.overrides``
with a ``min_prompt_tokens`` give the long-context prices; a description saying the endpoint is
"the same underlying model as" / a "variant of [X](/vendor/x) - identical capabilities" gives
``same_as``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from smart_spawn_plugin.engine.catalog.sources.base import CatalogEntry, Origin, SourceData
from smart_spawn_plugin.engine.catalog.sources.common import (
    as_dict,
    as_str,
    as_str_list,
    date_in_name,
    get_json,
    newest_file,
    read_json,
    to_float,
)
from smart_spawn_plugin.errors import SourceError
from smart_spawn_plugin.log import get_logger

if TYPE_CHECKING:  # live fetches only: a snapshot build needs no HTTP client
    import httpx

log = get_logger(__name__)

NAME: Final = "openrouter"
URL: Final = "https://openrouter.ai/api/v1/models"

#: OpenRouter's ``benchmarks.artificial_analysis`` keys → our vocabulary keys.
_OR_AA_KEYS: Final = {
    "intelligence_index": "orIntelligenceIndex",
    "coding_index": "orCodingIndex",
    "agentic_index": "orAgenticIndex",
}


_SAME_AS = re.compile(
    r"(?:same underlying model as|variant of)\s*\[[^\]]*\]\((?:https?://openrouter\.ai)?/?"
    r"([\w.-]+/[\w.:-]+)\)",
    re.IGNORECASE,
)


def _design_arena(raw: object) -> float | None:
    """Mean Elo over the ``models`` arena's categories (website, UI component, game dev …)."""
    if not isinstance(raw, list):
        return None
    elos = [
        elo
        for entry in raw
        if as_dict(entry).get("arena") == "models"
        and (elo := to_float(as_dict(entry).get("elo"))) is not None
    ]
    return round(sum(elos) / len(elos), 1) if elos else None


def same_as_of(model_id: str, description: str | None) -> str | None:
    """The catalog id a description names as the same model, when it is a different id."""
    if not description:
        return None
    head = description[:400]
    if "same underlying model" not in head.lower() and "identical capabilities" not in head.lower():
        return None
    found = _SAME_AS.search(head)
    if found is None:
        return None
    target = found.group(1)
    return target if target != model_id else None


def _long_context(model_id: str, pricing: dict[str, object]) -> tuple[int, float, float] | None:
    overrides = pricing.get("overrides")
    if not isinstance(overrides, list):
        return None
    for raw in overrides:
        item = as_dict(raw)
        threshold = to_float(item.get("min_prompt_tokens"))
        if threshold is None or "prompt" not in item:
            continue
        prompt = _price_per_million(model_id, "overrides.prompt", item.get("prompt"))
        completion = _price_per_million(
            model_id, "overrides.completion", item.get("completion", pricing.get("completion"))
        )
        return int(threshold), prompt, completion
    return None


def _price_per_million(model_id: str, field: str, raw: object) -> float:
    """USD/token (string) → USD per 1M tokens. Bad values → 0 with a warning."""
    if raw is None:
        return 0.0
    value = to_float(raw)
    if value is None:
        log.warning("price_unparsable", model=model_id, field=field, value=str(raw)[:40])
        return 0.0
    # round away float noise from the string → float → ×1e6 trip (0.0000032 → 3.2)
    return round(value * 1_000_000, 6)


def parse_model(raw: object) -> CatalogEntry | None:
    """One catalog entry from one wire model; ``None`` (with a warning) when it has no id."""
    item = as_dict(raw)
    model_id = as_str(item.get("id"))
    if model_id is None:
        log.warning("model_without_id", source=NAME)
        return None
    pricing = as_dict(item.get("pricing"))
    arch = as_dict(item.get("architecture"))
    aa = as_dict(as_dict(item.get("benchmarks")).get("artificial_analysis"))
    values: dict[str, float] = {}
    for wire_key, key in _OR_AA_KEYS.items():
        number = to_float(aa.get(wire_key))
        if number is not None:
            values[key] = number
    design = _design_arena(as_dict(item.get("benchmarks")).get("design_arena"))
    if design is not None:
        values["designArena"] = design
    long = _long_context(model_id, pricing)
    context = to_float(item.get("context_length"))
    created = to_float(item.get("created"))
    return CatalogEntry(
        id=model_id,
        name=as_str(item.get("name")) or model_id,
        canonical_slug=as_str(item.get("canonical_slug")),
        hugging_face_id=as_str(item.get("hugging_face_id")),
        context_length=int(context) if context is not None else 0,
        prompt_price=_price_per_million(model_id, "prompt", pricing.get("prompt")),
        completion_price=_price_per_million(model_id, "completion", pricing.get("completion")),
        input_modalities=as_str_list(arch.get("input_modalities")),
        output_modalities=as_str_list(arch.get("output_modalities")),
        supported_parameters=as_str_list(item.get("supported_parameters")),
        created=int(created) if created is not None else None,
        values=values,
        long_min_prompt_tokens=long[0] if long else None,
        long_prompt_price=long[1] if long else None,
        long_completion_price=long[2] if long else None,
        same_as=same_as_of(model_id, as_str(item.get("description"))),
    )


def parse_models(payload: object, *, origin: Origin, data_date: str | None = None) -> SourceData:
    """``{"data": [...]}`` → ``SourceData`` with catalog rows. An empty list is an error,
    because an empty catalog would wipe every model downstream."""
    data = as_dict(payload).get("data")
    if not isinstance(data, list):
        raise SourceError(f"{NAME}: payload has no 'data' list")
    catalog = [entry for entry in map(parse_model, data) if entry is not None]
    if not catalog:
        raise SourceError(f"{NAME}: the model list is empty")
    if data_date is None:
        newest = max((e.created for e in catalog if e.created is not None), default=None)
        if newest is not None:
            data_date = datetime.fromtimestamp(newest, UTC).date().isoformat()
    return SourceData(
        source=NAME,
        origin=origin,
        pulled_at=datetime.now(UTC) if origin == "live" else None,
        data_date=data_date,
        catalog=catalog,
    )


class OpenRouterSource:
    """The OpenRouter catalog (see module docstring)."""

    name: str = NAME

    def from_files(self, directory: Path) -> SourceData:
        """Parse the newest ``models_*.json`` in ``directory``."""
        path = newest_file(directory, "models_*.json", source=NAME)
        return parse_models(
            read_json(path, source=NAME), origin="files", data_date=date_in_name(path)
        )

    async def fetch(self, http: httpx.AsyncClient) -> SourceData:
        """``GET https://openrouter.ai/api/v1/models`` (no key needed)."""
        return parse_models(await get_json(http, URL, source=NAME), origin="live")
