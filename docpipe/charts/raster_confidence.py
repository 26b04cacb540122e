"""Confidence of raster readings: evidence → probability that a value is right.

A point's evidence (`MarkPoint.evidence`, set by the mark readers): `axis` (0-1 trust in the value
scale: labels agreeing, residual, sign repairs), `label` (1 when a printed data label gave the
value), `agree` (|label − measured| / axis range when both exist, −1 otherwise), `conflict` (a
label contradicted a trusted axis and the measurement was kept), `repaired` (a label read back to
a power of ten), `named` (the point's category label was found), `shape` (how well the mark fits
its kind, e.g. a bar's fill). The reading adds chart-level evidence: the share of mark pixels the
marks explain, rival readings, the chart family, several series.

`features` turns that into a fixed vector, `COEF` weighs it, a logistic curve maps it to a
probability. The coefficients are fitted by logistic regression (tools/chart_raster_calibrate.py)
on charts whose every value is known (vega-lite values, ChartQA source tables, scatteract points).
"Right" is what an analyst or a question needs: within 5% of the true value (ChartQA's relaxed
accuracy), or within 0.5% of the axis range for values near zero; a scatter point within 2% of
each axis' range.
"""

from __future__ import annotations

import math

import numpy as np

from docpipe.charts.model import ChartSeries
from docpipe.charts.raster_reading import MarkPoint, Reading

FEATURES = ("bias", "axis", "label", "agree_ok", "agree_bad", "conflict", "repaired", "named", "shape",
            "explained", "rivals", "multi_series", "small", "chart_agree", "chart_checked", "named_share",
            "bar", "line", "scatter", "pie", "area")

# Fitted by `python tools/chart_raster_calibrate.py fit` (logistic regression on the split part the
# reader was not developed on; see the README for the reliability table).
COEF = {
    "bias": -2.321, "axis": 2.175, "label": 1.722, "agree_ok": 0.575, "agree_bad": 1.147, "conflict": 0.0,
    "repaired": 0.079, "named": 0.0, "shape": -0.104, "explained": 1.963, "rivals": 0.0, "multi_series": -1.746,
    "small": 0.382, "chart_agree": 0.125, "chart_checked": 0.229, "named_share": 0.0, "bar": -0.105,
    "line": -1.122, "scatter": 0.686, "pie": 0.541, "area": 0.0,
}


def features(p: MarkPoint, r: Reading) -> dict[str, float]:
    """The evidence of one point of one reading as the fixed feature vector `FEATURES`."""
    ev = p.evidence
    agree = ev.get("agree", -1.0)
    family = {"stacked_bar": "bar", "grouped_bar": "bar"}.get(r.chart_type, r.chart_type)
    out = {
        "bias": 1.0,
        "axis": float(ev.get("axis", 0.0)),
        "label": float(ev.get("label", 0.0) > 0),
        "agree_ok": float(0 <= agree <= 0.03),
        "agree_bad": float(agree > 0.08 and not ev.get("conflict", 0.0)),
        "conflict": float(ev.get("conflict", 0.0)),
        "repaired": float(ev.get("repaired", 0.0)),
        "named": float(ev.get("named", 0.0)),
        "shape": float(ev.get("shape", 0.5)),
        "explained": float(min(1.0, r.explained)),
        "rivals": float(min(2, r.rivals)),
        "multi_series": float(len(r.series) > 1),
        # a measured value small against the axis range carries a large relative error
        "small": _small(p, r) if not ev.get("label", 0.0) else 0.0,
    }
    out.update(_chart_evidence(r))
    for fam in ("bar", "line", "scatter", "pie", "area"):
        out[fam] = float(family == fam)
    return out


def _chart_evidence(r: Reading) -> dict[str, float]:
    """Whole-chart consistency: the share of printed labels that agree with the measured marks
    (when any mark has both: the axis and the marks are then checked against the print), and the
    share of points whose category was found."""
    pts = [p for s in r.series for p in s.points]
    checked = [p.evidence.get("agree", -1.0) for p in pts if p.evidence.get("agree", -1.0) >= 0]
    return {
        "chart_agree": float(np.mean([a <= 0.03 for a in checked])) if checked else 0.0,
        "chart_checked": float(bool(checked)),
        "named_share": float(np.mean([p.evidence.get("named", 0.0) > 0 for p in pts])) if pts else 0.0,
    }


def _small(p: MarkPoint, r: Reading) -> float:
    """Relative size of a measurement's error bound (1% of the axis range) against the value,
    capped at 1."""
    if p.y is None or not r.value_range:
        return 1.0
    span = abs(r.value_range[1] - r.value_range[0]) or abs(p.y) or 1.0
    return float(min(1.0, 0.01 * span / max(abs(p.y), 1e-12)))


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def point_confidence(p: MarkPoint, r: Reading) -> float:
    """Probability that this point's value is right (0-1, 3 decimals)."""
    f = features(p, r)
    # a mark whose name was matched to it with a rival close by (pie labels) may carry another
    # mark's name: the value's probability times the name's certainty (raster_pie._assign_names)
    named = float(p.evidence.get("name_certainty", 1.0))
    return round(_logistic(sum(COEF[k] * f[k] for k in FEATURES)) * named, 3)


def chart_confidence(series: list[ChartSeries], r: Reading) -> float:
    """Probability that the chart was read right as a whole: the mean point confidence, capped
    by how much of the picture the marks explain."""
    confs = [p.confidence for s in series for p in s.points]
    if not confs:
        return 0.0
    return round(min(sum(confs) / len(confs), 0.5 + 0.5 * min(1.0, r.explained)), 3)
