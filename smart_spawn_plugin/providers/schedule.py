"""Quota windows: when the current one started and when the next reset is (UTC).

``daily`` resets at ``hour``; ``weekly`` on weekday ``day`` (0 = Monday) at ``hour``;
``monthly`` on day ``day`` of the month (clamped to the month's last day) at ``hour``;
``fixed`` once, at ``at`` (the window is everything before it; after it, no reset is known).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.settings import ResetSchedule

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _monthly(year: int, month: int, schedule: ResetSchedule) -> datetime:
    day = min(max(schedule.day, 1), calendar.monthrange(year, month)[1])
    return datetime(year, month, day, schedule.hour, tzinfo=UTC)


def _fixed(schedule: ResetSchedule) -> datetime:
    if not schedule.at:
        raise InvalidParam("a fixed reset needs 'at' (an ISO 8601 date-time)", field="reset.at")
    try:
        moment = datetime.fromisoformat(schedule.at)
    except ValueError as error:
        raise InvalidParam(
            f"reset.at: not a date-time: {schedule.at!r}", field="reset.at"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def window(schedule: ResetSchedule, now: datetime) -> tuple[datetime, datetime | None]:
    """``(start of the current window, next reset)``; next reset None when none is known."""
    if schedule.every == "daily":
        today = now.replace(hour=schedule.hour, minute=0, second=0, microsecond=0)
        start = today if today <= now else today - timedelta(days=1)
        return start, start + timedelta(days=1)
    if schedule.every == "weekly":
        base = now.replace(hour=schedule.hour, minute=0, second=0, microsecond=0)
        start = base - timedelta(days=(now.weekday() - schedule.day % 7) % 7)
        if start > now:
            start -= timedelta(days=7)
        return start, start + timedelta(days=7)
    if schedule.every == "monthly":
        start = _monthly(now.year, now.month, schedule)
        if start > now:
            year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
            start = _monthly(year, month, schedule)
        year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
        return start, _monthly(year, month, schedule)
    at = _fixed(schedule)
    return (_EPOCH, at) if now < at else (at, None)
