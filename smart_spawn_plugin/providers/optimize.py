"""``analyze`` and ``optimize``: recurring work that a cheaper model could do as well.

``analyze`` reads the spawn log: spawns that ran, grouped by category × role; a group seen at
least :data:`MIN_SPAWNS` times is recurring. For its most used model it looks for the cheapest
model (catalog or detected local) whose category score is at least as high and whose own
ratings, if any, are no lower, and prices the saving: the group's logged tokens at the
candidate's prices against what those spawns cost (recorded cost, else tokens × logged prices).

``optimize`` proposes those changes; ``apply`` writes them as routing overrides — at once in
``auto`` mode, otherwise only with ``confirm`` (the plugin tool asks the user first) — and
``undo`` deactivates every override. Overrides are reversible rows, never edits of the catalog.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Final

from smart_spawn_plugin.errors import InvalidParam
from smart_spawn_plugin.models import Category, ModelRecord, Wire, bare_model_id
from smart_spawn_plugin.providers.service import ProvidersService
from smart_spawn_plugin.store.ratings import RatingsStore
from smart_spawn_plugin.store.spawnlog import SpawnRow

MIN_SPAWNS: Final = 2


class Proposal(Wire):
    category: str
    role: str
    spawns: int
    from_model: str
    to_model: str
    local: bool
    score_from: float
    score_to: float
    cost_now_usd: float
    cost_after_usd: float
    saving_usd: float


class OptimizeResult(Wire):
    mode: str
    applied: bool
    undone: int = 0
    proposals: list[Proposal]
    overrides: list[dict[str, object]]
    message: str


def _cost(row: SpawnRow) -> float:
    if row.cost_usd is not None:
        return row.cost_usd
    return (
        (row.prompt_tokens or 0) * row.prompt_price
        + (row.completion_tokens or 0) * row.completion_price
    ) / 1_000_000


def _cost_at(rows: Iterable[SpawnRow], record: ModelRecord) -> float:
    return sum(
        (
            (r.prompt_tokens or 0) * record.pricing.prompt
            + (r.completion_tokens or 0) * record.pricing.completion
        )
        / 1_000_000
        for r in rows
    )


def _mean_ratings(service: ProvidersService, category: Category) -> dict[str, float]:
    rows = RatingsStore(service.services.db).rows(category=category)
    sums: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        sums[str(row.model)].append(float(row.rating))
    return {m: sum(v) / len(v) for m, v in sums.items()}


def analyze(service: ProvidersService) -> list[Proposal]:
    """The recurring work a cheaper, equally good model could do (module docstring)."""
    catalog = dict(service.services.catalog.selector().by_id)
    for record in service.local_candidates():
        catalog[record.id] = record
    groups: dict[tuple[Category, str], list[SpawnRow]] = defaultdict(list)
    for row in service.log.rows():
        if row.status == "ok":
            groups[(row.category, row.role)].append(row)
    proposals: list[Proposal] = []
    for (category, role), rows in sorted(groups.items()):
        if len(rows) < MIN_SPAWNS:
            continue
        model = Counter(bare_model_id(r.model) for r in rows).most_common(1)[0][0]
        current = catalog.get(model)
        if current is None:
            continue
        mine = [r for r in rows if bare_model_id(r.model) == model]
        floor = current.scores.get(category, 0.0)
        ratings = _mean_ratings(service, category)
        now = sum(_cost(r) for r in mine)
        best: tuple[float, ModelRecord] | None = None
        for record in catalog.values():
            if record.id == model or record.scores.get(category, 0.0) < floor:
                continue
            if ratings.get(record.id, 5.0) < ratings.get(model, 0.0):
                continue
            after = _cost_at(mine, record)
            if after < now and (best is None or after < best[0]):
                best = (after, record)
        if best is None:
            continue
        after, target = best
        proposals.append(
            Proposal(
                category=category,
                role=role,
                spawns=len(mine),
                from_model=model,
                to_model=target.id,
                local=target.provider == "local",
                score_from=floor,
                score_to=target.scores.get(category, 0.0),
                cost_now_usd=round(now, 6),
                cost_after_usd=round(after, 6),
                saving_usd=round(now - after, 6),
            )
        )
    return proposals


def optimize(
    service: ProvidersService, *, apply: bool = False, undo: bool = False, confirm: bool = False
) -> OptimizeResult:
    """Propose, apply (``auto`` mode or ``confirm``) or undo the overrides."""
    if apply and undo:
        raise InvalidParam("apply and undo exclude each other", field="apply")
    mode = service.mode()
    if undo:
        count = service.state.undo_overrides()
        service.note_write()
        return OptimizeResult(
            mode=mode,
            applied=False,
            undone=count,
            proposals=[],
            overrides=[],
            message=f"removed {count} override(s)",
        )
    proposals = analyze(service)
    applied = False
    if apply:
        if mode != "auto" and not confirm:
            raise InvalidParam(
                f"mode is {mode}: applying overrides needs confirmation (--yes, or confirm=true "
                "after asking the user), or mode auto",
                field="confirm",
            )
        for p in proposals:
            per_spawn = p.saving_usd / p.spawns if p.spawns else 0.0
            service.state.add_override(p.category, p.role, p.from_model, p.to_model, per_spawn)
            service.note_write()
        applied = True
    saving = sum(p.saving_usd for p in proposals)
    verb = "applied" if applied else "proposed"
    return OptimizeResult(
        mode=mode,
        applied=applied,
        proposals=proposals,
        overrides=[o.model_dump(mode="json", by_alias=True) for o in service.state.overrides()],
        message=f"{len(proposals)} change(s) {verb}; saving ${saving:.4f} on the logged work",
    )
