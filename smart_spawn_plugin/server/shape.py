"""Lean answers by default; the full evidence with ``?explain=full``.

An agent reads these answers into its context, so every byte costs its user tokens. By default
every route answers with the original's keys and the few of ours a caller acts on; the
evidence, provenance and classification behind an answer come only with ``explain=full``
(any route; the value is part of the response-cache key like every query parameter).

* ``/pick`` drops ``evidence``, ``baseline``, ``classification``, runner-ups past the first
  two, and null ``contextBoost``/``contextTags`` (the original sent them only with tags);
* ``/models`` and ``/recommend``, per model: drop ``provenance`` (per-category evidence),
  ``baseId``, ``variant`` and ``created``; ``benchmarks`` keeps the original's 16 benchmark keys
  (our extra sources' figures are evidence); null benchmark and speed figures are left out (the
  original did not send unknown ones); ``scores`` are whole numbers (the original rounded them
  so), ``benchmarks``, ``speed`` and ``costEfficiency`` one decimal, whole numbers without
  ``.0``; ``lastUpdated`` is to the second; ``/models`` also drops our ``pricing.longContext``
  (picks and recommendations keep it);
* ``/roles/compose`` drops ``rolePrompt`` (``fullPrompt`` holds it) and ``autoGuardrails``.

Every key the original answered stays in the lean shape, and the lean shapes still validate as
our own wire models (``Decision``, ``ModelRecord``), so clients parse both.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request

from smart_spawn_plugin.engine.select.queries import ModelsResult
from smart_spawn_plugin.engine.select.requests import Decision, RecommendResult
from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.server.encoding import dumps

LEAN_RUNNER_UPS: Final = 2
#: ours, not the original's: behind ``explain=full`` (the effort a model is scored at shows on
#: decisions, which is where a caller needs it)
_MODEL_EXTRAS: Final = {
    "provenance",
    "base_id",
    "variant",
    "created",
    "effort",
    "effort_scores",
    "same_as",
}
#: the benchmark keys of the original's EnrichedModel (reference §1.4, GET /models)
ORIGINAL_BENCHMARKS: Final = frozenset(
    {
        "arena",
        "intelligenceIndex",
        "codingIndex",
        "mathIndex",
        "mmluPro",
        "gpqa",
        "liveCodeBench",
        "math500",
        "ifEval",
        "bbh",
        "liveBenchCoding",
        "liveBenchAgenticCoding",
        "liveBenchReasoning",
        "liveBenchMath",
        "liveBenchLanguage",
        "liveBenchIF",
    }
)
_DECISION_EXTRAS: Final = {"evidence", "baseline", "classification"}
_COMPOSE_EXTRAS: Final = ("rolePrompt", "autoGuardrails")


def wants_full(request: Request) -> bool:
    """Whether the caller asked for ``explain=full``; any other value is a 400."""
    value = request.query_params.get("explain")
    if value is None or value in ("", "lean"):
        return False
    if value == "full":
        return True
    raise InvalidParam("explain is invalid: expected 'full' or 'lean'", field="explain")


def pick_body(decision: Decision, full: bool) -> bytes:
    """``{"data": Decision}`` as bytes, lean unless ``full``."""
    if full:
        inner = decision.model_dump_json(by_alias=True)
    else:
        drop = set(_DECISION_EXTRAS)
        if decision.context_boost is None:
            drop.add("context_boost")
        if decision.context_tags is None:
            drop.add("context_tags")
        lean = decision.model_copy(update={"runner_ups": decision.runner_ups[:LEAN_RUNNER_UPS]})
        inner = lean.model_dump_json(by_alias=True, exclude=drop)
    return b'{"data":' + inner.encode() + b"}"


def _number(value: Any, digits: int | None = 1) -> Any:
    """``value`` rounded to ``digits`` (None: as is), written as an integer when it is whole
    (``5`` not ``5.0``, as the original's JavaScript wrote numbers)."""
    if not isinstance(value, float):
        return value
    rounded = value if digits is None else round(value, digits)
    return int(rounded) if rounded.is_integer() else rounded


def _numbers(values: dict[str, Any], digits: int | None = 1) -> dict[str, Any]:
    """``values`` without nulls (the original left unknown figures out), numbers shortened."""
    return {k: _number(v, digits) for k, v in values.items() if v is not None}


def lean_model(model: dict[str, Any], *, long_context: bool = True) -> dict[str, Any]:
    """One model's wire dict (camelCase, extras already excluded) in the lean shape: the
    original's benchmark keys only; no null benchmark or speed figures; scores whole numbers
    (the original rounded them so); other figures to one decimal; prices exact; whole numbers
    without ``.0``; ``lastUpdated`` to the second. ``long_context=False`` also drops our
    ``pricing.longContext`` (not the original's)."""
    benchmarks = model.get("benchmarks") or {}
    model["benchmarks"] = _numbers(
        {k: v for k, v in benchmarks.items() if k in ORIGINAL_BENCHMARKS}
    )
    pricing = model.get("pricing")
    if isinstance(pricing, dict):
        if not long_context or pricing.get("longContext") is None:
            pricing.pop("longContext", None)
        model["pricing"] = _numbers(pricing, None)
    model["scores"] = _numbers(model.get("scores") or {}, 0)
    model["speed"] = _numbers(model.get("speed") or {})
    model["costEfficiency"] = _numbers(model.get("costEfficiency") or {})
    updated = model.get("lastUpdated")
    if isinstance(updated, str) and "." in updated:
        model["lastUpdated"] = updated.split(".", 1)[0] + "Z"
    return model


def models_body(result: ModelsResult, full: bool) -> bytes:
    """``{"data": [model], "meta"}`` as bytes, lean models unless ``full``."""
    if full:
        return result.model_dump_json(by_alias=True).encode()
    out = result.model_dump(
        by_alias=True, mode="json", exclude={"data": {"__all__": _MODEL_EXTRAS}}
    )
    # a listing: the long-context surcharges of a dozen models are evidence for the few callers
    # who send long prompts (picks and recommendations price them in, and say so)
    out["data"] = [lean_model(m, long_context=False) for m in out["data"]]
    return dumps(out)


def recommend_body(result: RecommendResult, full: bool) -> bytes:
    """``{"data": [{model, reason, confidence, score}], "meta"}`` as bytes, lean models unless
    ``full``."""
    if full:
        return result.model_dump_json(by_alias=True).encode()
    exclude: Any = {"data": {"__all__": {"model": _MODEL_EXTRAS}}}
    out = result.model_dump(by_alias=True, mode="json", exclude=exclude)
    for item in out["data"]:
        item["model"] = lean_model(item["model"])
    return dumps(out)


def compose_body(role: dict[str, object], full: bool) -> dict[str, object]:
    """The composed role, without the parts ``fullPrompt`` already carries unless ``full``."""
    if not full:
        for key in _COMPOSE_EXTRAS:
            role.pop(key, None)
    return role
