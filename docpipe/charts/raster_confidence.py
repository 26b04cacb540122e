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
on the development part of the chart sets where every value's truth is known (vega-lite values,
ChartQA source tables, scatteract points); "right" means within 2% of the axis range (a
scatter point: of each axis' range), the issue's measure. The held-out part checks the fit.
"""

from __future__ import annotations

import math

from docpipe.charts.model import ChartSeries
from docpipe.charts.raster_reading import MarkPoint, Reading

FEATURES = ("bias", "axis", "label", "agree_ok", "agree_bad", "conflict", "repaired", "named", "shape",
            "explained", "rivals", "multi_series", "bar", "line", "scatter", "pie", "area")

# Fitted by tools/chart_raster_calibrate.py on the development charts (see the README).
COEF = {
    "bias": -2.0, "axis": 3.0, "label": 2.0, "agree_ok": 1.0, "agree_bad": -2.5, "conflict": -2.0,
    "repaired": -1.0, "named": 0.5, "shape": 1.0, "explained": 1.0, "rivals": -0.5, "multi_series": 0.0,
    "bar": 0.0, "line": 0.0, "scatter": 0.0, "pie": 0.0, "area": 0.0,
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
    }
    for fam in ("bar", "line", "scatter", "pie", "area"):
        out[fam] = float(family == fam)
    return out


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def point_confidence(p: MarkPoint, r: Reading) -> float:
    """Probability that this point's value is right (0-1, 3 decimals)."""
    f = features(p, r)
    return round(_logistic(sum(COEF[k] * f[k] for k in FEATURES)), 3)


def chart_confidence(series: list[ChartSeries], r: Reading) -> float:
    """Probability that the chart was read right as a whole: the mean point confidence, capped
    by how much of the picture the marks explain."""
    confs = [p.confidence for s in series for p in s.points]
    if not confs:
        return 0.0
    return round(min(sum(confs) / len(confs), 0.5 + 0.5 * min(1.0, r.explained)), 3)
