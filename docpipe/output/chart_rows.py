"""The `charts` dataset: one row per chart found on a page, with the data read from it.

    OUT/charts/part-*.parquet   doc_id, row_key, source_path, page_index, chart_index, bbox,
                                chart_type, orientation, title, x_axis, y_axis,
                                series: list<struct<name, color, points: list<struct<x, x_value, y,
                                bbox, source, confidence>>>>, reader, confidence, error, cpu_s,
                                run_id, processed_at

The Arrow schema is derived from `ChartRow` (arrow_schema.py), like the other datasets; boxes are
[x0, y0, x1, y1] fractions of the displayed page, origin top-left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pyarrow as pa
from pydantic import BaseModel, Field

from docpipe.charts.model import ChartAxis, ChartData, ChartSeries, ChartType, Orientation, ReaderName
from docpipe.output.arrow_schema import arrow_schema_for
from docpipe.output.arrow_values import table_from_rows
from docpipe.records import BBox, ErrorInfo, PageResult


class ChartRow(BaseModel):
    """One row of the charts dataset."""

    doc_id: str = Field(description="sha256 of the document's bytes.")
    row_key: str = Field(description="row_key of the document the chart belongs to (join with documents).")
    source_path: str
    page_index: int = Field(description="0-based page the chart is on.")
    chart_index: int = Field(description="0-based index of the chart on its page, in reading order.")
    bbox: BBox = Field(description="Box of the chart: [x0, y0, x1, y1], fractions of the displayed page, "
                                   "origin top-left.")
    chart_type: ChartType = Field(description="bar | stacked_bar | grouped_bar | line | scatter | pie | area | other.")
    orientation: Orientation | None = None
    title: str | None = None
    x_axis: ChartAxis | None = Field(None, description="Category / x axis: title, unit, scale, range.")
    y_axis: ChartAxis | None = Field(None, description="Value axis: title, unit, scale, range.")
    series: list[ChartSeries] = Field(default_factory=list, description="Per series: name, colour and points "
                                                                        "(x, y, mark box, source, confidence).")
    reader: ReaderName = Field(description="vector | raster | model: which reader produced the data.")
    confidence: float = Field(description="Probability that the chart was read right as a whole (0-1).")
    error: ErrorInfo | None = Field(None, description="Why the chart could not be read (unreadable_chart).")
    cpu_s: float | None = Field(None, description="CPU seconds spent finding and reading the chart.")
    run_id: str
    processed_at: dt.datetime

    @classmethod
    def from_chart(cls, chart: ChartData, page: PageResult, *, row_key: str, run_id: str,
                   processed_at: dt.datetime) -> ChartRow:
        return cls(doc_id=page.doc_id, row_key=row_key, source_path=page.source_path, page_index=chart.page_index,
                   chart_index=chart.chart_index, bbox=chart.bbox, chart_type=chart.chart_type,
                   orientation=chart.orientation, title=chart.title, x_axis=chart.x_axis, y_axis=chart.y_axis,
                   series=chart.series, reader=chart.reader, confidence=chart.confidence, error=chart.error,
                   cpu_s=chart.cpu_s, run_id=run_id, processed_at=processed_at)


def charts_schema(*, metadata: Mapping[str, str] | None = None) -> pa.Schema:
    schema = arrow_schema_for(ChartRow)
    return schema.with_metadata(dict(metadata)) if metadata else schema


def chart_rows_table(results: Sequence[PageResult], *, run_id: str, processed_at: dt.datetime,
                     row_keys: Sequence[str] | None = None, metadata: Mapping[str, str] | None = None) -> pa.Table:
    """The charts table for one commit: every chart of every page result (row_keys parallel to results)."""
    if row_keys is not None and len(row_keys) != len(results):
        raise ValueError("row_keys must have one item per page result")
    rows = [ChartRow.from_chart(chart, result, row_key=row_keys[i] if row_keys is not None else result.doc_id,
                                run_id=run_id, processed_at=processed_at).model_dump(mode="python")
            for i, result in enumerate(results) for chart in result.charts]
    return table_from_rows(rows, charts_schema(metadata=metadata), key_column="row_key")
