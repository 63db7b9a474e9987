"""Quota- and provider-aware routing: a ``Recommender`` wrapping the one in use.

It changes decisions only where providers demand it, and says why in the decision's reason:

- a provider that is **skipped** (shifted off, or ``skipAt`` of its quota used) serves nothing:
  its listed models are excluded ("skipped anthropic: 97 % of weekly tokens used"); when the
  default provider (OpenRouter, which serves the whole catalog) is skipped, only local models
  remain, else ``NoModel`` with the reasons;
- a provider **deprioritised** (predicted to run out before its reset) is avoided when another
  provider can serve, and used otherwise;
- ``providers.prefer`` (CLI ``--provider``) routes everything to one provider: a local one
  picks the best detected local model, another the best of the catalog models it lists;
- without a preference, **simple work goes local**: with local models available, a ``low``
  budget or a ``simple`` complexity signal picks the best local model ($0);
- active ``optimize`` overrides (category → cheaper model) apply last.

Every local decision carries ``[local]`` in its reason and ``provider: "local"``.
"""

from __future__ import annotations

from smart_spawn_plugin.client.base import OutcomeReport, Recommender, Routed, SpawnLogEntry
from smart_spawn_plugin.engine.select.requests import (
    Decision,
    PickRequest,
    Recommendation,
    RecommendResult,
)
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.models import ModelRecord, Pricing
from smart_spawn_plugin.providers.registry import LOCAL
from smart_spawn_plugin.providers.routing_state import RoutingState, RoutingStateMemo
from smart_spawn_plugin.providers.service import ProvidersService

LOCAL_MARK = "[local]"


def _complexity(decision: Decision) -> str | None:
    signals = decision.classification.signals if decision.classification else {}
    value = signals.get("complexity")
    return value if isinstance(value, str) else None


