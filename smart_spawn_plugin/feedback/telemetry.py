"""Outbox-backed delivery of reports, and the opt-in anonymous community reporter.

Delivery contract (:meth:`Outbox.flush`):

* each due item is POSTed as JSON; a 2xx deletes it;
* a transport error, timeout, 408, 429 or 5xx keeps it and schedules the next attempt after
  ``base_delay · 2^(attempts-1)`` (capped at ``max_delay``; a 429's ``Retry-After`` is honoured
  if longer), so nothing is lost while the endpoint is down;
* after ``max_attempts`` failed attempts, or on any other 4xx (the server rejects the payload, so
  retrying cannot help), the item is dropped — always with an ``outbox_item_dropped`` warning.

Community reports are anonymous: the payload is ``{model, category, rating, instanceId}`` with no
user key, and ``instanceId`` is a SHA-256 of a random per-store id (the raw id never leaves the
machine; the receiving server hashes it again with its own salt). They are queued and sent only
when the caller passes ``opt_in=True`` (``Settings.telemetry_opt_in``).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, JsonValue

from smart_spawn_plugin.log import get_logger
from smart_spawn_plugin.store.community import CommunityReport
from smart_spawn_plugin.store.db import Database, as_utc, meta_get_or_create, utc_now, validate
from smart_spawn_plugin.store.outbox import OutboxItem, OutboxStore

if TYPE_CHECKING:  # httpx loads with the client a flush is given, not with this module
    import httpx

log = get_logger(__name__)

COMMUNITY_KIND: Final = "community_report"
DEFAULT_MAX_ATTEMPTS: Final = 8
DEFAULT_BASE_DELAY: Final = timedelta(minutes=1)
DEFAULT_MAX_DELAY: Final = timedelta(hours=6)
DEFAULT_TIMEOUT: Final = 10.0
_RETRYABLE_4XX: Final = frozenset({408, 429})
_INSTANCE_KEY: Final = "instance_id"


class FlushResult(BaseModel):
    """What one flush did: items delivered, rescheduled, and dropped (each drop is logged)."""

    sent: int = 0
    retried: int = 0
    dropped: int = 0


class Outbox:
    """Persistent at-least-once delivery of JSON POSTs, with exponential backoff."""

    def __init__(
        self,
        store: OutboxStore,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        base_delay: timedelta = DEFAULT_BASE_DELAY,
        max_delay: timedelta = DEFAULT_MAX_DELAY,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.store = store
        self._max_attempts = max(1, max_attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._timeout = timeout

    def enqueue(
        self, kind: str, url: str, payload: dict[str, JsonValue], *, now: datetime | None = None
    ) -> OutboxItem:
        """Queue ``payload`` for POSTing to ``url``; it survives restarts until delivered."""
        return self.store.enqueue(kind, url, payload, now=now)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next try after ``attempts`` failed ones (no jitter: one client)."""
        delay = self._base_delay * (1 << min(30, max(0, attempts - 1)))
        return min(delay, self._max_delay)

    async def flush(
        self,
        http: httpx.AsyncClient,
        now: datetime | None = None,
        *,
        kind: str | None = None,
        limit: int = 50,
    ) -> FlushResult:
        """POST every item due at ``now`` (optionally of one ``kind``); see the module contract."""
        moment = as_utc(now or utc_now())
        result = FlushResult()
        for item in self.store.due(now=moment, kind=kind, limit=limit):
            error, retry_after = await self._post(http, item)
            if error is None:
                self.store.delete(item.id)
                result.sent += 1
                continue
            attempts = item.attempts + 1
            if retry_after is None or attempts >= self._max_attempts:
                self.store.delete(item.id)
                result.dropped += 1
                log.warning(
                    "outbox_item_dropped",
                    item_id=item.id,
                    kind=item.kind,
                    attempts=attempts,
                    error=error,
                )
                continue
            delay = max(self.backoff(attempts), retry_after)
            self.store.reschedule(
                item.id, attempts=attempts, next_attempt_at=moment + delay, error=error
            )
            result.retried += 1
            log.info("outbox_item_retry", item_id=item.id, kind=item.kind, attempts=attempts)
        return result

    async def _post(
        self, http: httpx.AsyncClient, item: OutboxItem
    ) -> tuple[str | None, timedelta | None]:
        """``(None, None)`` on success; else ``(error, retry_after)`` with ``retry_after`` None
        when the failure is permanent."""
        import httpx

        try:
            response = await http.post(item.url, json=item.payload, timeout=self._timeout)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}", timedelta(0)
        status = response.status_code
        if response.is_success:
            return None, None
        error = f"HTTP {status}"
        if status >= 500 or status in _RETRYABLE_4XX:
            return error, _retry_after(response)
        return error, None


def _retry_after(response: httpx.Response) -> timedelta:
    value = response.headers.get("retry-after", "")
    return timedelta(seconds=int(value)) if value.isdigit() else timedelta(0)


def anonymous_instance_id(conn: Database) -> str:
    """A stable anonymous id for this installation: SHA-256 of a random id kept in the store."""
    raw = meta_get_or_create(conn, _INSTANCE_KEY, uuid.uuid4().hex)
    return hashlib.sha256(raw.encode()).hexdigest()


class CommunityReporter:
    """Queues anonymous outcome ratings for the community endpoint, only when opted in."""

    def __init__(
        self, outbox: Outbox, *, opt_in: bool, community_url: str, instance_id: str
    ) -> None:
        self._outbox = outbox
        self._opt_in = opt_in
        self._url = community_url.rstrip("/") + "/community/report"
        self._instance_id = instance_id

    def report(
        self, *, model: str, category: str, rating: int, now: datetime | None = None
    ) -> bool:
        """Queue one report; return whether it was queued (``False`` when not opted in).

        The fields are validated first (``InvalidParam`` on a bad one), so the endpoint never gets
        a report it must reject.
        """
        if not self._opt_in:
            return False
        report = validate(
            CommunityReport,
            {
                "model": model,
                "category": category,
                "rating": rating,
                "instanceId": self._instance_id,
            },
        )
        payload: dict[str, JsonValue] = {
            "model": report.model,
            "category": report.category,
            "rating": report.rating,
            "instanceId": report.instance_id,
        }
        self._outbox.enqueue(COMMUNITY_KIND, self._url, payload, now=now)
        return True

    async def flush(self, http: httpx.AsyncClient, now: datetime | None = None) -> FlushResult:
        """Send due community reports. Opted out: send nothing and discard any queued ones
        (consent was withdrawn), logging how many."""
        if self._opt_in:
            return await self._outbox.flush(http, now, kind=COMMUNITY_KIND)
        pending = self._outbox.store.pending(kind=COMMUNITY_KIND)
        for item in pending:
            self._outbox.store.delete(item.id)
        if pending:
            log.info("telemetry_discarded_opted_out", count=len(pending))
        return FlushResult(dropped=len(pending))
