"""JSON in and out of the HTTP API, with orjson: bodies are parsed once and responses are
serialised once, straight to bytes (which the response cache keeps as they are).

orjson is strict where the standard library is lax, and the API relies on it: a lone UTF-16
surrogate (``"\\ud800"``) in a request body is invalid JSON here (400 ``INVALID_BODY``), where
``json.loads`` accepted it and the response then failed to encode (a 500 and a dropped
connection). ``NaN``/``Infinity`` serialise as ``null``, never as invalid JSON.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel

from smart_spawn_plugin.errors import InvalidBody

_OPTS = orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, mode="json")  # our Wire models: camelCase
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(payload: Any) -> bytes:
    """``payload`` as compact UTF-8 JSON bytes (pydantic models by their camelCase aliases)."""
    return orjson.dumps(payload, default=_default, option=_OPTS)


def loads_body(raw: bytes) -> Any:
    """A request body's JSON value (``{}`` for an empty body). Raises ``InvalidBody`` for
    anything that is not valid UTF-8 JSON, lone surrogates included."""
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = "it holds a lone UTF-16 surrogate" if "surrogate" in str(exc) else str(exc)
        raise InvalidBody(f"request body is not valid JSON: {reason}") from None
