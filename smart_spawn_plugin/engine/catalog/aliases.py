"""Matching benchmark rows (names as each publisher spells them) to OpenRouter model ids.

Evidence is tried strongest first; the first kind that gives an answer decides:

1. the curated ``none`` list (``data/aliases.json``): names known to have no catalog model;
2. a Hugging Face repo id equal (case-insensitively) to a catalog ``hugging_face_id``;
3. an exact normalised key (:func:`parse_name`, below) shared with exactly one catalog model;
4. the curated alias table (``data/aliases.json``), exact case-insensitive names;
5. the nearest normalised key, else a direct bridge the publisher states (AA's
   ``openrouter_api_id``, OpenMark's OR key). The nearest normalised key: every name becomes
   a *core* (family, version, size) plus
   *tokens* (dates, ``preview``/``exp``/``instruct``…, effort levels) and a *thinking* flag.
   A catalog model is a candidate when one of its keys (from its id, canonical slug and
   display name) has the same core. Candidates are then filtered: a dated candidate needs the
   row to carry that date; an effort-level candidate (``o3-mini-high``) needs that level; a
   thinking candidate needs a thinking row (a thinking row may still map to the base model).
   The candidates sharing the most tokens with the row win.

Across a row's names (primary name first, then slug/short name…), the first name that gives
an answer decides. An exact key beats the curated table because the table was written
against an older catalog (it sent ``Qwen3-235B-A22B-Instruct-2507`` to ``qwen3-235b-a22b``
before the ``-2507`` id existed); the table still decides wherever rules alone would only guess.

A name whose evidence points at more than one model is reported as ambiguous and left
unmatched: nothing is ever mapped to two models, nor picked between two silently. Only base
ids (no ``:variant``) are targets; router pseudo-models (``openrouter/*``, ``~…-latest``)
never are.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from importlib import resources
from typing import Final, NamedTuple

from pydantic import BaseModel, Field

from smart_spawn_plugin.engine.catalog.sources.base import BenchmarkRow, CatalogEntry, SourceData

HF_SOURCE: Final = "hf-leaderboard"

_EFFORTS: Final = frozenset({"minimal", "low", "medium", "high", "xhigh"})
#: suffix words that name a packaging of a model rather than a different model
_VARIANTS: Final = {
    "preview": "preview", "exp": "exp", "experimental": "exp", "latest": "latest",
    "instruct": "instruct", "chat": "chat", "it": "it", "base": "base", "beta": "beta",
    "fp8": "fp8", "bf16": "bf16", "fp16": "fp16",
}  # fmt: skip
_THINK_WORDS: Final = frozenset({"thinking", "think", "reasoning", "reasoner", "highthinking"})
_DROP_WORDS: Final = frozenset({"effort", "auto", "nothinking", "nonreasoning", "adaptive"})
#: leading organisation words that some publishers put before the model family
_ORG_WORDS: Final = frozenset(
    {"meta", "nvidia", "amazon", "google", "openai", "anthropic", "microsoft", "alibaba", "xai"}
)
_MONTHS: Final = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_MONTH_YEAR = re.compile(rf"\(({_MONTHS})[a-z]*\s*'?\s*(\d{{2}})\)")
_YYMM_OR_MMDD = re.compile(r"^(?:2\d|0[1-9]|1[0-2])\d{2}$")
_CLAUDE_FAMILIES: Final = frozenset({"opus", "sonnet", "haiku"})
_YEAR = re.compile(r"20\d\d")
_TWO_DIGITS = re.compile(r"\d\d")
_MONTH = re.compile(r"(0[1-9]|1[0-2])")
_LONG_DATE = re.compile(r"20\d{6}|20\d{4}")


class NameKey(NamedTuple):
    """A normalised name: ``core`` identifies the model, ``tokens`` qualify it."""

    core: str
    tokens: frozenset[str]
    thinking: bool


def _dates(parts: list[str]) -> tuple[list[str], set[str]]:
    """Pull date parts out: YYYY-MM-DD, YYYYMMDD, YYYYMM, MM-YYYY, MM-DD, YYMM/MMDD."""
    out: list[str] = []
    dates: set[str] = set()
    i = 0
    while i < len(parts):
        p, rest = parts[i], parts[i + 1 : i + 3]
        if _YEAR.fullmatch(p) and len(rest) == 2 and all(_TWO_DIGITS.fullmatch(r) for r in rest):
            dates.add("d:" + p + "".join(rest))
            i += 3
        elif _TWO_DIGITS.fullmatch(p) and rest and _YEAR.fullmatch(rest[0]):
            dates.add(f"d:{rest[0]}{p}")
            i += 2
        elif _MONTH.fullmatch(p) and rest and _TWO_DIGITS.fullmatch(rest[0]):
            dates.add(f"d:{p}{rest[0]}")
            i += 2
        elif _LONG_DATE.fullmatch(p) or _YYMM_OR_MMDD.fullmatch(p) or p.startswith("d:"):
            dates.add(p if p.startswith("d:") else "d:" + p)
            i += 1
        else:
            out.append(p)
            i += 1
    return out, dates


def _join_versions(parts: list[str]) -> list[str]:
    """``4-5`` → ``4.5``, ``k2-5`` → ``k2.5``, ``4-5v`` → ``4.5v`` (digit-dash-digit versions)."""
    out: list[str] = []
    for p in parts:
        if out and re.fullmatch(r"[a-z]?\d{1,2}", out[-1]) and re.fullmatch(r"\dv?", p):
            out[-1] = f"{out[-1]}.{p}"
        else:
            out.append(p)
    return out


@functools.lru_cache(maxsize=8192)
def parse_name(name: str) -> NameKey:
    """Normalise one model name (see module docstring). Pure and total, so memoised: a catalog
    build parses the same name (one per source) a third of the time."""
    s = name.strip().lower()
    if ": " in s:  # OpenRouter display names: "Anthropic: Claude Opus 4.5"
        s = s.split(": ", 1)[1]
    s = s.lstrip("~").rsplit("/", 1)[-1]
    s = _MONTH_YEAR.sub(lambda m: f" d:{m.group(1)}{m.group(2)} ", s)
    s = re.sub(r"no[-_ ]thinking|non[-_ ]reasoning", "nothinking", s)
    s = re.sub(r"\bchatgpt\b", "gpt", s)
    s = re.sub(r"[()\[\]'\",]", " ", s)
    s = re.sub(r"(\d)\.0\b(?!\.)", r"\1", s)  # v1.0 → v1
    parts = [p for p in re.split(r"[\s_\-]+", s) if p]
    parts, dates = _dates(parts)
    tokens: set[str] = set(dates)
    thinking = False
    core: list[str] = []
    previous = ""
    for p in parts:
        if p in _THINK_WORDS:
            thinking = True
            if p == "highthinking":
                tokens.add("e:high")
        elif p in _EFFORTS:
            tokens.add(f"e:{p}")
        elif p in _VARIANTS:
            tokens.add("v:" + _VARIANTS[p])
        elif p in _DROP_WORDS or (previous in _THINK_WORDS and re.fullmatch(r"\d+k", p)):
            pass  # thinking budgets and effort fillers do not identify a model
        elif re.fullmatch(r"00\d", p):
            tokens.add("v:" + p)  # Google's -001/-002 revisions
        else:
            core.append(p)
        previous = p
    while len(core) > 1 and core[0] in _ORG_WORDS:
        core.pop(0)
    core = _join_versions(core)
    if len(core) >= 3 and core[0] == "claude" and core[2] in _CLAUDE_FAMILIES:
        core[1], core[2] = core[2], core[1]  # "claude-3.5-sonnet" → "claude-sonnet-3.5"
    joined = re.sub(r"(?<=[a-z])-(?=\d)", "", "-".join(core))  # "qwen-2.5" ≡ "qwen2.5"
    return NameKey(joined, frozenset(tokens), thinking)


def base_id(model_id: str) -> str:
    """``openai/gpt-4o:batch`` → ``openai/gpt-4o``."""
    return model_id.split(":", 1)[0]


class AliasTable:
    """The curated names table: lower-cased name → OpenRouter id (one id per name)."""

    def __init__(self, aliases: dict[str, list[str]], none: list[str] | None = None) -> None:
        #: lower-cased names known to have no catalog model (rules would pick a relative)
        self.none = frozenset(n.strip().lower() for n in none or [])
        owners: dict[str, set[str]] = defaultdict(set)
        for model_id, names in aliases.items():
            for n in names:
                owners[n.strip().lower()].add(model_id)
        #: names listed under more than one id: never used for matching
        self.duplicates: dict[str, list[str]] = {
            n: sorted(ids) for n, ids in owners.items() if len(ids) > 1
        }
        self._by_name = {n: next(iter(ids)) for n, ids in owners.items() if len(ids) == 1}
        self.aliases = aliases

    @classmethod
    @functools.cache
    def load(cls) -> AliasTable:
        """The bundled ``data/aliases.json`` (read once per process; treat as read-only)."""
        raw = (
            resources.files("smart_spawn_plugin")
            .joinpath("data", "aliases.json")
            .read_text(encoding="utf-8")
        )
        data = json.loads(raw)
        return cls(
            {str(k): [str(n) for n in v] for k, v in data["aliases"].items()},
            [str(n) for n in data.get("none", [])],
        )

    @property
    def model_count(self) -> int:
        """Number of OpenRouter ids with curated names."""
        return len(self.aliases)

    @property
    def name_count(self) -> int:
        """Number of distinct curated names (lower-cased)."""
        return len(self._by_name) + len(self.duplicates)

    def lookup(self, name: str) -> str | None:
        """The id curated for ``name`` (case-insensitive), if exactly one."""
        return self._by_name.get(name.strip().lower())


class MatchReport(BaseModel):
    """How one source's rows matched the catalog.

    ``total`` is the denominator of ``rate``: every row, except for the HF leaderboard, where
    it is the rows whose repo organisation publishes at least one catalog model (the rest are
    community fine-tunes that cannot be in the catalog).
    """

    source: str
    matches: dict[str, list[BenchmarkRow]] = Field(default_factory=dict)
    matched: int = 0
    total: int = 0
    rate: float = 0.0
    unmatched: list[str] = Field(default_factory=list)
    #: row name → the catalog ids its evidence pointed to
    ambiguous: dict[str, list[str]] = Field(default_factory=dict)


class _Outcome(NamedTuple):
    model_id: str | None
    ambiguous: list[str]


def _hf_org(hf_id: str | None) -> str | None:
    return hf_id.split("/", 1)[0].lower() if hf_id and "/" in hf_id else None


class AliasMatcher:
    """Matches rows to the base ids of ``catalog`` (see module docstring)."""

    def __init__(self, catalog: list[CatalogEntry], table: AliasTable) -> None:
        self.table = table
        entries: dict[str, CatalogEntry] = {}
        for entry in catalog:
            bid = base_id(entry.id)
            if bid.startswith(("~", "openrouter/")):
                continue
            if bid not in entries or entry.id == bid:
                entries[bid] = entry
        self.ids = frozenset(entries)
        self._by_hf = {
            e.hugging_face_id.lower(): bid for bid, e in entries.items() if e.hugging_face_id
        }
        self._hf_orgs = {o for e in entries.values() if (o := _hf_org(e.hugging_face_id))}
        #: core → (base id, key, whether the key is the id's own); id keys win score ties
        #: because slugs and display names may repeat another id ("gpt-4o-mini" has the slug
        #: "gpt-4o-mini-2024-07-18", which is also an id of its own)
        self._by_core: dict[str, list[tuple[str, NameKey, bool]]] = defaultdict(list)
        for bid, e in entries.items():
            own = parse_name(bid)
            self._by_core[own.core].append((bid, own, True))
            others = [e.name] + ([e.canonical_slug] if e.canonical_slug else [])
            for key in {parse_name(n) for n in others} - {own}:
                self._by_core[key.core].append((bid, key, False))

    def _catalog_id(self, model_id: str | None) -> str | None:
        if model_id is None:
            return None
        bid = base_id(model_id.strip().lower())
        return bid if bid in self.ids else None

    def _by_key(self, name: str, row_thinking: bool, *, exact: bool) -> _Outcome:
        row = parse_name(name)
        thinking = row.thinking or row_thinking
        best: dict[str, tuple[int, bool]] = {}
        think_ok: dict[str, bool] = {}
        for bid, key, own in self._by_core.get(row.core, []):
            if exact and (key.tokens != row.tokens or key.thinking != thinking):
                continue
            dates = {t for t in key.tokens if t.startswith("d:")}
            efforts = {t for t in key.tokens if t.startswith("e:")}
            if not dates <= row.tokens or not efforts <= row.tokens:
                continue
            if key.thinking and not thinking:
                continue
            score = (len(key.tokens & row.tokens) - len(key.tokens - row.tokens), own)
            if bid not in best or score > best[bid]:
                best[bid] = score
            think_ok[bid] = think_ok.get(bid, False) or key.thinking == thinking
        if thinking and any(think_ok.values()):  # a thinking row prefers a thinking model
            best = {bid: s for bid, s in best.items() if think_ok[bid]}
        if not best:
            return _Outcome(None, [])
        top = max(best.values())
        winners = sorted(bid for bid, s in best.items() if s == top)
        return _Outcome(winners[0], []) if len(winners) == 1 else _Outcome(None, winners)

    @staticmethod
    def _first(outcomes: list[_Outcome]) -> _Outcome:
        """The first name (most authoritative spelling first) that gives an answer decides."""
        for outcome in outcomes:
            if outcome.model_id or outcome.ambiguous:
                return outcome
        return _Outcome(None, [])

    def resolve(self, row: BenchmarkRow) -> _Outcome:
        """The match for one row, or why there is none (ambiguous candidates)."""
        # HF: a repo id names a model exactly; its bare tail ("gemma-2-27b") may be a base model
        names = [row.name] if row.hf_id else [row.name, *row.names]
        if any(n.strip().lower() in self.table.none for n in names):
            return _Outcome(None, [])
        if row.hf_id:
            if hit := self._by_hf.get(row.hf_id.lower()):
                return _Outcome(hit, [])
            if not self.plausible(row):
                return _Outcome(None, [])
        exact = self._first([self._by_key(n, row.reasoning_variant, exact=True) for n in names])
        if exact.model_id or exact.ambiguous:
            return exact
        curated = self._first([_Outcome(self._catalog_id(self.table.lookup(n)), []) for n in names])
        if curated.model_id or curated.ambiguous or row.hf_id:
            return curated  # HF: fine-tunes abound, so nothing short of exact counts
        nearest = self._first([self._by_key(n, row.reasoning_variant, exact=False) for n in names])
        # The publisher's own bridge fills gaps, but AA's points at the nearest endpoint
        # (GPT-5.2 Codex → openai/gpt-5.2), so a name-based match elsewhere overrides it.
        bridge = self._catalog_id(row.openrouter_id)
        if bridge and not nearest.model_id:
            return _Outcome(bridge, [])
        return nearest

    def match(self, row: BenchmarkRow) -> str | None:
        """The OpenRouter base id ``row`` is about, or ``None`` (unknown or ambiguous)."""
        return self.resolve(row).model_id

    def plausible(self, row: BenchmarkRow) -> bool:
        """Whether ``row`` could be in the catalog (HF rows: its org publishes a catalog model)."""
        return row.hf_id is None or _hf_org(row.hf_id) in self._hf_orgs

    def match_source(self, data: SourceData) -> MatchReport:
        """Match every row of ``data``; rows of one model are grouped under its id."""
        report = MatchReport(source=data.source)
        for row in data.rows:
            if data.source == HF_SOURCE and not self.plausible(row):
                continue
            report.total += 1
            outcome = self.resolve(row)
            if outcome.model_id:
                report.matches.setdefault(outcome.model_id, []).append(row)
                report.matched += 1
            else:
                report.unmatched.append(row.name)
                if outcome.ambiguous:
                    report.ambiguous[row.name] = outcome.ambiguous
        report.rate = round(report.matched / report.total, 4) if report.total else 0.0
        return report
