"""OpenRouter's key endpoint: the account's own usage and limit (``GET /api/v1/key``).

Wire format (OpenRouter API reference, "Get current API key")::

    {"data": {"label": "sk-or-v1-au7...890", "limit": 100, "limit_remaining": 74.5,
              "limit_reset": "monthly", "usage": 25.5, "usage_daily": 25.5,
              "usage_weekly": 25.5, "usage_monthly": 25.5, "is_free_tier": false, ...}}

``limit`` is null for a key without a credit limit. Amounts are USD (credits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from smart_spawn_plugin.errors import UpstreamError, redact

if TYPE_CHECKING:
    import httpx


class KeyData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    usage: float = 0.0
    limit: float | None = None
    limit_remaining: float | None = None
    limit_reset: str | None = None
    usage_daily: float | None = None
    usage_weekly: float | None = None
    usage_monthly: float | None = None
    is_free_tier: bool | None = None


class _KeyResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    data: KeyData


async def read_key_usage(
    http: httpx.AsyncClient,
    base_url: str,
    api_key: str,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109  # per-request httpx timeout
) -> KeyData:
    """The key's usage and limit. Raises ``UpstreamError`` (key redacted) on any failure."""
    import httpx

    try:
        response = await http.get(
            f"{base_url.rstrip('/')}/key",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )
    except httpx.HTTPError as error:
        raise UpstreamError(
            redact(f"OpenRouter key endpoint unreachable: {error}", [api_key]), retryable=True
        ) from error
    if not response.is_success:
        raise UpstreamError(
            redact(
                f"OpenRouter key endpoint: HTTP {response.status_code}: {response.text[:200]}",
                [api_key],
            ),
            status_code=response.status_code,
        )
    try:
        return _KeyResponse.model_validate_json(response.content).data
    except ValidationError as error:
        raise UpstreamError(
            f"OpenRouter key endpoint: malformed answer ({error.error_count()} problems)"
        ) from error
