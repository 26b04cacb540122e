"""The raster chart reader on layouts that used to defeat it, with data the tests know: a line chart
drawn with two axis lines (an L, no frame), gridlines running through its tick labels, data labels
over its markers and a year in its title (the layout of `docpipe.devtools` sample charts); rows of
numbers inside the plot; a second value axis; category labels of a word and a number."""

from __future__ import annotations

import random

import numpy as np
import pymupdf

from docpipe.charts.raster import read_raster_chart
from docpipe.charts.raster_axes import find_value_axes, second_value_axis
from docpipe.charts.raster_read import EVIDENCE_CAP, _doubtful_categories
from docpipe.charts.raster_reading import MarkPoint, Reading, SeriesReading
from docpipe.charts.raster_text import TextBox, phrases
from docpipe.devtools.chart_layout import ChartSpec, SeriesSpec, draw_chart, new_chart_page
from docpipe.records import Word


def _spec(seed: int) -> ChartSpec:
    rng = random.Random(seed)
    cats = ("Jan", "Feb", "Mar", "Apr", "May", "Jun")
    a = tuple(round(rng.uniform(11.0, 23.0), 1) for _ in cats)
    b = tuple(round(rng.uniform(2.0, 9.5), 1) for _ in cats)
    return ChartSpec(chart_type="line", title="Visits per Day, Q3 2025", x_label="Month", y_label="Visits (thousands)",
                     categories=cats, series=(SeriesSpec("Shop", a), SeriesSpec("Blog", b)), y_max=25, y_step=5)


def _render(spec: ChartSpec, dpi: int = 150) -> tuple[np.ndarray, list[Word]]:
    """The chart as pixels and the words the PDF drew (page fractions), so the reader is tested, not OCR."""
    doc = pymupdf.open()
    c = new_chart_page(doc, 792.0, 612.0, {})
    draw_chart(c, spec, (120.0, 110.0, 730.0, 500.0))
    c.finish()
    page = doc[0]
    pix = page.get_pixmap(matrix=pymupdf.Matrix(dpi / 72, dpi / 72), alpha=False)
    image = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy()
    w, h = page.rect.width, page.rect.height
    words = [Word(text=t, bbox=(x0 / w, y0 / h, x1 / w, y1 / h), line_id=block * 1000 + line)
             for x0, y0, x1, y1, t, block, line, _ in page.get_text("words")]
    return image, words


def test_line_chart_with_axis_lines_gridlines_and_labels_reads_every_value() -> None:
    for seed in (1, 2):
        spec = _spec(seed)
        image, words = _render(spec)
        chart = read_raster_chart(image, words)
        assert chart.error is None, chart.error
        assert chart.chart_type == "line"
        assert chart.title == spec.title  # the year is part of the title, not a data label
        got = {s.name: {p.x: p.y for p in s.points} for s in chart.series}
        want = {s.name: dict(zip(spec.categories, s.values, strict=True)) for s in spec.series}
        assert got.keys() == want.keys()
        for name in want:
            assert got[name].keys() == want[name].keys(), (name, got[name])
            for cat, value in want[name].items():
                assert abs(got[name][cat] - value) <= 0.005 * spec.y_max, (name, cat, got[name][cat], value)


def _box(text: str, x: float, y: float, w: float = 20.0, h: float = 14.0) -> TextBox:
    return TextBox(text, x, y - h / 2, x + w, y + h / 2)


def test_a_row_of_data_labels_inside_the_plot_is_not_an_x_axis() -> None:
    ticks = [_box(str(v), 10, 500 - 20 * v) for v in range(0, 26, 5)]  # y axis: 0..25, 100 px per 5
    row = [_box("15", 10, 200), _box("14.5", 300, 201), _box("15.6", 600, 199)]  # labels at one height
    y_axis, x_axis = find_value_axes(ticks + row[1:], 800, 600)
    assert y_axis is not None and y_axis.n == 6
    assert x_axis is None
    below = [_box(str(v), 100 + 100 * v, 540) for v in range(5)]  # a real x axis under the plot
    _, x_axis = find_value_axes(ticks + below, 800, 600)
    assert x_axis is not None and x_axis.n == 5
    # an x axis drawn across the middle of the plot: its labels step like ticks (one misread)
    across = [_box(t, 100 + 100 * i, 260) for i, t in enumerate(["-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"])]
    across[3] = TextBox("0.1", across[3].x0 + 9, across[3].y0, across[3].x1 + 9, across[3].y1)
    _, x_axis = find_value_axes(ticks + across, 800, 600)
    assert x_axis is not None and x_axis.n >= 5
    # the same row falling right to left (data labels of a falling line) is not an axis
    falling = [_box(t, 100 + 100 * i, 260) for i, t in enumerate(["6.3", "5.8", "3.6", "3.5"])]
    assert find_value_axes(ticks + falling, 800, 600)[1] is None


def test_a_second_value_axis_with_its_own_scale_is_found_and_a_mirrored_one_is_not() -> None:
    left = [_box(str(v), 10, 500 - 4 * v) for v in range(0, 101, 25)]  # 0..100
    right = [_box(f"{v}%", 760, 500 - 40 * v) for v in range(0, 11, 2)]  # 0..10 %
    y_axis, _ = find_value_axes(left, 800, 600)
    assert y_axis is not None and y_axis.vmax == 100
    assert second_value_axis(left + right, 800, 600, y_axis) is not None
    mirror = [_box(str(v), 760, 500 - 4 * v) for v in range(0, 101, 25)]
    assert second_value_axis(left + mirror, 800, 600, y_axis) is None


def test_repeated_categories_make_a_reading_doubtful() -> None:
    def reading(names: list[str]) -> Reading:
        pts = [MarkPoint(n, None, float(i), (0, 0, 1, 1), "measured") for i, n in enumerate(names)]
        return Reading("bar", "vertical", [SeriesReading(None, None, pts)], 1.0)

    assert _doubtful_categories(reading(["14", "Q2 14", "14", "Q4 14"]))
    assert not _doubtful_categories(reading(["Q1 14", "Q2 14", "Q3 14", "Q4 14"]))
    assert 0 < EVIDENCE_CAP < 0.5


def test_a_word_and_a_number_at_a_word_space_are_one_category_label() -> None:
    row = [TextBox("Q1", 100, 10, 124, 28), TextBox("14", 132, 10, 156, 28),
           TextBox("Q2", 200, 10, 224, 28), TextBox("14", 232, 10, 256, 28)]
    assert [p.text for p in phrases(row)] == ["Q1 14", "Q2 14"]
    ticks = [TextBox("10", 100, 10, 120, 28), TextBox("20", 128, 10, 148, 28)]  # numbers stay apart
    assert [p.text for p in phrases(ticks)] == ["10", "20"]
