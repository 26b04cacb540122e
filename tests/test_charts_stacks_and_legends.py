"""Stacked bars of many series, and bars whose end lies under the legend box.

Charts are drawn by matplotlib from data the test knows (`tests/raster_chartgen.py` for raster
PNGs with the words matplotlib drew, `tests/chartgen.py` for vector PDFs):

- stacked bars of 4-6 series (distinct colours, with a legend) are read segment by segment, each
  series named by its legend entry, vertical and horizontal, raster and vector; grouped bars of
  six series too;
- a bar whose end is behind a translucent legend box is measured through the box;
- a bar whose end is behind an opaque legend box keeps its measured length only as a lower bound,
  with its confidence capped (`raster_read.EVIDENCE_CAP`), so questions on it are declined;
- a stacked chart whose segments cannot be told apart (two series of one colour) is an explicit
  `unreadable_chart`, not a guess.
"""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from raster_chartgen import render

from docpipe.charts.qa import answer_question
from docpipe.charts.raster import read_raster_chart
from docpipe.charts.raster_read import EVIDENCE_CAP
from docpipe.records import ErrorCategory
from tests.chartgen import ChartCase, pdf_bytes
from tests.test_charts_vector import read as read_vector

TOL = 0.02
OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}
OVER_THE_BARS = {"loc": "upper center"}  # matplotlib's translucent box (framealpha 0.8)
OPAQUE_OVER_THE_BARS = {"loc": "upper center", "framealpha": 1.0}


def _points(data) -> dict[tuple[str | None, str], object]:
    return {(s.name, p.x): p for s in data.series for p in s.points}


def _assert_all_values(chart, data, *, in_order: bool = True) -> None:
    """Every series named as drawn (in the drawing order unless `in_order` is False: horizontal
    groups list their series top to bottom) and every value within 2% of the value span."""
    assert data.error is None, data.error
    names = [s.name for s in data.series]
    assert (names if in_order else sorted(names)) == (list(chart.series) if in_order else sorted(chart.series))
    got = _points(data)
    for name, values in chart.series.items():
        for cat, want in zip(chart.categories, values, strict=True):
            point = got.get((name, cat))
            assert point is not None, (name, cat)
            assert abs(point.y - want) <= TOL * chart.span(), (name, cat, point.y, want)


@pytest.mark.parametrize("n_series", [4, 5, 6])
def test_raster_stacked_bars_of_many_series(n_series: int) -> None:
    """Before: with four or more series one segment in four stood on the baseline and the chart
    was not read as bars at all, or the baseline was taken at a join two stacks shared."""
    for seed in (0, 7):
        chart = render("stacked_bar", seed=seed, n_series=n_series, legend=OUTSIDE)
        data = read_raster_chart(chart.image, chart.words)
        assert data.chart_type == "stacked_bar"
        _assert_all_values(chart, data)


def test_raster_horizontal_stacked_bars_of_five_series() -> None:
    chart = render("stacked_bar", seed=0, n_series=5, legend=OUTSIDE, horizontal=True)
    data = read_raster_chart(chart.image, chart.words)
    assert (data.chart_type, data.orientation) == ("stacked_bar", "horizontal")
    _assert_all_values(chart, data)


@pytest.mark.parametrize("seed", [0, 7])
def test_raster_grouped_bars_of_six_series(seed: int) -> None:
    """Before: bars six to a group are about 11 pixels wide, and the tallest were taken for
    vertical rules (axis lines) and lost."""
    chart = render("grouped_bar", seed=seed, n_series=6, legend=OUTSIDE)
    data = read_raster_chart(chart.image, chart.words)
    assert data.chart_type == "grouped_bar"
    _assert_all_values(chart, data)


def test_raster_horizontal_grouped_bars_with_the_legend_over_them() -> None:
    """The legend in the lower right corner, over the longest horizontal bars: measured through it."""
    chart = render("grouped_bar", seed=0, n_series=5, legend={"loc": "lower right"}, horizontal=True)
    data = read_raster_chart(chart.image, chart.words)
    assert (data.chart_type, data.orientation) == ("grouped_bar", "horizontal")
    _assert_all_values(chart, data, in_order=False)
    assert any(_under_legend(p, chart.extra["legend_box"]) for s in data.series for p in s.points)


