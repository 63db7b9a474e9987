"""View models of the operations pages: sources, spend and runs, ratings, config, CSV import.

Figures come from the stores and the feedback layer as the API computes them (``spawn_stats``,
``spawn_cost``, ``personal_scores``); the "effect on picks" compares the engine's pick with and
without the caller's feedback. Secrets are masked before anything reaches a template.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from pydantic import BaseModel, SecretStr

from smart_spawn_plugin.engine.select.requests import PickRequest
from smart_spawn_plugin.errors import NoModel
from smart_spawn_plugin.feedback.scores import PersonalScore, personal_scores
from smart_spawn_plugin.feedback.stats import SpawnStats, spawn_cost, spawn_stats
from smart_spawn_plugin.models import Category, SourceStatus
from smart_spawn_plugin.server.dashboard.backend import Backend
from smart_spawn_plugin.server.dashboard.charts import Bars, bar_chart
from smart_spawn_plugin.store.spawnlog import SpawnRow

RECENT: Final = 50
MASK: Final = "•••••• (set)"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """``"3 min ago"``-style age of ``moment`` ("never" for None)."""
    if moment is None:
        return "never"
    seconds = ((now or datetime.now(UTC)) - moment.astimezone(UTC)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


@dataclass
class SourceRow:
    name: str
    status: SourceStatus
    last_pull: str


@dataclass
class SourcesView:
    model_count: int
    last_refresh: str
    rows: list[SourceRow]
    refreshing: bool
    last_error: str | None
    last_report: str | None
    live: bool


def sources(be: Backend) -> SourcesView:
    """Each source's count, match rate, data date, last pull and status."""
    catalog = be.catalog.current()
    rows = [SourceRow(name, st, ago(st.last_pull)) for name, st in sorted(catalog.sources.items())]
    report = be.refresher.last
    summary = (
        f"{report.model_count} models from {report.origin} in {report.seconds:.1f} s"
        if report is not None
        else None
    )
    return SourcesView(
        len(catalog.models),
        ago(catalog.last_refresh),
        rows,
        be.refresher.running,
        be.refresher.last_error,
        summary,
        be.settings.live_sources,
    )


@dataclass
class SpawnLine:
    row: SpawnRow
    provider: str
    cost: float | None
    rating: int | None


@dataclass
class ProviderPanel:
    """Quota bars and detected local servers, filled from ``smart_spawn_plugin.providers``.

    ``quotas`` rows: name, used fraction 0–1, label, predicted exhaustion text;
    ``local`` rows: name, base URL, model count.
    """

    quotas: list[tuple[str, float, str, str | None]] = field(default_factory=list)
    local: list[tuple[str, str, int]] = field(default_factory=list)


async def providers_panel(be: Backend) -> ProviderPanel:
    """Quota bars (used share, the prediction's message, the predicted exhaustion) for every
    configured provider, and the local servers detected so far — the same figures as
    ``smart-spawn quota predict`` and ``detect-local`` (the runtime's providers service)."""
    panel = ProviderPanel()
    for p in await be.providers.predict():
        used = min(1.0, (p.percent or 0.0) / 100.0)
        if p.limit:
            label = f"{p.used:g} of {p.limit:g} {p.unit} ({p.quota_type})"
        else:
            label = f"{p.used:g} {p.unit} used, {p.quota_source}"
        exhaust = (
            p.predicted_exhaustion.strftime("%a %d %b %H:%M") if p.predicted_exhaustion else None
        )
        panel.quotas.append((p.provider, used, label, exhaust))
    for server in be.providers.servers:
        panel.local.append((server.kind, server.base_url, len(server.models)))
    return panel


@dataclass
class SpendView:
    days: int
    stats: SpawnStats
    recent: list[SpawnLine]
    per_day: Bars
    per_provider: Bars
    providers: ProviderPanel | None


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else "other"


def spawn_lines(be: Backend, user_key: str, days: int) -> list[SpawnLine]:
    """``user_key``'s spawns of the last ``days`` days, oldest first, with cost and the latest
    rating given to each."""
    since = datetime.now(UTC) - timedelta(days=days)
    rated: dict[int, int] = {}
    for r in be.ratings.rows(user_key, since=since):
        if r.spawn_id is not None:
            rated[r.spawn_id] = r.rating
    return [
        SpawnLine(row, provider_of(row.model), spawn_cost(row), rated.get(row.id))
        for row in be.spawns.rows(user_key, since=since)
    ]


