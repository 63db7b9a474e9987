"""Usage per provider and quota window, and when each quota runs out at the current rate.

Usage comes from, by the provider's ``quotaSource``:

- ``self-tracked``: the spawn log — tokens (prompt + completion), messages (spawns that ran) or
  USD (the recorded cost, else tokens × the prices logged at spawn time: the one costing rule) —
  counted from the window's start, or from the latest ``set-usage``/``reset`` mark in it;
- ``manual``: the latest ``set-usage`` mark only (plus nothing: the user reads the account page);
- ``api``: the provider's own usage endpoint (OpenRouter ``GET /key``), when reachable;
- ``unlimited``: usage is still counted, but there is no limit to run out of.

Prediction: the burn rate is the usage of the last ``hours`` hours divided by ``hours``; with a
limit, ``(limit − used) / rate`` from now is the predicted exhaustion, compared with the next
reset ("at the current rate openrouter's $20 limit runs out Thu 14:00, 2 days before reset").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from smart_spawn_plugin.models import Wire
from smart_spawn_plugin.providers.registry import Provider, ProviderRegistry
from smart_spawn_plugin.providers.schedule import window
from smart_spawn_plugin.store.providers import UsageMark, UsageTotals

QuotaType = Literal["tokens", "messages", "budget"]
#: beyond this, "runs out" is meaningless (and past datetime's range): no exhaustion date
_HORIZON_HOURS = 24 * 365 * 10
_UNITS = {"tokens": "tokens", "messages": "messages", "budget": "USD"}


class QuotaUsage(Wire):
    """One provider's quota state now."""

    provider: str
    kind: str
    tier: str
    quota_source: str
    quota_type: QuotaType
    unit: str
    used: float
    limit: float | None = None
    percent: float | None = None
    remaining: float | None = None
    window_start: datetime
    next_reset: datetime | None = None
    usage_from: str
    shifted: bool = False


class QuotaPrediction(QuotaUsage):
    """A :class:`QuotaUsage` with the burn rate and the predicted exhaustion."""

    burn_window_hours: float
    burn_rate_per_hour: float
    predicted_exhaustion: datetime | None = None
    runs_out_before_reset: bool = False
    message: str


def amount(totals: UsageTotals, quota_type: QuotaType) -> float:
    """What a model's spawns used (:class:`UsageTotals`, spawns that ran), in the quota's unit."""
    if quota_type == "tokens":
        return totals.tokens
    if quota_type == "messages":
        return totals.messages
    return totals.usd


def by_provider(
    registry: ProviderRegistry, totals: dict[str, list[UsageTotals]]
) -> dict[str, list[list[UsageTotals]]]:
    """Each provider's per-model totals (the provider serving each model, resolved once)."""
    out: dict[str, list[list[UsageTotals]]] = {name: [] for name in registry.providers}
    for model, per_cutoff in totals.items():
        out.setdefault(registry.provider_of(model).name, []).append(per_cutoff)
    return out


def total(per_model: list[list[UsageTotals]], index: int, quota_type: QuotaType) -> float:
    """The sum over a provider's models of their use since cutoff number ``index``."""
    return sum(amount(t[index], quota_type) for t in per_model)


def _fmt(value: float, unit: str) -> str:
    if unit == "USD":
        return f"${value:,.2f}"
    return f"{value:,.0f} {unit}"


def quota_usage(
    provider: Provider,
    counted: float,
    mark: UsageMark | None,
    now: datetime,
    *,
    shifted: bool = False,
    api_used: float | None = None,
    api_limit: float | None = None,
) -> QuotaUsage:
    """``provider``'s usage in its current window: ``counted`` is what the spawn log holds
    since the latest ``mark`` in the window (since the window's start without one)."""
    quota = provider.quota
    start, next_reset = window(quota.reset, now)
    used = mark.value if mark else 0.0
    source = "mark" if mark else "spawn-log"
    if quota.quota_source != "manual":
        used += counted
    if quota.quota_source == "api" and api_used is not None:
        used, source = api_used, "api"
    limit = api_limit if api_limit is not None else quota.limit
    if quota.quota_source == "unlimited":
        limit = None
    unit = _UNITS[quota.quota_type]
    return QuotaUsage(
        provider=provider.name,
        kind=provider.kind,
        tier=provider.tier,
        quota_source=quota.quota_source,
        quota_type=quota.quota_type,
        unit=unit,
        used=round(used, 6),
        limit=limit,
        percent=round(100 * used / limit, 2) if limit else None,
        remaining=round(max(limit - used, 0.0), 6) if limit else None,
        window_start=start,
        next_reset=next_reset,
        usage_from=source,
        shifted=shifted,
    )


def predict(usage: QuotaUsage, burned: float, now: datetime, hours: float) -> QuotaPrediction:
    """``usage`` with the burn rate (``burned``: the use of the last ``hours``) and the
    predicted exhaustion."""
    rate = burned / hours
    exhaustion: datetime | None = None
    before_reset = False
    name, unit = usage.provider, usage.unit
    if usage.limit is None:
        message = f"{name} has no limit; burning {_fmt(rate, unit)}/h"
    elif usage.used >= usage.limit:
        exhaustion, before_reset = now, True
        message = f"{name}'s {_fmt(usage.limit, unit)} limit is used up"
    elif rate <= 0:
        message = (
            f"{name}: {_fmt(usage.used, unit)} of {_fmt(usage.limit, unit)} used; no recent use"
        )
    elif (usage.limit - usage.used) / rate > _HORIZON_HOURS:
        message = f"{name}: at the current rate the {_fmt(usage.limit, unit)} limit lasts years"
    else:
        exhaustion = now + timedelta(hours=(usage.limit - usage.used) / rate)
        when = exhaustion.strftime("%a %d %b %H:%M UTC")
        message = f"at the current rate {name}'s {_fmt(usage.limit, unit)} limit runs out {when}"
        if usage.next_reset is None or exhaustion < usage.next_reset:
            before_reset = True
            if usage.next_reset is not None:
                message += f", {_span(usage.next_reset - exhaustion)} before reset"
        else:
            message += ", after the next reset"
    return QuotaPrediction(
        **usage.model_dump(),
        burn_window_hours=hours,
        burn_rate_per_hour=round(rate, 6),
        predicted_exhaustion=exhaustion,
        runs_out_before_reset=before_reset,
        message=message,
    )


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    if hours >= 1:
        return f"{hours:.0f} h"
    return f"{max(delta.total_seconds() / 60, 1):.0f} min"
