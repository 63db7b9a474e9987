"""Chart geometry: the frontier's points, axes and Pareto line; bars; the plan graph."""

from __future__ import annotations

import math

from smart_spawn_plugin.server.dashboard.charts import (
    PricePoint,
    bar_chart,
    dag_chart,
    frontier_chart,
    pareto,
)

BANDS = [("low", 0.0, 1.0), ("medium", 0.0, 5.0), ("high", 0.0, 30.0), ("any", 0.0, math.inf)]


def _p(pid: str, price: float, score: float, pickable: bool = True) -> PricePoint:
    return PricePoint(pid, pid.upper(), "prov", price, score, "standard", pickable=pickable)


def test_pareto_keeps_models_nothing_cheaper_beats() -> None:
    points = [
        _p("free", 0.0, 50),
        _p("a", 0.5, 60),
        _p("b", 0.7, 55),  # dominated by a
        _p("c", 2.0, 80),
        _p("d", 2.0, 70),  # same price, lower score
        _p("e", 9.0, 80),  # same score, dearer
        _p("batch", 1.0, 99, pickable=False),  # never picked: not on the frontier
    ]
    assert [p.id for p in pareto(points)] == ["free", "a", "c"]


def test_frontier_chart_places_every_point_and_highlights_the_pick() -> None:
    points = [_p("free", 0.0, 40), _p("a", 0.1, 60), _p("b", 3.0, 75), _p("c", 20.0, 90)]
    chart = frontier_chart(points, BANDS, "medium", "b")
    assert sorted(d.point.id for d in chart.dots) == ["a", "b", "c", "free"]
    xs = {d.point.id: d.x for d in chart.dots}
    ys = {d.point.id: d.y for d in chart.dots}
    assert xs["free"] < xs["a"] < xs["b"] < xs["c"]  # free sits in its gutter, left of the axis
    assert ys["c"] < ys["b"] < ys["a"] < ys["free"]  # higher score, higher up
    left, top, right, bottom = chart.plot
    assert all(top <= d.y <= bottom for d in chart.dots)
    assert xs["a"] >= left and xs["c"] <= right
    # log scale: $0.1 → $1 spans as much as $1 → $10
    ticks = {t.label: t.pos for t in chart.x_ticks}
    assert math.isclose(ticks["$1"] - ticks["$0.1"], ticks["$10"] - ticks["$1"], abs_tol=0.1)
    assert chart.picked is not None and chart.picked.point.id == "b"
    assert {d.point.id for d in chart.dots if d.in_budget} == {"free", "a", "b"}
    assert chart.path.startswith("M") and chart.path.count("H") == 3
    assert [b.label for b in chart.bands] == ["low", "medium", "high", "any"]
    assert [b.active for b in chart.bands] == [False, True, False, False]
    assert chart.bands[-1].x1 == right and chart.free_x is not None


def test_frontier_chart_drops_negative_prices_and_survives_one_point() -> None:
    chart = frontier_chart([_p("router", -1.0, 50), _p("only", 2.0, 70)], BANDS, None, None)
    assert [d.point.id for d in chart.dots] == ["only"]
    assert chart.free_x is None and chart.picked is None
    assert all(d.in_budget for d in chart.dots)
    empty = frontier_chart([], BANDS, "low", None)
    assert empty.dots == [] and empty.path == ""


def test_bar_chart_scales_to_the_tallest_bar() -> None:
    bars = bar_chart([("a", 1.0), ("b", 0.5), ("c", 0.0)])
    heights = [b.h for b in bars.bars]
    assert heights[0] == 2 * heights[1] and heights[2] == 0
    assert all(b.y + b.h == bars.baseline for b in bars.bars)
    assert bars.bars[0].text == "$1.0000"
    assert bar_chart([]).bars == []


def test_dag_chart_lays_waves_out_in_columns() -> None:
    nodes = [
        ("s1", 1, "s1", "m", "research"),
        ("s2", 2, "s2", "m", "write"),
        ("s3", 2, "s3", "m", "build"),
        ("s4", 3, "s4", "m", "ship"),
    ]
    edges = [("s1", "s2", "reference"), ("s1", "s3", "reference"), ("s3", "s4", "temporal")]
    dag = dag_chart(nodes, [*edges, ("s1", "ghost", "reference")])
    at = {n.id: n for n in dag.nodes}
    assert at["s1"].x < at["s2"].x == at["s3"].x < at["s4"].x
    assert at["s2"].y != at["s3"].y
    assert [(e.source, e.target) for e in dag.edges] == [(a, b) for a, b, _ in edges]
    assert all(n.x + n.w <= dag.width and n.y + n.h <= dag.height for n in dag.nodes)
