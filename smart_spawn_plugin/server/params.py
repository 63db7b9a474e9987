"""Query parameters and request bodies of every route, as pydantic models.

Limits are the original's (reference Appendix A). Where the original silently coerced garbage we
answer 400 instead, and say which field was wrong:

* ``task`` (pick, recommend): trimmed, 1–200 characters, no control characters. Too long is
  ``INVALID_PARAM`` "task must be at most 200 characters" (the original said "required");
* ``count`` (1–5), ``limit`` (1–500), ``days`` (1–365), ``maxParallel`` (1–8),
  ``minSamples``/``minRatings`` (≥1): integers clamped into range like the original, but a
  non-numeric value is a 400 (the original turned it into 1, or into an endless loop for
  ``maxParallel``);
* ``minContext``: a negative value counts as 0; any other value is *applied* (the original capped
  it at 1,000,000 silently, so ``minContext=2000000`` returned a smaller model); above
  10,000,000 tokens it is a 400;
* ``context``: at most 20 tags of at most 64 characters; the raw value is length-checked
  (at most 1,400 characters) before it is split, so an over-long value costs microseconds;
* ``exclude``: at most 50 model ids, each matching the original's id pattern;
* ``models`` (compare): 2–5 valid ids;
* ``category``, ``tier``, ``budget``, ``require``, ``sort``: known values only;
* ``rating``: a number 1–5, rounded to the nearest whole star; anything else is a 400 and is
  never recorded.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from smart_spawn_plugin.client.base import stars
from smart_spawn_plugin.models import bare_model_id

MAX_TASK_QUERY: Final = 200
MAX_TASK_BODY: Final = 10_000
MAX_EXCLUDE: Final = 50
MAX_COMPARE: Final = 5
MAX_TAGS: Final = 20
MAX_TAG_LEN: Final = 64
#: longest raw ``context`` value: 20 tags of 64 characters, separators and some slack
MAX_CONTEXT_RAW: Final = 1_400
MAX_MIN_CONTEXT: Final = 10_000_000
MODEL_ID_RE: Final = re.compile(r"[A-Za-z0-9._:-]+(/[A-Za-z0-9._:-]+)?")
MAX_MODEL_ID: Final = 200


def has_control(text: str) -> bool:
    """Whether ``text`` holds a Unicode control character (``Cc``: newline, tab, NUL …)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def clean_model_id(raw: str) -> str | None:
    """The original's ``sanitizeModelId``: trimmed, ``openrouter/`` stripped, 1–200 characters,
    matching the model-id pattern; ``None`` when invalid."""
    text = bare_model_id(raw.strip())
    if not 1 <= len(text) <= MAX_MODEL_ID or not MODEL_ID_RE.fullmatch(text):
        return None
    return text


def model_id_list(raw: str, field: str, maximum: int) -> list[str]:
    """A comma list of model ids (empty parts dropped). Raises ``ValueError`` naming ``field``
    (the raw length is checked before splitting)."""
    if len(raw) > maximum * (MAX_MODEL_ID + 1):
        raise ValueError(f"{field} is too long")
    parts = [p for p in raw.split(",") if p.strip()]
    if len(parts) > maximum:
        raise ValueError(f"{field} must list at most {maximum} model IDs")
    ids = [clean_model_id(p) for p in parts]
    clean = [i for i in ids if i is not None]
    if len(clean) != len(ids):
        raise ValueError(f"{field} contains invalid model IDs")
    return clean


def tag_list(raw: str, field: str = "context") -> list[str]:
    """A comma list of context tags: trimmed, lower-case, unique (first occurrence kept); at most
    20 of ≤64 chars. Linear time: the raw length is checked first and duplicates are found with
    a set (a list made a 65 KB value cost seconds on the event loop)."""
    if len(raw) > MAX_CONTEXT_RAW:
        raise ValueError(f"{field} must be at most {MAX_CONTEXT_RAW} characters")
    tags: list[str] = []
    seen: set[str] = set()
    for part in raw.split(","):
        tag = part.strip().lower()
        if not tag or tag in seen:
            continue
        if len(tag) > MAX_TAG_LEN or has_control(tag):
            raise ValueError(f"{field} contains an invalid tag")
        seen.add(tag)
        tags.append(tag)
        if len(tags) > MAX_TAGS:
            raise ValueError(f"{field} must list at most {MAX_TAGS} tags")
    return tags


def task_text(raw: str | None, field: str, maximum: int) -> str | None:
    """Trimmed task text; ``None`` when missing or blank. Raises ``ValueError`` when too long or
    holding control characters."""
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    if len(text) > maximum:
        raise ValueError(f"{field} must be at most {maximum} characters")
    if has_control(text):
        raise ValueError(f"{field} must not contain control characters")
    return text


def clamp(low: int, high: int) -> AfterValidator:
    """Clamp an already-parsed integer into ``[low, high]`` (the original's behaviour for
    out-of-range numbers; a non-number never gets here — pydantic rejects it)."""

    def _clamp(value: int) -> int:
        return max(low, min(value, high))

    return AfterValidator(_clamp)


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


class Query(BaseModel):
    """Base of the query-parameter models: unknown parameters are ignored (like the original)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _min_context(value: int) -> int:
    if value > MAX_MIN_CONTEXT:
        raise ValueError(f"minContext must be at most {MAX_MIN_CONTEXT} tokens")
    return max(0, value)


Count = Annotated[int, clamp(1, 5)]
#: applied as given (negative → 0); above 10,000,000 a 400, never silently capped
MinContext = Annotated[int, AfterValidator(_min_context)]
Limit = Annotated[int, clamp(1, 500)]
Days = Annotated[int, clamp(1, 365)]
AtLeastOne = Annotated[int, clamp(1, 1_000_000)]
#: a body integer: JSON numbers only (no strings, floats or booleans), clamped to 1..8
MaxParallel = Annotated[StrictInt, clamp(1, 8)]


def _rating(value: float) -> int:
    return stars(value)  # the one rounding rule: half up, as the original (2.5 → 3)


#: a number 1–5 (rounded to whole stars); a string, boolean or null is a 400, never a failure
Rating = Annotated[
    float,
    BeforeValidator(_no_bool),
    Field(strict=True, allow_inf_nan=False),
    AfterValidator(_rating),
]
