"""Intermediate result of a mark reader, in crop pixels, before it becomes `ChartData`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from docpipe.charts.raster_text import TextBox


@dataclass
class MarkPoint:
    """One read mark: category text / numeric x, value, crop-pixel box, how the value was
    obtained, and the evidence the confidence is computed from."""

    x: str
    x_value: float | None
    y: float | None
    box: tuple[float, float, float, float]
    source: str  # "label" | "measured"
    evidence: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0


@dataclass
class SeriesReading:
    name: str | None
    color: str | None
    points: list[MarkPoint]


@dataclass
class Reading:
    """What one mark reader made of the chart. `explained` is the share of the mark pixels its
    marks account for (how well this family explains the picture), `axis_quality` 0-1."""

    chart_type: str
    orientation: str | None
    series: list[SeriesReading]
    explained: float
    value_scale: str = "linear"
    value_range: tuple[float, float] | None = None
    value_unit: str | None = None
    value_title: str | None = None
    category_title: str | None = None
    category_scale: str = "category"
    category_range: tuple[float, float] | None = None
    axis_quality: float = 0.0
    used_text: list[TextBox] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rivals: int = 0  # other families that explain the picture nearly as well (ambiguity)
    refused: str = ""  # why these marks, though of this family, cannot be read reliably (then no data)

    def n_points(self) -> int:
        return sum(len(s.points) for s in self.series)


def robust_line(px: np.ndarray, val: np.ndarray, tol_frac: float = 0.02) -> tuple[float, float, np.ndarray] | None:
    """value = a * pixel + b fitted robustly (pairs propose, most agreeing wins, then least squares).

    Returns (a, b, inlier mask) or None with fewer than two distinct points."""
    n = len(px)
    if n < 2:
        return None
    span = float(np.ptp(val)) or max(1.0, float(np.max(np.abs(val))))
    tol = tol_frac * span + 1e-9
    best = None
    for i in range(n):
        for j in range(i + 1, n):
            if px[i] == px[j]:
                continue
            a = (val[i] - val[j]) / (px[i] - px[j])
            b = val[i] - a * px[i]
            inl = np.abs(a * px + b - val) <= tol
            key = (int(inl.sum()), -float(np.abs(a * px + b - val)[inl].sum()))
            if best is None or key > best[0]:
                best = (key, inl)
    if best is None:
        return None
    inl = best[1]
    if len(set(px[inl])) < 2:
        return None
    a, b = np.polyfit(px[inl], val[inl], 1)
    return float(a), float(b), inl
