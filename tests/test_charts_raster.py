"""The raster chart reader on charts matplotlib drew from data the test knows.

Words come from the text matplotlib placed (tests/raster_chartgen.py), so these tests exercise the
reader, not the OCR; one end-to-end test reads a chart with the bundled OCR. A value counts as
right within 2% of the value range (the issue's target measure).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from raster_chartgen import RasterChart, render  # noqa: E402

from docpipe.charts.raster import read_raster_chart  # noqa: E402
from docpipe.records import ErrorCategory  # noqa: E402

TOL = 0.02


def read(chart: RasterChart, **kw):
    return read_raster_chart(chart.image, chart.words, **kw)


def _by_x(series) -> dict[str, float]:
    return {p.x: p.y for p in series.points if p.y is not None}


def assert_series(got, chart: RasterChart, name: str | None, tol: float = TOL) -> None:
    want = chart.series[name]
    have = _by_x(got)
    span = chart.span()
    for cat, value in zip(chart.categories, want, strict=True):
        assert cat in have, f"category {cat!r} missing from {sorted(have)}"
        assert abs(have[cat] - value) <= tol * span, f"{cat}: read {have[cat]}, drawn {value}"


@pytest.mark.parametrize("kind", ["bar", "barh", "negative_bar"])
@pytest.mark.parametrize("seed", [1])
def test_single_series_bars_within_two_percent(kind: str, seed: int) -> None:
    chart = render(kind, seed=seed)
    data = read(chart)
    assert data.error is None, data.error
    assert data.reader == "raster"
    assert data.chart_type == "bar"
    assert data.orientation == ("horizontal" if kind == "barh" else "vertical")
    assert len(data.series) == 1
    assert_series(data.series[0], chart, None)
    assert all(p.source == "measured" for p in data.series[0].points)
    assert data.title == "Chart title"


@pytest.mark.parametrize("dpi,size", [(60, (5.0, 3.4)), (150, (6.4, 4.2))])
def test_bar_reading_holds_at_other_sizes(dpi: int, size: tuple[float, float]) -> None:
    chart = render("bar", seed=3, dpi=dpi, size=size)
    data = read(chart)
    assert data.error is None, data.error
    assert_series(data.series[0], chart, None)


def test_printed_data_labels_win_and_are_exact() -> None:
    chart = render("bar", seed=4, labels=True)
    data = read(chart)
    points = data.series[0].points
    assert [p.source for p in points] == ["label"] * len(chart.categories)
    assert [p.y for p in points] == chart.series[None]
    assert [p.x for p in points] == chart.categories


def test_a_label_contradicting_the_axis_is_not_taken_and_lowers_confidence() -> None:
    chart = render("bar", seed=5, labels=True, wrong_label=2)
    data = read(chart)
    points = data.series[0].points
    wrong = points[2]
    assert wrong.source == "measured"
    assert abs(wrong.y - chart.series[None][2]) <= TOL * chart.span()
    others = [p.confidence for i, p in enumerate(points) if i != 2]
    assert wrong.confidence < min(others)


def test_log_value_axis() -> None:
    chart = render("bar", seed=6, log=True)
    data = read(chart)
    assert data.y_axis.scale == "log"
    have = _by_x(data.series[0])
    for cat, value in zip(chart.categories, chart.series[None], strict=True):
        assert abs(math.log10(have[cat]) - math.log10(value)) <= 0.02 * 3, (cat, have[cat], value)


@pytest.mark.parametrize("kind,chart_type", [("stacked_bar", "stacked_bar"), ("grouped_bar", "grouped_bar")])
def test_multi_series_bars_take_their_names_from_the_legend(kind: str, chart_type: str) -> None:
    chart = render(kind, seed=1)
    data = read(chart)
    assert data.chart_type == chart_type
    assert sorted(s.name for s in data.series) == sorted(chart.series)
    for s in data.series:
        assert_series(s, chart, s.name)


def test_lines_with_markers_and_legend() -> None:
    chart = render("line", seed=2)
    data = read(chart)
    assert data.chart_type == "line"
    assert sorted(s.name for s in data.series) == ["Mobile", "Web"]
    for s in data.series:
        assert_series(s, chart, s.name)
        assert all(p.x_value is not None for p in s.points)  # years are kept as numbers too


def test_line_on_a_log_axis() -> None:
    chart = render("line", seed=3, log=True)
    data = read(chart)
    assert data.y_axis.scale == "log"
    for s in data.series:
        have = _by_x(s)
        for cat, value in zip(chart.categories, chart.series[s.name], strict=True):
            assert abs(math.log10(have[cat]) - math.log10(value)) <= 0.02 * 4


def test_line_on_a_numeric_axis_is_read_at_its_vertices() -> None:
    chart = render("line_numeric", seed=1)
    data = read(chart)
    pts = data.series[0].points
    xspan = max(chart.x_values) - min(chart.x_values)
    for x, y in zip(chart.x_values, chart.series[None], strict=True):
        near = [p for p in pts if abs(p.x_value - x) <= 0.02 * xspan]
        assert near, f"no point near x={x}"
        assert abs(near[0].y - y) <= TOL * chart.span()


def test_scatter_points_within_two_percent_of_each_axis() -> None:
    chart = render("scatter", seed=4)
    data = read(chart)
    assert data.chart_type == "scatter"
    pts = [(p.x_value, p.y) for p in data.series[0].points]
    xs, ys = chart.x_values, chart.series[None]
    xr, yr = max(xs) - min(xs), max(ys) - min(ys)
    matched = sum(any(abs(px - x) <= 0.02 * xr and abs(py - y) <= 0.02 * yr for px, py in pts)
                  for x, y in zip(xs, ys, strict=True))
    assert matched >= 0.85 * len(xs)
    assert len(pts) <= len(xs) + 1


@pytest.mark.parametrize("kind", ["pie", "donut"])
def test_pie_sectors_by_angle(kind: str) -> None:
    chart = render(kind, seed=1)
    data = read(chart)
    assert data.chart_type == "pie"
    have = _by_x(data.series[0])
    total = sum(chart.series[None])
    for name, part in zip(chart.categories, chart.series[None], strict=True):
        assert abs(have[name] - 100 * part / total) <= 2.0, (name, have)
    assert all(p.source == "measured" for p in data.series[0].points)


def test_pie_percent_labels_are_the_values() -> None:
    chart = render("pie", seed=2, labels=True)
    data = read(chart)
    have = {p.x: (p.y, p.source) for p in data.series[0].points}
    total = sum(chart.series[None])
    for name, part in zip(chart.categories, chart.series[None], strict=True):
        assert have[name] == (round(100 * part / total), "label")


def test_area_chart() -> None:
    chart = render("area", seed=1)
    data = read(chart)
    assert data.chart_type == "area"
    assert_series(data.series[0], chart, None)


def test_boxes_are_page_fractions_inside_the_region() -> None:
    chart = render("bar", seed=7)
    h, w = chart.image.shape[:2]
    # the chart pasted into the lower right of a larger white page
    page = np.full((h * 2, w * 2, 3), 255, dtype=np.uint8)
    page[h:, w:] = chart.image
    from docpipe.records import Word

    words = [Word(text=x.text, bbox=(0.5 + x.bbox[0] / 2, 0.5 + x.bbox[1] / 2, 0.5 + x.bbox[2] / 2,
                                     0.5 + x.bbox[3] / 2), line_id=x.line_id) for x in chart.words]
    data = read_raster_chart(page, words, region=(0.5, 0.5, 1.0, 1.0), page_index=3, chart_index=1)
    assert (data.page_index, data.chart_index, data.bbox) == (3, 1, (0.5, 0.5, 1.0, 1.0))
    assert_series(data.series[0], chart, None)
    for p in data.series[0].points:
        x0, y0, x1, y1 = p.bbox
        assert 0.5 <= x0 < x1 <= 1.0 and 0.5 <= y0 < y1 <= 1.0


@pytest.mark.parametrize("what", ["blank", "noise", "tiny"])
def test_unreadable_images_are_an_explicit_error(what: str) -> None:
    rng = np.random.default_rng(0)
    if what == "blank":
        image = np.full((400, 600, 3), 255, dtype=np.uint8)
    elif what == "noise":  # a photo-like image: smooth gradients and noise, no axes, no marks
        yy, xx = np.mgrid[0:400, 0:600]
        base = np.stack([xx / 600 * 200, yy / 400 * 180, (xx + yy) / 1000 * 150], axis=2)
        image = np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype(np.uint8)
    else:
        image = np.full((30, 30, 3), 255, dtype=np.uint8)
    data = read_raster_chart(image, [])
    assert data.error is not None and data.error.category == ErrorCategory.unreadable_chart
    assert data.series == []
    assert data.confidence == 0.0


def test_confidence_is_a_probability_and_printed_labels_raise_it() -> None:
    measured = read(render("bar", seed=8))
    labelled = read(render("bar", seed=8, labels=True))
    for data in (measured, labelled):
        assert all(0.0 <= p.confidence <= 1.0 for s in data.series for p in s.points)
        assert 0.0 < data.confidence <= 1.0
    assert min(p.confidence for p in labelled.series[0].points) > max(p.confidence for p in measured.series[0].points)


def test_end_to_end_with_the_bundled_ocr() -> None:
    pytest.importorskip("rapidocr")
    from PIL import Image

    from docpipe.ocr.stage import load_engine

    chart = render("bar", seed=9, size=(6.4, 4.2), dpi=110)
    engine = load_engine("rapidocr")
    words = engine.recognize(Image.fromarray(chart.image))
    data = read_raster_chart(chart.image, words, recognize=lambda a: engine.recognize(Image.fromarray(a)))
    assert data.error is None, data.error
    have = _by_x(data.series[0])
    span = chart.span()
    right = sum(cat in have and abs(have[cat] - v) <= TOL * span
                for cat, v in zip(chart.categories, chart.series[None], strict=True))
    assert right >= len(chart.categories) - 1