def test_vector_stacked_bars_of_six_series() -> None:
    years = ["2015", "2016", "2017", "2018", "2019"]
    names = ["Books", "Music", "Games", "Films", "Comics", "Radio"]
    series = {n: [round(3.5 + 1.25 * i + 2.5 * j, 2) for j in range(len(years))] for i, n in enumerate(names)}
    data = read_vector(pdf_bytes(ChartCase("stacked_bar", "Sales", years, series, extra={"legend": OUTSIDE})))
    assert data.error is None, data.error
    assert [s.name for s in data.series] == names
    got = _points(data)
    for name, values in series.items():
        for cat, want in zip(years, values, strict=True):
            assert got[(name, cat)].y == pytest.approx(want, abs=1e-6)


def _under_legend(point, legend) -> bool:
    """The mark's box reaches into the legend box (both page fractions)."""
    box = point.bbox
    return box[0] < legend[2] and legend[0] < box[2] and box[1] < legend[3] - 0.005 and legend[1] < box[3]


@pytest.mark.parametrize("kind,seed,n_series", [("grouped_bar", 7, 3), ("stacked_bar", 0, 3),
                                                ("stacked_bar", 0, 4), ("stacked_bar", 7, 6)])
def test_bar_ends_behind_a_translucent_legend_are_measured_through_it(kind: str, seed: int,
                                                                       n_series: int) -> None:
    """Before: the bar was read as ending at the legend box's lower edge (up to half its length
    short). Now every value is right, and some mark was measured into the legend box."""
    chart = render(kind, seed=seed, n_series=n_series, legend=OVER_THE_BARS)
    data = read_raster_chart(chart.image, chart.words)
    _assert_all_values(chart, data)
    legend = chart.extra["legend_box"]
    assert any(_under_legend(p, legend) for s in data.series for p in s.points)


@pytest.mark.parametrize("kind,seed,n_series", [("grouped_bar", 7, 3), ("stacked_bar", 0, 3),
                                                ("stacked_bar", 0, 6)])
def test_bar_ends_behind_an_opaque_legend_are_declined(kind: str, seed: int, n_series: int) -> None:
    """An opaque box hides the bar's end: the value read is at most the true one (a lower bound),
    its confidence is capped, every other value is unaffected, and a question on it is declined
    with low_confidence instead of answered with the short length."""
    chart = render(kind, seed=seed, n_series=n_series, legend=OPAQUE_OVER_THE_BARS)
    data = read_raster_chart(chart.image, chart.words)
    assert data.error is None, data.error
    span = chart.span()
    capped = []
    for s in data.series:
        for cat, want in zip(chart.categories, chart.series[s.name], strict=True):
            point = next((p for p in s.points if p.x == cat), None)
            if point is None:
                continue  # a segment wholly behind the box is not in the data
            if abs(point.y - want) > TOL * span:
                assert point.confidence <= EVIDENCE_CAP, (s.name, cat, point.y, want, point.confidence)
                assert point.y < want
            if point.confidence <= EVIDENCE_CAP:
                capped.append((s.name, cat))
    assert capped, "no mark's end is behind the legend in this case"
    name, cat = capped[0]
    got = answer_question(f"What is the value of {name} in {cat}?", [data])
    assert got.error is not None and got.error.category == ErrorCategory.low_confidence, got


def test_a_legend_beside_the_plot_caps_nothing() -> None:
    """The hidden-end evidence comes from the legend over the bars only: with the legend outside
    the plot no point is capped."""
    chart = render("stacked_bar", seed=0, n_series=4, legend=OUTSIDE)
    data = read_raster_chart(chart.image, chart.words)
    assert all(p.confidence > EVIDENCE_CAP for s in data.series for p in s.points)


def test_stacked_series_of_one_colour_are_unreadable() -> None:
    """Two series drawn in one colour cannot be told apart in a stack: the chart is an explicit
    unreadable_chart with the reason, never values assigned by guess."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from raster_chartgen import _words

    fig = Figure(figsize=(6.4, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    years = ["2015", "2016", "2017", "2018"]
    bottom = [0.0] * 4
    for name, color, vals in [("Books", "#1f77b4", [10, 12, 9, 14]), ("Music", "#ff7f0e", [8, 6, 11, 7]),
                              ("Games", "#1f77b4", [5, 9, 7, 6]), ("Films", "#2ca02c", [7, 5, 8, 9])]:
        ax.bar(years, vals, bottom=bottom, label=name, color=color)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.legend(**OUTSIDE)
    fig.tight_layout()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()
    data = read_raster_chart(image, _words(fig, image))
    assert data.series == []
    assert data.error is not None and data.error.category == ErrorCategory.unreadable_chart
    assert "stack" in data.error.message