class ProviderAwareRecommender:
    """A :class:`Recommender` that applies provider availability, preference and overrides."""

    def __init__(self, inner: Recommender, providers: ProvidersService) -> None:
        self.inner = inner
        self.providers = providers
        self.name = inner.name
        #: availability, overrides and local models, re-read only when they may have changed
        self.memo = RoutingStateMemo(providers)

    # ---- helpers ----

    async def _state(self) -> RoutingState:
        state = await self.memo.get()
        section = self.providers.section
        if section.prefer == LOCAL and not state.local:
            ports = ",".join(map(str, section.local_ports))
            raise NoModel(
                f"--provider local: no local model server answers on 127.0.0.1 ports {ports} "
                "(start one, or set providers.localPorts; check with smart-spawn detect-local)"
            )
        return state

    async def routing_state(self) -> RoutingState:
        """The providers' state picks follow now; its ``fingerprint`` names everything in it
        that can change a decision (a response cache keys on it)."""
        return await self.memo.get()

    def _models_of(self, names: set[str]) -> list[str]:
        registry = self.providers.registry
        return sorted(
            m for n in names for m in getattr(registry.providers[n], "models", frozenset())
        )

    def _wants_local(self, request: PickRequest, base: Decision | None) -> bool:
        prefer = self.providers.section.prefer
        if prefer is not None:
            return self.providers.registry.get(prefer).kind == "local"
        complexity = _complexity(base) if base else None
        return request.budget == "low" or complexity == "simple"

    @staticmethod
    def _best_local(local: list[ModelRecord], category: str) -> ModelRecord:
        return max(local, key=lambda r: r.scores.get(category, 0.0))  # type: ignore[call-overload]

    def _local_decision(self, base: Decision, local: list[ModelRecord], why: str) -> Decision:
        best = self._best_local(local, base.category)
        score = best.scores.get(base.category, 0.0)
        note = best.provenance.get(base.category)
        return base.model_copy(
            update={
                "id": best.id,
                "name": best.name,
                "provider": "local",
                "score": score,
                "benchmark_score": score,
                "pricing": Pricing(prompt=best.pricing.prompt, completion=best.pricing.completion),
                "reason": f"{LOCAL_MARK} {best.id} on this machine, "
                f"${best.pricing.prompt:g}/1M ({why}); {note.note if note else ''}".rstrip("; "),
                "evidence": list(note.evidence) if note else [],
                "baseline": bool(note and note.baseline),
                "runner_ups": [],
                "fallbacks": [],
                "context_boost": None,
                "personal_score": None,
            }
        )

    def _preferred(self, base: Decision, name: str) -> Decision:
        """The best catalog model ``name`` serves: everything for the default provider (minus
        what others serve), else its ``models`` list."""
        registry = self.providers.registry
        if name == registry.default:
            others = set(self._models_of(set(registry.providers) - {name}))
            if base.id not in others:
                return base
        by_id = self.providers.services.catalog.selector().by_id
        records = [by_id[m] for m in self._models_of({name}) if m in by_id]
        if not records:
            raise NoModel(
                f"provider {name} serves no catalog model: list them in "
                f"providers.entries.{name}.models"
            )
        best = max(records, key=lambda r: r.scores.get(base.category, 0.0))
        score = best.scores.get(base.category, 0.0)
        return base.model_copy(
            update={
                "id": best.id,
                "name": best.name,
                "score": score,
                "benchmark_score": score,
                "pricing": best.pricing,
                "reason": f"{best.id}: the best {base.category} model {name} serves "
                f"(--provider {name}), score {score:g}",
                "runner_ups": [],
                "fallbacks": [],
            }
        )

    def _apply_override(self, decision: Decision, state: RoutingState) -> Decision:
        for override in state.overrides:
            if override.category == decision.category and override.from_model == decision.id:
                return decision.model_copy(
                    update={
                        "id": override.to_model,
                        "name": override.to_model,
                        "reason": f"override (optimize #{override.id}): {override.to_model} "
                        f"instead of {override.from_model} for {override.category}, saving "
                        f"${override.saving_usd:.4f} per spawn; {decision.reason}",
                    }
                )
        return decision

    # ---- the Recommender protocol ----

    async def pick(self, request: PickRequest) -> Routed:
        state = await self._state()
        availability, local = state.availability, list(state.local)
        skipped, avoided = state.skipped, state.avoided
        notes = [availability[n].reason or n for n in sorted(skipped | avoided)]
        if state.degraded:
            notes.append(state.degraded)
        default = self.providers.registry.default
        base = await self.inner.pick(request)  # classification, category, budget
        decision = base.decision
        prefer = self.providers.section.prefer
        if prefer is not None and self.providers.registry.get(prefer).kind != "local":
            decision = self._preferred(decision, prefer)
            return base.model_copy(update={"decision": _noted(decision, notes)})
        if local and self._wants_local(request, decision):
            why = "--provider local" if self.providers.section.prefer else "simple or low-budget"
            decision = self._local_decision(decision, local, why)
            return base.model_copy(update={"decision": _noted(decision, notes)})
        if default in skipped:
            if local:
                decision = self._local_decision(decision, local, f"{default} skipped")
                return base.model_copy(update={"decision": _noted(decision, notes)})
            raise NoModel("no provider available: " + "; ".join(notes))
        if skipped or avoided:
            first = request.model_copy(
                update={"exclude": [*request.exclude, *self._models_of(skipped | avoided)]}
            )
            try:
                routed = await self.inner.pick(first)
            except NoModel:
                second = request.model_copy(
                    update={"exclude": [*request.exclude, *self._models_of(skipped)]}
                )
                routed = await self.inner.pick(second)
            base, decision = routed, routed.decision
        decision = self._apply_override(decision, state)
        return base.model_copy(update={"decision": _noted(decision, notes)})

    async def recommend(self, request: PickRequest, count: int) -> RecommendResult:
        state = await self._state()
        local, skipped = list(state.local), state.skipped
        default = self.providers.registry.default
        filtered = request.model_copy(
            update={"exclude": [*request.exclude, *self._models_of(skipped)]}
        )
        result = await self.inner.recommend(filtered, count)
        data = [] if default in skipped else list(result.data)
        if local and (self._wants_local(request, None) or default in skipped):
            best = self._best_local(local, result.meta.task)
            entry = Recommendation(
                model=best,
                reason=f"{LOCAL_MARK} {best.id} on this machine, $0",
                confidence=0.5,
                score=best.scores.get(result.meta.task, 0.0),
            )
            data = [entry, *data][:count]
        return result.model_copy(update={"data": data})

    async def log_spawn(self, entry: SpawnLogEntry, *, user_key: str = "local") -> None:
        await self.inner.log_spawn(entry, user_key=user_key)
        self.providers.note_write()  # usage grew: the next pick re-reads availability

    async def record_outcome(self, report: OutcomeReport, *, user_key: str = "local") -> None:
        await self.inner.record_outcome(report, user_key=user_key)
        self.providers.note_write()

    async def aclose(self) -> None:
        await self.inner.aclose()


def _noted(decision: Decision, notes: list[str]) -> Decision:
    if not notes:
        return decision
    return decision.model_copy(update={"reason": f"{decision.reason} ({'; '.join(notes)})"})
