"""Vector bar and line charts with known data, plus the questions a reader could answer from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pymupdf

from docpipe.devtools.pdf_canvas import BLACK, GREY, LIGHT, Color, PageCanvas, text_width
from docpipe.devtools.truth import DrawnBox

PALETTE: tuple[Color, ...] = ((0.20, 0.42, 0.69), (0.89, 0.47, 0.16), (0.30, 0.62, 0.35))


@dataclass(frozen=True)
class SeriesSpec:
    name: str | None
    values: tuple[float, ...]


@dataclass(frozen=True)
class ChartSpec:
    chart_type: Literal["bar", "line"]
    title: str
    x_label: str
    y_label: str
    categories: tuple[str, ...]
    series: tuple[SeriesSpec, ...]
    y_max: float
    y_step: float

    def expected(self) -> dict[str, Any]:
        return {"charts": [{
            "title": self.title, "chart_type": self.chart_type, "x_label": self.x_label, "y_label": self.y_label,
            "series": [{"name": s.name, "points": [{"label": label, "value": value}
                                                   for label, value in zip(self.categories, s.values)]}
                       for s in self.series],
        }]}


def value_text(value: float) -> str:
    return f"{value:.1f}"


def draw_chart(c: PageCanvas, spec: ChartSpec, plot: tuple[float, float, float, float]) -> None:
    """Draw `spec` with its plot area at `plot` (x0, y0, x1, y1); axis titles and labels go outside it."""
    x0, y0, x1, y1 = plot
    key = "charts[0]"
    c.text((x0 + x1) / 2, y0 - 28, spec.title, face="bold", size=14, align="center", key=f"{key}.title")

    def y_of(value: float) -> float:
        return y1 - (y1 - y0) * value / spec.y_max

    tick = 0.0
    widest = 0.0
    while tick <= spec.y_max + 1e-9:
        y = y_of(tick)
        if tick > 0:
            c.line(x0, y, x1, y, color=LIGHT, width=0.5)
        label = f"{tick:g}"
        widest = max(widest, text_width(label, 8.5))
        c.text(x0 - 6, y + 3, label, size=8.5, color=GREY, align="right")
        tick += spec.y_step
    c.vertical_text(x0 - 14 - widest - 8, (y0 + y1) / 2, spec.y_label, size=10, key=f"{key}.y_label")
    slot = (x1 - x0) / len(spec.categories)
    centres = [x0 + slot * (i + 0.5) for i in range(len(spec.categories))]
    for i, (label, cx) in enumerate(zip(spec.categories, centres)):
        rect = c.text(cx, y1 + 15, label, size=9.5, align="center")
        for s in range(len(spec.series)):
            c.record(f"{key}.series[{s}].points[{i}].label", rect, label)
    c.text((x0 + x1) / 2, y1 + 36, spec.x_label, size=10, align="center", key=f"{key}.x_label")
    if spec.chart_type == "bar":
        _bars(c, spec, centres, slot, y_of)
    else:
        _lines(c, spec, centres, y_of)
    c.line(x0, y1, x1, y1, color=BLACK, width=0.9)
    c.line(x0, y0, x0, y1, color=BLACK, width=0.9)
    if any(s.name for s in spec.series):
        _legend(c, spec, x1, y0)


def _bars(c: PageCanvas, spec: ChartSpec, centres: list[float], slot: float,
          y_of: Callable[[float], float]) -> None:
    count = len(spec.series)
    bar = slot * 0.62 / count
    for s, series in enumerate(spec.series):
        for i, value in enumerate(series.values):
            left = centres[i] - bar * count / 2 + s * bar
            top = y_of(value)
            c.rect(left, top, left + bar, y_of(0), fill=PALETTE[s % len(PALETTE)])
            c.text(left + bar / 2, top - 4, value_text(value), size=9, align="center",
                   key=f"charts[0].series[{s}].points[{i}].value")


def _lines(c: PageCanvas, spec: ChartSpec, centres: list[float], y_of: Callable[[float], float]) -> None:
    for s, series in enumerate(spec.series):
        color = PALETTE[s % len(PALETTE)]
        points = [(x, y_of(v)) for x, v in zip(centres, series.values)]
        c.polyline(points, color=color, width=2.0)
        # The upper series labels sit above its markers, the lower below, so labels never collide.
        above = s == 0
        for i, ((x, y), value) in enumerate(zip(points, series.values)):
            c.circle(x, y, 3.2, fill=color)
            c.text(x, y - 7 if above else y + 15, value_text(value), size=8.5, color=color, align="center",
                   key=f"charts[0].series[{s}].points[{i}].value")


def _legend(c: PageCanvas, spec: ChartSpec, right: float, top: float) -> None:
    y = top + 14
    for s, series in enumerate(spec.series):
        name = series.name or ""
        width = text_width(name, 9)
        c.rect(right - width - 24, y - 7, right - width - 14, y + 1, fill=PALETTE[s % len(PALETTE)])
        c.text(right - width - 8, y, name, size=9, key=f"charts[0].series[{s}].name")
        y += 14


def bar_chart_spec() -> ChartSpec:
    return ChartSpec(
        chart_type="bar", title="Revenue by Region, 2023", x_label="Region", y_label="Revenue (USD million)",
        categories=("North", "South", "East", "West", "Central"),
        series=(SeriesSpec(None, (42.5, 31.0, 55.2, 27.8, 38.4)),), y_max=60, y_step=10,
    )


def line_chart_spec() -> ChartSpec:
    return ChartSpec(
        chart_type="line", title="Monthly Active Users, H1 2024", x_label="Month", y_label="Users (thousands)",
        categories=("Jan", "Feb", "Mar", "Apr", "May", "Jun"),
        series=(SeriesSpec("Web", (12.0, 14.5, 13.8, 16.2, 18.9, 21.4)),
                SeriesSpec("Mobile", (8.5, 9.1, 11.7, 13.0, 15.6, 19.8))),
        y_max=25, y_step=5,
    )


def chart_questions(spec: ChartSpec) -> list[tuple[str, str]]:
    """Questions whose answers follow from the data (computed, so they can't drift from the chart)."""
    first = spec.series[0]
    pairs = list(zip(spec.categories, first.values))
    best = max(pairs, key=lambda p: p[1])
    if spec.chart_type == "bar":
        lowest = min(pairs, key=lambda p: p[1])
        return [
            ("Which region had the highest revenue?", best[0]),
            (f"What was the revenue of the {pairs[3][0]} region?", value_text(pairs[3][1])),
            ("What is the difference between the highest and the lowest revenue?",
             value_text(best[1] - lowest[1])),
        ]
    second = spec.series[1]
    peak = max(zip(spec.categories, second.values), key=lambda p: p[1])
    higher = first.name if first.values[2] > second.values[2] else second.name
    return [
        (f"In which month did {second.name} reach its highest value?", peak[0]),
        (f"What was the {first.name} value in {spec.categories[3]}?", value_text(first.values[3])),
        (f"Which series was higher in {spec.categories[2]}?", higher or ""),
    ]


def new_chart_page(doc: pymupdf.Document, width: float, height: float, boxes: dict[str, DrawnBox]) -> PageCanvas:
    page = doc.new_page(width=width, height=height)
    return PageCanvas(page, page.number, boxes)
