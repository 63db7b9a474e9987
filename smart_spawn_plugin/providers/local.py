"""Local model servers: find them on 127.0.0.1, and turn their models into routing candidates.

Detection probes each port concurrently with a short timeout (``providers.detectTimeout``):
``GET /v1/models`` (llama.cpp server, LM Studio, vLLM, and Ollama's OpenAI layer) and, when that
fails, Ollama's ``GET /api/tags``. A closed port costs one refused connection.

A detected model becomes a candidate ``local/<id>`` priced $0 (or the local provider's
``costPerMillion``), with benchmark evidence borrowed from the catalog model of the same family:
names are compared squashed (lower case, only letters, digits and dots) once the quantisation
tag is cut, so ``qwen2.5:7b-instruct-q4_K_M`` matches ``qwen/qwen-2.5-7b-instruct``. Borrowed
scores are multiplied by :data:`QUANT_FACTORS` for the quantisation: llama.cpp's published
perplexity/KL measurements put 8-bit within ~1 % of 16-bit, Q5/Q6 within ~2-3 %, Q4 within
~5 %, and Q3/Q2 far lower; the factors round those conservatively. A model matching no family
gets :data:`UNMATCHED_SCORE`, a deliberately low baseline marked as such.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from smart_spawn_plugin.models import (
    CATEGORIES,
    Capabilities,
    CategoryScore,
    ModelRecord,
    Pricing,
    Wire,
)
from smart_spawn_plugin.providers.registry import LOCAL, LocalModel

if TYPE_CHECKING:  # httpx loads when a probe runs, not with routing
    import httpx

#: Score multiplier by quantisation (module docstring). Keys are matched as prefixes.
QUANT_FACTORS: Final[dict[str, float]] = {
    "f32": 1.0, "f16": 1.0, "bf16": 1.0, "fp16": 1.0, "q8": 0.99, "q6": 0.98, "q5": 0.97,
    "q4": 0.95, "iq4": 0.95, "q3": 0.90, "iq3": 0.90, "q2": 0.80, "iq2": 0.80, "iq1": 0.70,
}  # fmt: skip
#: Factor when the quantisation is not stated (most local servers ship Q4 by default).
UNKNOWN_QUANT_FACTOR: Final = 0.95
#: Score of a local model matching no catalog family (low on purpose: no evidence at all).
UNMATCHED_SCORE: Final = 30.0
_QUANT = re.compile(r"[-_.:]((?:i?q\d[a-z0-9_]*)|f16|f32|bf16|fp16)$", re.IGNORECASE)
SERVER_KINDS: Final[dict[int, str]] = {
    11434: "ollama",
    1234: "lmstudio",
    8000: "vllm",
    8080: "llama.cpp",
}


class LocalServer(Wire):
    """A server found on 127.0.0.1, and what it serves."""

    port: int
    kind: str
    base_url: str
    models: list[str]
    context: dict[str, int] = Field(default_factory=dict)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _ModelEntry(_Lenient):
    id: str
    meta: dict[str, object] | None = None
    max_model_len: int | None = None
    context_length: int | None = None
    owned_by: str | None = None


class _Models(_Lenient):
    data: list[_ModelEntry]


class _OllamaTag(_Lenient):
    name: str


class _OllamaTags(_Lenient):
    models: list[_OllamaTag]


def _context(entry: _ModelEntry) -> int | None:
    meta = entry.meta or {}
    n_ctx = meta.get("n_ctx")
    if isinstance(n_ctx, int):
        return n_ctx
    return entry.max_model_len or entry.context_length


async def probe(
    http: httpx.AsyncClient,
    port: int,
    timeout: float,  # noqa: ASYNC109  # httpx timeout
) -> LocalServer | None:
    """The server on ``127.0.0.1:port``, or None (nothing there, or not a model server)."""
    import httpx

    root = f"http://127.0.0.1:{port}"
    try:
        response = await http.get(f"{root}/v1/models", timeout=timeout)
        if response.is_success:
            listing = _Models.model_validate_json(response.content)
            owned = {e.owned_by for e in listing.data}
            kind = (
                "llama.cpp" if "llamacpp" in owned else SERVER_KINDS.get(port, "openai-compatible")
            )
            return LocalServer(
                port=port,
                kind=kind,
                base_url=f"{root}/v1",
                models=[e.id for e in listing.data],
                context={e.id: c for e in listing.data if (c := _context(e))},
            )
        response = await http.get(f"{root}/api/tags", timeout=timeout)
        if response.is_success:
            tags = _OllamaTags.model_validate_json(response.content)
            return LocalServer(
                port=port,
                kind="ollama",
                base_url=f"{root}/v1",
                models=[t.name for t in tags.models],
            )
    except (httpx.HTTPError, ValidationError, ValueError):
        return None
    return None


async def detect(
    ports: Sequence[int],
    *,
    timeout: float,  # noqa: ASYNC109  # per-probe httpx timeout
    http: httpx.AsyncClient | None = None,
) -> list[LocalServer]:
    """Every model server on ``ports`` of 127.0.0.1, probed concurrently."""
    import httpx

    client = http or httpx.AsyncClient(trust_env=False)
    try:
        found = await asyncio.gather(*(probe(client, port, timeout) for port in ports))
    finally:
        if http is None:
            await client.aclose()
    return [server for server in found if server is not None]


def local_models(servers: Iterable[LocalServer]) -> list[LocalModel]:
    return [
        LocalModel(id=m, base_url=s.base_url, server=s.kind, context_length=s.context.get(m))
        for s in servers
        for m in s.models
    ]


def split_quant(name: str) -> tuple[str, str | None]:
    """``(name without its quantisation tag, the tag)``; ``.gguf`` and paths are dropped."""
    base = name.rsplit("/", 1)[-1].removesuffix(".gguf")
    match = _QUANT.search(base)
    if match is None:
        return base, None
    return base[: match.start()], match.group(1).lower()


def quant_factor(tag: str | None) -> float:
    if tag is None:
        return UNKNOWN_QUANT_FACTOR
    for prefix in sorted(QUANT_FACTORS, key=len, reverse=True):
        if tag.startswith(prefix):
            return QUANT_FACTORS[prefix]
    return UNKNOWN_QUANT_FACTOR


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", text.lower())


def match_family(name: str, catalog: Mapping[str, ModelRecord]) -> ModelRecord | None:
    """The catalog model of ``name``'s family: equal squashed names first, else the longest
    catalog name that the local name starts with (``llama3.1:8b`` → ``llama-3.1-8b…``)."""
    base, _ = split_quant(name)
    local = _squash(base.replace(":", "-"))
    if len(local) < 3:
        return None
    best: tuple[int, ModelRecord] | None = None
    for model_id, record in catalog.items():
        tail = _squash(model_id.rsplit("/", 1)[-1].split(":", 1)[0])
        if not tail:
            continue
        if tail == local:
            return record
        if local.startswith(tail) or tail.startswith(local):
            size = min(len(tail), len(local))
            if size >= 6 and (best is None or size > best[0]):
                best = (size, record)
    return best[1] if best else None


def candidate(
    model: LocalModel, catalog: Mapping[str, ModelRecord], *, cost_per_million: float = 0.0
) -> ModelRecord:
    """``model`` as a routable catalog record ``local/<id>`` (module docstring)."""
    family = match_family(model.id, catalog)
    _, tag = split_quant(model.id)
    factor = quant_factor(tag)
    scores: dict[str, float] = {}
    provenance: dict[str, CategoryScore] = {}
    for category in CATEGORIES:
        if family is not None and category in family.scores:
            base = family.provenance.get(category)
            scores[category] = round(family.scores[category] * factor, 2)
            provenance[category] = CategoryScore(
                score=scores[category],
                evidence=list(base.evidence) if base else [],
                baseline=bool(base and base.baseline),
                note=f"local: {family.id} × {factor:g} ({tag or 'quantisation unstated'})",
            )
        elif category != "vision":
            scores[category] = UNMATCHED_SCORE
            provenance[category] = CategoryScore(
                score=UNMATCHED_SCORE, baseline=True, note="local: no catalog family matched"
            )
    return ModelRecord(
        id=f"{LOCAL}/{model.id}",
        name=f"{model.id} (local)",
        provider=LOCAL,
        context_length=model.context_length or (family.context_length if family else 0),
        pricing=Pricing(prompt=cost_per_million, completion=cost_per_million),
        capabilities=family.capabilities if family else Capabilities(),
        categories=[c for c in CATEGORIES if c in scores],
        scores=scores,
        tier="budget",
        tags=["local", *([f"family:{family.id}"] if family else [])],
        provenance=provenance,
        base_id=family.id if family else None,
        variant=tag,
    )