def spend(
    be: Backend, user_key: str, days: int, providers: ProviderPanel | None = None
) -> SpendView:
    """Recent spawns (newest first) with cost and rating; spend per day and per provider."""
    stats = spawn_stats(be.spawns, user_key, days)
    lines = spawn_lines(be, user_key, days)
    by_provider: dict[str, float] = defaultdict(float)
    for line in lines:
        by_provider[line.provider] += line.cost or 0.0
    day_series = [(d.date[5:], d.estimated_cost) for d in stats.daily]
    provider_series = sorted(by_provider.items(), key=lambda kv: -kv[1])[:12]
    return SpendView(
        days,
        stats,
        list(reversed(lines))[:RECENT],
        bar_chart(day_series),
        bar_chart(provider_series),
        providers,
    )


@dataclass
class RatedRow:
    score: PersonalScore
    benchmark: float | None
    blended: float | None


@dataclass
class PickEffect:
    category: Category
    without: str | None
    with_feedback: str | None

    @property
    def changed(self) -> bool:
        return self.without != self.with_feedback


@dataclass
class RatingsView:
    rows: list[RatedRow]
    effects: list[PickEffect]
    unrated: list[SpawnLine]
    budget: str


def _pick_id(be: Backend, req: PickRequest, user_key: str | None) -> str | None:
    selector = be.selector_for(user_key, None) if user_key else be.plain_selector()
    try:
        return selector.pick(req).id
    except NoModel:
        return None


def ratings(be: Backend, user_key: str) -> RatingsView:
    """Per model × category feedback scores, the blended score each gives, and how the pick at
    the default budget changes because of them; plus recent spawns still to rate."""
    scores = personal_scores(be.ratings, user_key)
    selector = be.selector_for(user_key, None)
    by_id = selector.by_id
    rows: list[RatedRow] = []
    for (model, category), score in sorted(scores.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        record = by_id.get(model)
        bench = record.scores.get(category) if record else None
        blended = None
        if bench is not None and selector.adjuster is not None:
            blended = round(selector.adjuster.adjust(user_key, model, category, bench)[0], 2)
        rows.append(RatedRow(score, bench, blended))
    budget = be.settings.default_budget
    effects = []
    for category in sorted({c for _, c in scores}):
        req = PickRequest(category=category, budget=budget, user_key=user_key)
        effects.append(PickEffect(category, _pick_id(be, req, None), _pick_id(be, req, user_key)))
    recent = reversed(spawn_lines(be, user_key, 30))
    return RatingsView(rows, effects, [s for s in recent if s.rating is None][:10], budget)


@dataclass
class SettingRow:
    name: str
    value: str
    origin: str
    description: str


#: Field names that hold a secret whatever their type says.
_SECRET_WORDS: Final = ("key", "token", "secret", "password")


def _show(value: object, sensitive: bool) -> str:
    if isinstance(value, SecretStr) or sensitive:
        return MASK if value else "not set"
    if isinstance(value, dict):
        # plugin configs and the like may hold keys: show their size, never their contents
        return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'} (not shown)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, Path):
        return str(value)
    return "—" if value is None else str(value)


def settings_rows(model: BaseModel) -> list[SettingRow]:
    """Every plain field of a settings object with its effective value: secrets masked (by
    type, by the ``sensitive`` flag or by name), mappings summarised, nested sections left to
    their own table."""
    out = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        sensitive = bool(extra.get("sensitive")) or any(w in name for w in _SECRET_WORDS)
        out.append(
            SettingRow(
                name,
                _show(value, sensitive),
                "set" if name in model.model_fields_set else "default",
                info.description or "",
            )
        )
    return out


def settings_sections(settings: BaseModel, server: BaseModel) -> list[tuple[str, list[SettingRow]]]:
    """The config page's tables: the top-level settings, then each section (the server's
    effective settings as given to the app)."""
    sections = [("Settings", settings_rows(settings)), ("Server", settings_rows(server))]
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, BaseModel) and name != "server":
            sections.append(
                (name.upper() if len(name) <= 3 else name.title(), settings_rows(value))
            )
    return sections


@dataclass
class ImportResult:
    """What an OpenMark CSV upload did."""

    file: str
    task: str
    display_name: str
    description: str
    rows: list[tuple[str, float]]
    matched: list[str]
    rebuilt: bool
    source: SourceStatus | None
