"""Chart: charts found on a page, their type and data series."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field


class ChartType(str, Enum):
    bar = "bar"
    line = "line"
    pie = "pie"
    scatter = "scatter"
    area = "area"
    other = "other"


class DataPoint(BaseModel):
    label: str = Field(description="Category or x value as printed.")
    value: float | None = Field(None, description="The plotted value.")


class Series(BaseModel):
    name: str | None = Field(None, description="Legend entry of the series, if any.")
    points: list[DataPoint] = Field(default_factory=list)


class Chart(BaseModel):
    title: str | None = Field(None, description="Chart title as printed.")
    chart_type: ChartType = Field(ChartType.other, description="Kind of chart.")
    x_label: str | None = Field(None, description="X axis title.")
    y_label: str | None = Field(None, description="Y axis title.")
    series: list[Series] = Field(default_factory=list)


class ChartPage(BaseModel):
    """All charts on one page."""

    charts: list[Chart] = Field(default_factory=list, json_schema_extra={"required": True})


SCHEMA = ChartPage
