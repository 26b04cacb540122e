"""The vector chart reader on matplotlib PDFs whose data the test knows: values exact to 1e-6."""

from __future__ import annotations

import math

import pymupdf
import pytest

from docpipe.charts.detect import vector_chart_boxes
from docpipe.charts.vector import read_vector_chart
from docpipe.raster.drawings import page_drawings
from docpipe.raster.text_layer import read_text_layer
from tests.chartgen import ChartCase, case, pdf_bytes

pytest.importorskip("matplotlib")

EXPECTED_TYPE = {"bar": "bar", "barh": "bar", "negative_bar": "bar", "no_axis_bar": "bar",
                 "grouped_bar": "grouped_bar", "stacked_bar": "stacked_bar", "line": "line",
                 "line_numeric": "line", "scatter": "scatter", "pie": "pie", "donut": "pie", "area": "area"}
WITH_LEGEND = {"grouped_bar", "stacked_bar", "line"}


def read(data: bytes, region=None):
    page = pymupdf.open(stream=data, filetype="pdf")[0]
    width, height = page.rect.width, page.rect.height
    drawings, words = page_drawings(page, width, height), read_text_layer(page, width, height)[0]
    if region is None:
        boxes = vector_chart_boxes(drawings.paths, words, width, height)
        assert len(boxes) == 1, boxes
        region = boxes[0]
    return read_vector_chart(drawings, words, page_size=(width, height), region=region)


def close(got: float | None, want: float) -> bool:
    return got is not None and abs(got - want) <= 1e-6 * max(abs(want), 1e-3)


def expected_points(chart: ChartCase) -> dict[str | None, dict[str, float]]:
    return {(name if chart.kind in WITH_LEGEND else None): dict(zip(chart.categories, values))
            for name, values in chart.series.items()}


@pytest.mark.parametrize("kind", sorted(EXPECTED_TYPE))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matplotlib_chart_values_are_exact(kind: str, seed: int) -> None:
    chart = case(kind, seed)
    result = read(pdf_bytes(chart))
    assert result.error is None
    assert result.chart_type == EXPECTED_TYPE[kind]
    assert result.title == chart.title
    if kind == "scatter":
        got = sorted((p.x_value, p.y) for s in result.series for p in s.points)
        want = sorted(zip(chart.x_values, chart.series[None]))
        assert len(got) == len(want)
        assert all(close(gx, wx) and close(gy, wy) for (gx, gy), (wx, wy) in zip(got, want))
        return
    want = expected_points(chart)
    got = {s.name: {p.x: p.y for p in s.points} for s in result.series}
    assert got.keys() == want.keys()
    for name, values in want.items():
        assert got[name].keys() == values.keys(), name
        assert all(close(got[name][x], y) for x, y in values.items()), (name, got[name], values)


def test_values_carry_source_confidence_and_a_mark_box_inside_the_chart() -> None:
    chart = case("bar", 3)
    result = read(pdf_bytes(chart))
    for point in result.series[0].points:
        assert point.source == "vector" and point.confidence == 1.0
        x0, y0, x1, y1 = point.bbox
        assert result.bbox[0] <= x0 < x1 <= result.bbox[2] and result.bbox[1] <= y0 < y1 <= result.bbox[3]
    # Taller bars have taller boxes: the box is the bar's own.
    by_value = sorted(result.series[0].points, key=lambda p: p.y)
    heights = [p.bbox[3] - p.bbox[1] for p in by_value]
    assert heights == sorted(heights)


def test_axis_titles_units_and_value_range() -> None:
    chart = case("bar", 0)
    result = read(pdf_bytes(chart))
    assert result.y_axis.title == "Revenue (USD million)" and result.y_axis.unit == "USD million"
    assert result.x_axis.title == "Region" and result.x_axis.scale == "category"
    assert result.y_axis.minimum == 0 and result.y_axis.maximum >= max(chart.series[None]) - 20


def test_small_values_stay_exact() -> None:
    """Values far below the axis range are where single-precision coordinates hurt most."""
    chart = ChartCase("bar", "Small", ["a", "b", "c", "d"], {None: [0.05, 0.5, 1250.0, 999.99]})
    result = read(pdf_bytes(chart))
    got = {p.x: p.y for p in result.series[0].points}
    assert all(close(got[x], y) for x, y in zip(chart.categories, chart.series[None]))


def test_pie_shares_are_percent_of_the_total() -> None:
    chart = ChartCase("pie", "Shares", ["A", "B", "C"], {None: [50.0, 30.0, 20.0]})
    result = read(pdf_bytes(chart))
    assert result.y_axis.unit == "%"
    assert {p.x: round(p.y, 9) for p in result.series[0].points} == {"A": 50.0, "B": 30.0, "C": 20.0}
    assert math.isclose(sum(p.y for p in result.series[0].points), 100.0, rel_tol=1e-9)


def test_the_sample_report_page_bar_chart() -> None:
    from pathlib import Path

    from docpipe.devtools.sample_docs import read_truth

    folder = Path(__file__).resolve().parents[1] / "sample_docs"
    truth = next(t for t in read_truth(folder) if t.file == "chart_bar.pdf")
    result = read((folder / "chart_bar.pdf").read_bytes())
    want = truth.expected["charts"][0]
    assert result.title == want["title"] and result.y_axis.title == want["y_label"]
    assert result.x_axis.title == want["x_label"]
    assert [(p.x, p.y) for p in result.series[0].points] == [(p["label"], p["value"])
                                                             for p in want["series"][0]["points"]]


def test_a_drawing_without_marks_is_an_explicit_error() -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.draw_rect(pymupdf.Rect(20, 20, 280, 180), color=(0, 0, 0))  # a frame, nothing else
    page.insert_text((40, 60), "Not a chart")
    result = read(doc.tobytes(), region=(0.0, 0.0, 1.0, 1.0))
    assert result.error is not None and result.error.category.value == "unreadable_chart"
    assert result.series == []
