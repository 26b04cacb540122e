"""Legends of multi-series bar charts, wherever they are drawn: in a row or a column, inside the
plot (over the bars, seen through its translucent box) or outside it (beside, above, below),
with 2-4 entries. Every series takes its own legend name, on raster PNGs (words from the text
matplotlib drew) and on vector PDFs, both drawn by matplotlib from data the test knows."""

from __future__ import annotations

import random

import pytest

pytest.importorskip("matplotlib")

from raster_chartgen import render

from docpipe.charts.raster import read_raster_chart
from docpipe.charts.raster_read import EVIDENCE_CAP
from tests.chartgen import ChartCase, pdf_bytes
from tests.test_charts_vector import read as read_vector

TOL = 0.02
LEGENDS = {
    "row inside the plot": {"loc": "upper left", "ncol": 4},
    "column over the bars": {"loc": "upper center"},
    "column outside, right": {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)},
    "row outside, below": {"loc": "upper center", "bbox_to_anchor": (0.5, -0.12), "ncol": 4},
    "row outside, above": {"loc": "lower center", "bbox_to_anchor": (0.5, 1.08), "ncol": 4},
}


RASTER_CASES = [("grouped_bar", n) for n in (2, 3, 4)] + [("stacked_bar", n) for n in (2, 3, 4)]


@pytest.mark.parametrize("place", list(LEGENDS))
@pytest.mark.parametrize("kind,n_series", RASTER_CASES)
def test_raster_bars_take_every_legend_name(kind: str, n_series: int, place: str) -> None:
    chart = render(kind, seed=7, n_series=n_series, legend=LEGENDS[place])
    data = read_raster_chart(chart.image, chart.words)
    assert data.error is None, data.error
    assert data.chart_type == kind
    assert [s.name for s in data.series] == list(chart.series)
    for s in data.series:
        got = {p.x: p for p in s.points}
        assert sorted(got) == sorted(chart.categories)
        for cat, want in zip(chart.categories, chart.series[s.name], strict=True):
            point = got[cat]
            if point.confidence <= EVIDENCE_CAP:  # the end is hidden behind the legend's box
                assert point.y <= want + TOL * chart.span(), (s.name, cat, point.y, want)
                continue
            assert abs(point.y - want) <= TOL * chart.span(), (s.name, cat, point.y, want)


@pytest.mark.parametrize("place,seed", [("column over the bars", 7), ("row inside the plot", 3),
                                        ("row inside the plot", 5)])
def test_two_entry_legend_over_the_bars_names_the_second_series(place: str, seed: int) -> None:
    """The reported case: the legend's translucent box lies over the bars, so the colour next to
    an entry's name is a bar seen through the box (beside the swatch or all round it), not the
    swatch."""
    chart = render("grouped_bar", seed=seed, n_series=2, legend=LEGENDS[place])
    data = read_raster_chart(chart.image, chart.words)
    assert [s.name for s in data.series] == ["Books", "Music"]
    assert [s.color for s in data.series] == ["#1f77b4", "#ff7f0e"]


def test_the_default_legend_still_names_every_series() -> None:
    """What worked before: three series, the legend in a column right of the plot."""
    chart = render("grouped_bar", seed=0)
    data = read_raster_chart(chart.image, chart.words)
    assert [s.name for s in data.series] == ["Books", "Music", "Games"]


def _vector_case(kind: str, n_series: int, legend: dict) -> ChartCase:
    rng = random.Random(f"{kind}:{n_series}")
    years = ["2015", "2016", "2017", "2018", "2019"]
    names = ["Books", "Music", "Games", "Films"][:n_series]
    series = {n: [round(rng.uniform(5, 40), 1) for _ in years] for n in names}
    return ChartCase(kind, "Sales by product", years, series, extra={"legend": legend})


@pytest.mark.parametrize("place", list(LEGENDS))
@pytest.mark.parametrize("n_series", [2, 4])
@pytest.mark.parametrize("kind", ["grouped_bar", "stacked_bar"])
def test_vector_bars_take_every_legend_name(kind: str, n_series: int, place: str) -> None:
    case = _vector_case(kind, n_series, LEGENDS[place])
    data = read_vector(pdf_bytes(case))
    assert data.error is None, data.error
    assert [s.name for s in data.series] == list(case.series)
    for s in data.series:
        got = {p.x: p.y for p in s.points}
        for cat, want in zip(case.categories, case.series[s.name], strict=True):
            assert got[cat] == pytest.approx(want, abs=1e-6)
