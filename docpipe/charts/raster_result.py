"""Building the reader's `ChartData` from what the mark readers found (crop pixels → page fractions)."""

from __future__ import annotations

import re

from docpipe.charts.model import ChartAxis, ChartData
from docpipe.records import BBox, ErrorCategory, ErrorInfo

STAGE = "chart_raster"


def unreadable(page_index: int, chart_index: int, bbox: BBox, why: str) -> ChartData:
    """The explicit result for a chart whose data could not be read: an error, no series."""
    return ChartData(
        page_index=page_index,
        chart_index=chart_index,
        bbox=bbox,
        reader="raster",
        confidence=0.0,
        error=ErrorInfo(category=ErrorCategory.unreadable_chart, message=why, stage=STAGE),
    )


_UNIT_PATTERNS = (
    (re.compile(r"(%|\bper ?cent\b|\bpercentage\b)", re.I), "%"),
    (re.compile(r"\btrillions?\b", re.I), "trillion"),
    (re.compile(r"\bbillions?\b|\bbn\b", re.I), "billion"),
    (re.compile(r"\bmillions?\b|\bmn\b|\bmio\b", re.I), "million"),
    (re.compile(r"\bthousands?\b", re.I), "thousand"),
    (re.compile(r"US\$|\$|\bU\.?S\.? dollars?\b|\bUSD\b", re.I), "$"),
    (re.compile(r"€|\beuros?\b|\bEUR\b", re.I), "€"),
    (re.compile(r"£|\bpounds?\b|\bGBP\b", re.I), "£"),
)


def unit_in_text(text: str | None) -> str | None:
    """A unit an axis title or tick label names ("in million euros" → "million €"), or None."""
    if not text:
        return None
    found = [unit for pattern, unit in _UNIT_PATTERNS if pattern.search(text)]
    if not found:
        return None
    return " ".join(dict.fromkeys(found))


def axis(title: str | None, unit: str | None, scale: str, lo: float | None, hi: float | None) -> ChartAxis:
    return ChartAxis(title=title, unit=unit, scale=scale,
                     minimum=None if lo is None else float(lo), maximum=None if hi is None else float(hi))
