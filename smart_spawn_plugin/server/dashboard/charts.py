"""Chart geometry for the dashboard's server-side SVG: pure functions from numbers to shapes.

Templates draw what these return (``templates/_charts.html``); nothing here knows HTML, so the
geometry is testable on its own. Coordinates are in the SVG's ``viewBox`` units; charts scale
to the page width with CSS.

* :func:`frontier_chart` — cost–quality scatter: blended price on a log axis (free models in a
  gutter at the left edge, since log 0 is undefined), score on a linear axis, budget bands
  shaded, the Pareto frontier as a step line and the current pick highlighted;
* :func:`bar_chart` — labelled vertical bars (spend per day, per provider);
* :func:`dag_chart` — a swarm/plan graph laid out in columns by wave, edges as curves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

#: Frontier canvas (viewBox units) and plot margins.
FRONTIER_W: Final = 760
FRONTIER_H: Final = 420
_LEFT: Final = 56
_RIGHT: Final = 16
_TOP: Final = 16
_BOTTOM: Final = 44
#: Width of the "free" gutter left of the log axis.
_FREE_GUTTER: Final = 72


@dataclass(frozen=True)
class PricePoint:
    """One model on the frontier: blended USD per 1M tokens and its category score."""

    id: str
    name: str
    provider: str
    price: float
    score: float
    tier: str
    baseline: bool = False
    #: False for endpoints selection never picks (asynchronous ``:batch`` variants)
    pickable: bool = True

    def describe(self) -> str:
        """One line for the point's tooltip (built here: 400 points per page, so not in the
        template's filters)."""
        notes = [self.provider, self.tier]
        if self.baseline:
            notes.append("baseline")
        if not self.pickable:
            notes.append("batch only: never picked")
        return (
            f"{self.name} ({self.id}): score {self.score:.1f}, ${self.price:.3f}/M blended "
            f"— {', '.join(notes)}"
        )


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    point: PricePoint
    on_frontier: bool
    picked: bool
    in_budget: bool


@dataclass(frozen=True)
class Band:
    x0: float
    x1: float
    label: str
    active: bool


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Frontier:
    width: int
    height: int
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    dots: list[Dot]
    bands: list[Band]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    path: str
    free_x: float | None

    @property
    def picked(self) -> Dot | None:
        return next((d for d in self.dots if d.picked), None)


def pareto(points: Sequence[PricePoint]) -> list[PricePoint]:
    """The cost–quality frontier of the pickable points: those no other pickable point beats on
    both price (lower or equal) and score (strictly higher), cheapest first."""
    best = -math.inf
    out: list[PricePoint] = []
    for p in sorted((p for p in points if p.pickable), key=lambda p: (p.price, -p.score, p.id)):
        if p.score > best:
            out.append(p)
            best = p.score
    return out


def _fmt_price(value: float) -> str:
    return f"${value:g}"


def frontier_chart(
    points: Sequence[PricePoint],
    bands: Sequence[tuple[str, float, float]],
    active_band: str | None,
    picked_id: str | None,
) -> Frontier:
    """Lay out ``points`` (negative prices dropped) over ``bands`` (name, min, max price; max
    may be ``inf``), highlighting ``active_band`` and the point ``picked_id``."""
    pts = [p for p in points if p.price >= 0 and math.isfinite(p.price)]
    priced = [p.price for p in pts if p.price > 0]
    lo_exp = math.floor(math.log10(min(priced))) if priced else -1
    hi_exp = math.ceil(math.log10(max(priced))) if priced else 2
    if hi_exp <= lo_exp:
        hi_exp = lo_exp + 1
    has_free = any(p.price == 0 for p in pts)
    left = _LEFT + (_FREE_GUTTER if has_free else 0)
    right = FRONTIER_W - _RIGHT
    top, bottom = _TOP, FRONTIER_H - _BOTTOM
    scores = [p.score for p in pts] or [0.0, 100.0]
    y_lo = max(0.0, math.floor(min(scores) / 10) * 10)
    y_hi = min(100.0, math.ceil(max(scores) / 10) * 10)
    if y_hi <= y_lo:
        y_hi = y_lo + 10

    def x_of(price: float) -> float:
        if price <= 0:
            return _LEFT + _FREE_GUTTER / 2
        frac = (math.log10(price) - lo_exp) / (hi_exp - lo_exp)
        return round(left + min(1.0, max(0.0, frac)) * (right - left), 2)

    def y_of(score: float) -> float:
        return round(bottom - (score - y_lo) / (y_hi - y_lo) * (bottom - top), 2)

    front = pareto(pts)
    front_ids = {p.id for p in front}
    active = next((b for b in bands if b[0] == active_band), None)
    dots = [
        Dot(
            x_of(p.price),
            y_of(p.score),
            p,
            p.id in front_ids,
            p.id == picked_id,
            active is None or active[1] <= p.price <= active[2],
        )
        for p in sorted(pts, key=lambda p: (p.id == picked_id, p.id in front_ids, p.id))
    ]
    out_bands: list[Band] = []
    edge: float = left
    for name, _, hi in sorted(bands, key=lambda b: b[2]):
        x1 = right if math.isinf(hi) else x_of(hi)
        if x1 > edge:
            out_bands.append(Band(edge, x1, name, name == active_band))
            edge = x1
    # A step line: price rises to the next frontier model, then the score jumps up to it.
    steps = [
        (
            f"M{x_of(p.price):.1f} {y_of(p.score):.1f}"
            if i == 0
            else f"H{x_of(p.price):.1f} V{y_of(p.score):.1f}"
        )
        for i, p in enumerate(front)
    ]
    x_ticks = [Tick(x_of(10.0**e), _fmt_price(10.0**e)) for e in range(lo_exp, hi_exp + 1)]
    y_step = 10 if y_hi - y_lo <= 60 else 20
    y_ticks = [Tick(y_of(v), f"{v:g}") for v in _frange(y_lo, y_hi, y_step)]
    return Frontier(
        FRONTIER_W,
        FRONTIER_H,
        (left, top, right, bottom),
        dots,
        out_bands,
        x_ticks,
        y_ticks,
        " ".join(steps),
        _LEFT + _FREE_GUTTER / 2 if has_free else None,
    )


