"""What routing needs of the providers on every pick, read once and reused while it holds.

A provider-aware pick needs each provider's availability (usage against quota, shifts,
predictions), the active ``optimize`` overrides and the detected local models. Reading them is
an aggregate of the spawn log plus a few small queries — too much for every pick, and it
changes only when something is written or time moves a quota window or a burn rate. So
:class:`RoutingStateMemo` keeps the last :class:`RoutingState` and re-reads it when:

- anything was written to the store since (SQLite): through this process's connection — seen
  at once (its change counter, ``store.db.own_changes``, read for free) — or by another process
  (``store.db.write_marker``, a pragma, looked at no more often than every
  :data:`OTHERS_RECHECK_S`, so a cached pick's check stays a few attribute reads);
- this process changed provider state through :class:`~.service.ProvidersService` (its
  ``writes`` counter: the only write signal on PostgreSQL, which has no cheap marker);
- the registry changed (other settings, newly detected local servers);
- :data:`ROUTING_STATE_TTL_S` passed (time alone moves windows and burn rates; on PostgreSQL
  this also bounds how late another replica's write is seen).

:attr:`RoutingState.fingerprint` names everything in the state that can change a decision, so
a cache of answers keyed by it (the HTTP response cache) never outlives a quota change that
would alter a pick.

While the shared database is down (``StoreUnavailable``) a pick must not fail on these reads
(reads are served from the last catalog, issue 15): :meth:`RoutingStateMemo.get` answers the
last state it read, or — never having read one — no availability limits and no overrides, and
the state says so in :attr:`RoutingState.degraded`; it is not memoised, so the next pick reads
again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from smart_spawn_plugin.errors import StoreUnavailable
from smart_spawn_plugin.models import ModelRecord
from smart_spawn_plugin.providers.registry import LOCAL, ProviderRegistry
from smart_spawn_plugin.providers.service import Availability, ProvidersService
from smart_spawn_plugin.store.db import own_changes, write_marker
from smart_spawn_plugin.store.providers import Override

#: Longest a routing state is reused without a re-read (seconds).
ROUTING_STATE_TTL_S: Final = 1.0
#: How often another process's writes are looked for (seconds).
OTHERS_RECHECK_S: Final = 0.05
Fingerprint = tuple[object, ...]


@dataclass(frozen=True)
class RoutingState:
    """Availability per provider, active overrides and local candidates at one moment."""

    availability: dict[str, Availability]
    overrides: tuple[Override, ...]
    local: tuple[ModelRecord, ...]
    prefer: str | None
    #: why the state is not a fresh read (the database is down), else None
    degraded: str | None = None
    fingerprint: Fingerprint = field(init=False)

    def __post_init__(self) -> None:
        mark = (
            tuple(sorted((n, a.state, a.reason) for n, a in self.availability.items())),
            tuple((o.id, o.category, o.from_model, o.to_model) for o in self.overrides),
            tuple(m.id for m in self.local),
            self.prefer,
            self.degraded,
        )
        object.__setattr__(self, "fingerprint", mark)

    @property
    def skipped(self) -> set[str]:
        return {n for n, a in self.availability.items() if a.state == "skipped"}

    @property
    def avoided(self) -> set[str]:
        return {n for n, a in self.availability.items() if a.state == "deprioritised"}


class RoutingStateMemo:
    """The last :class:`RoutingState` of ``providers``, re-read as the module doc says."""

    def __init__(
        self,
        providers: ProvidersService,
        *,
        ttl: float = ROUTING_STATE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.providers = providers
        self.ttl = ttl
        self.clock = clock
        self._last: tuple[tuple[object, ...], ProviderRegistry, float, RoutingState] | None = None
        self._others: tuple[float, object] | None = None

    def _version(self, now: float) -> tuple[object, ...]:
        db = self.providers.services.db
        others = self._others
        if others is None or now - others[0] >= OTHERS_RECHECK_S:
            others = self._others = (now, write_marker(db))
        return (others[1], own_changes(db), self.providers.writes)

    def fresh(self) -> RoutingState | None:
        """The memoised state while it holds, else None: the synchronous check (marker reads
        only) a cached answer makes before anything asynchronous."""
        last = self._last
        providers = self.providers
        if last is None or (
            not providers.detected
            and (providers.section.auto_detect or providers.section.prefer == LOCAL)
        ):
            return None  # never read, or local servers still to detect
        now = self.clock()
        if (
            now - last[2] < self.ttl
            and last[1] is providers.registry
            and last[0] == self._version(now)
        ):
            return last[3]
        return None

    async def get(self) -> RoutingState:
        """The current routing state (re-read when it may have changed)."""
        state = self.fresh()
        if state is not None:
            return state
        await self.providers.ensure_local()
        now = self.clock()
        version, registry = self._version(now), self.providers.registry
        try:
            availability = await self.providers.availability()
            overrides = tuple(self.providers.state.overrides())
        except StoreUnavailable as exc:
            why = f"provider quotas not checked: {exc.message}"
            last = self._last[3] if self._last is not None else None
            return RoutingState(
                availability=last.availability if last else {},
                overrides=last.overrides if last else (),
                local=tuple(self.providers.local_candidates()),
                prefer=self.providers.section.prefer,
                degraded=why,
            )
        state = RoutingState(
            availability=availability,
            overrides=overrides,
            local=tuple(self.providers.local_candidates()),
            prefer=self.providers.section.prefer,
        )
        # the version read before the reads: a write meanwhile makes the next call re-read
        self._last = (version, registry, now, state)
        return state

    def invalidate(self) -> None:
        """Forget the memoised state (the next :meth:`get` re-reads)."""
        self._last = None
