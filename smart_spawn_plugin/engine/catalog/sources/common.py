"""Helpers shared by the source adapters: newest-file choice, HTTP and JSON reading, numbers.

Every failure here is raised as :class:`~smart_spawn_plugin.errors.SourceError` naming the
source, so adapters never leak ``httpx`` or ``json`` exceptions to their callers.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from smart_spawn_plugin.errors import SourceError

if TYPE_CHECKING:  # loaded by live fetches only: a build from the bundled snapshot needs no HTTP
    import httpx

#: Per-request timeout for live fetches (connect 5 s, the rest 15 s); the caller additionally
#: bounds the whole fetch.
REQUEST_TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 5.0

_DATE_IN_NAME = re.compile(r"(\d{4})[-_](\d{2})[-_](\d{2})")


def date_in_name(path: Path) -> str | None:
    """The ``YYYY-MM-DD`` date written in a file name (``models_2026-08-19.json``,
    ``table_2026_01_08.csv``), or ``None``."""
    found = _DATE_IN_NAME.search(path.name)
    if found is None:
        return None
    return "-".join(found.groups())


def newest_file(directory: Path, pattern: str, *, source: str) -> Path:
    """The file matching ``pattern`` in ``directory`` with the newest date in its name.

    Files without a date sort before dated ones (then by name), so a dated dump always wins.
    Raises ``SourceError`` when the directory has no such file.
    """
    files = sorted(directory.glob(pattern)) if directory.is_dir() else []
    if not files:
        raise SourceError(f"{source}: no file matching {pattern!r} in {directory}")
    return max(files, key=lambda p: (date_in_name(p) or "", p.name))


def read_text(path: Path, *, source: str) -> str:
    """A file's text (UTF-8), or ``SourceError``."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{source}: cannot read {path.name}: {exc}") from exc


def parse_json(text: str, *, source: str, what: str) -> object:
    """Parse JSON text, or raise ``SourceError`` naming ``what`` was malformed."""
    try:
        result: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{source}: malformed JSON in {what}: {exc}") from exc
    return result


def read_json(path: Path, *, source: str) -> object:
    """A JSON file's content, or ``SourceError``."""
    return parse_json(read_text(path, source=source), source=source, what=path.name)


async def get_text(
    http: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    headers: dict[str, str] | None = None,
    params: dict[str, str | int] | None = None,
) -> str:
    """GET ``url`` with an explicit timeout; any transport error or non-2xx is a ``SourceError``.

    The message names the URL and status but never the headers (they may carry API keys).
    """
    import httpx

    timeout = httpx.Timeout(REQUEST_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    try:
        response = await http.get(url, headers=headers, params=params, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise SourceError(f"{source}: timed out fetching {url}") from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"{source}: cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise SourceError(f"{source}: {url} answered HTTP {response.status_code}")
    return response.text


async def get_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    headers: dict[str, str] | None = None,
    params: dict[str, str | int] | None = None,
) -> object:
    """GET ``url`` and parse its JSON body; failures as in :func:`get_text`."""
    text = await get_text(http, url, source=source, headers=headers, params=params)
    return parse_json(text, source=source, what=url)


def to_float(value: object) -> float | None:
    """A finite float from a number or numeric string; ``None`` for anything else.

    Booleans are not numbers here (``True`` is not a score).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        text = value.strip().rstrip("%")
        if not text:
            return None
        try:
            result = float(text)
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def as_dict(value: object) -> dict[str, object]:
    """``value`` if it is a JSON object, else an empty dict (lenient reading of optional parts)."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return {}


def as_str(value: object) -> str | None:
    """A non-empty stripped string, else ``None``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def as_str_list(value: object) -> list[str]:
    """The strings of a JSON array (other items dropped); ``[]`` when not an array."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]
