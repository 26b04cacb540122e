"""The data a chart holds, as read from a page: the typed contract between chart readers,
the question answerer and the `charts` dataset.

Every reader (vector drawings in a PDF, pixels of a raster chart, a VLM's table) produces the
same `ChartData`; the answerer (`charts/qa.py`) only ever sees this model, so an answer is
computed the same way whichever reader found the data.

Conventions (the project's, see DESIGN.md):
- Boxes are `[x0, y0, x1, y1]` in fractions 0–1 of the *displayed page* (after rotation),
  origin top-left; `page_index` is 0-based.
- `ChartPoint.source` says how a value was obtained: `vector` (from the PDF's drawing commands,
  exact), `label` (a printed data label read from the page words), `measured` (mark geometry
  mapped through the axis scale), `model` (a VLM's table).
- `confidence` is the reader's probability that the value is right (0–1). Readers calibrate it
  on development charts; it is never set to 1 by construction except for `vector` values whose
  mark and scale were both found in the drawing commands.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from docpipe.records import BBox, ErrorInfo

ChartType = Literal["bar", "stacked_bar", "grouped_bar", "line", "scatter", "pie", "area", "other"]
Orientation = Literal["vertical", "horizontal"]
ValueSource = Literal["vector", "label", "measured", "model"]
AxisScale = Literal["linear", "log", "category", "date"]
ReaderName = Literal["vector", "raster", "model"]


class ChartPoint(BaseModel):
    """One mark: a bar, a line vertex, a scatter marker, a pie sector."""

    x: str = Field(description="Category label or x value as printed (for numeric x, the number as text).")
    x_value: float | None = Field(None, description="Numeric x (numeric or date axes; dates as days since "
                                                    "1970-01-01); null for categories.")
    y: float | None = Field(None, description="The plotted value (pie: the sector's value, or its share "
                                              "in percent when no value is printed).")
    bbox: BBox | None = Field(None, description="Box of the mark on the page: [x0, y0, x1, y1], fractions "
                                                "of the displayed page, origin top-left.")
    source: ValueSource = Field(description="vector | label | measured | model: how y was obtained.")
    confidence: float = Field(ge=0.0, le=1.0, description="Probability that y is right (0-1).")


class ChartSeries(BaseModel):
    name: str | None = Field(None, description="Legend entry of the series; null for a single unnamed series.")
    color: str | None = Field(None, description="Fill or stroke colour of the marks, #rrggbb.")
    points: list[ChartPoint] = Field(default_factory=list, description="Marks in axis order "
                                                                       "(left to right, or top to bottom).")


class ChartAxis(BaseModel):
    title: str | None = Field(None, description="Axis title as printed.")
    unit: str | None = Field(None, description="Unit of the axis values (e.g. %, USD, million), when printed.")
    scale: AxisScale = Field("linear", description="linear | log | category | date.")
    minimum: float | None = Field(None, description="Smallest value the axis shows.")
    maximum: float | None = Field(None, description="Largest value the axis shows.")


class ChartData(BaseModel):
    """One chart on one page, read into data."""

    page_index: int = Field(description="0-based page the chart is on.")
    chart_index: int = Field(description="0-based index of the chart on its page (reading order).")
    bbox: BBox = Field(description="Box of the whole chart on the page (same convention as marks).")
    chart_type: ChartType = Field("other", description="bar | stacked_bar | grouped_bar | line | scatter | "
                                                       "pie | area | other.")
    orientation: Orientation | None = Field(None, description="vertical (columns) or horizontal bars; null "
                                                              "where it does not apply.")
    title: str | None = Field(None, description="Chart title as printed.")
    x_axis: ChartAxis | None = Field(None, description="The category / x axis (for horizontal bars, the "
                                                       "axis of the categories).")
    y_axis: ChartAxis | None = Field(None, description="The value axis.")
    series: list[ChartSeries] = Field(default_factory=list)
    reader: ReaderName = Field(description="vector | raster | model: which reader produced the data.")
    confidence: float = Field(0.0, ge=0.0, le=1.0, description="Probability that the chart was read right "
                                                              "as a whole (type, scale and marks).")
    error: ErrorInfo | None = Field(None, description="Why the chart could not be read (category "
                                                      "unreadable_chart); series is then empty.")
    cpu_s: float | None = Field(None, description="CPU seconds spent finding and reading this chart (its "
                                                  "share of the page's chart work; the page's OCR excluded).")

    def values(self) -> list[tuple[ChartSeries, ChartPoint]]:
        """Every (series, point) pair with a value, series by series."""
        return [(s, p) for s in self.series for p in s.points if p.y is not None]