def _frange(lo: float, hi: float, step: float) -> list[float]:
    out, v = [], lo
    while v <= hi + 1e-9:
        out.append(v)
        v += step
    return out


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Bars:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    max_value: float
    max_text: str


def bar_chart(
    series: Sequence[tuple[str, float]], *, unit: str = "$", width: int = 420, height: int = 180
) -> Bars:
    """Vertical bars for ``series`` of (label, value ≥ 0); the tallest bar fills the height."""
    top, bottom = 18, height - 34
    n = max(1, len(series))
    slot = (width - 8) / n
    peak = max((v for _, v in series), default=0.0)
    scale = (bottom - top) / peak if peak > 0 else 0.0
    bars = []
    for i, (label, value) in enumerate(series):
        h = max(0.0, value) * scale
        text = f"{unit}{value:.4f}" if unit == "$" else f"{value:g}{unit}"
        bars.append(
            Bar(
                round(4 + i * slot + slot * 0.15, 2),
                round(bottom - h, 2),
                round(slot * 0.7, 2),
                round(h, 2),
                label,
                value,
                text,
            )
        )
    max_text = f"{unit}{peak:.4f}" if unit == "$" else f"{peak:g}{unit}"
    return Bars(width, height, bottom, bars, peak, max_text)


@dataclass(frozen=True)
class Node:
    id: str
    x: float
    y: float
    w: float
    h: float
    title: str
    subtitle: str
    detail: str


@dataclass(frozen=True)
class Edge:
    path: str
    kind: str
    source: str
    target: str


@dataclass(frozen=True)
class Dag:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge] = field(default_factory=list)


_NODE_W: Final = 170
_NODE_H: Final = 54
_COL_GAP: Final = 56
_ROW_GAP: Final = 18


def dag_chart(
    nodes: Sequence[tuple[str, int, str, str, str]], edges: Sequence[tuple[str, str, str]]
) -> Dag:
    """Nodes (id, wave ≥ 1, title, subtitle, detail) in one column per wave, top to bottom in
    the given order; edges (from, to, kind) as cubic curves from a node's right side to the
    dependent's left side. Edges naming unknown nodes are skipped."""
    columns: dict[int, list[tuple[str, int, str, str, str]]] = {}
    for n in nodes:
        columns.setdefault(n[1], []).append(n)
    waves = sorted(columns)
    rows = max((len(c) for c in columns.values()), default=1)
    width = max(1, len(waves)) * (_NODE_W + _COL_GAP) - _COL_GAP + 16
    height = rows * (_NODE_H + _ROW_GAP) - _ROW_GAP + 16
    placed: dict[str, Node] = {}
    for col, wave in enumerate(waves):
        members = columns[wave]
        offset = (rows - len(members)) * (_NODE_H + _ROW_GAP) / 2
        for row, (nid, _, title, subtitle, detail) in enumerate(members):
            placed[nid] = Node(
                nid,
                8 + col * (_NODE_W + _COL_GAP),
                round(8 + offset + row * (_NODE_H + _ROW_GAP), 2),
                _NODE_W,
                _NODE_H,
                title,
                subtitle,
                detail,
            )
    out: list[Edge] = []
    for src, dst, kind in edges:
        a, b = placed.get(src), placed.get(dst)
        if a is None or b is None:
            continue
        x1, y1 = a.x + a.w, a.y + a.h / 2
        x2, y2 = b.x - 6, b.y + b.h / 2
        mid = (x1 + x2) / 2
        out.append(
            Edge(
                f"M{x1:.1f} {y1:.1f} C{mid:.1f} {y1:.1f} {mid:.1f} {y2:.1f} {x2:.1f} {y2:.1f}",
                kind,
                src,
                dst,
            )
        )
    return Dag(width, height, list(placed.values()), out)
