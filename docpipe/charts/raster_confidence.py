"""Confidence of raster readings: evidence → probability that a value is right.

A point's evidence (see `MarkPoint.evidence`): `axis` (0-1 trust in the value scale: labels
agreeing, residual, sign repairs), `label` (1 when a printed data label gave the value), `agree`
(|label − measured| / axis range when both exist, −1 otherwise), `repaired` (a label read back to
a power of ten), `named` (the category label was found), mark-specific shape scores.

The evidence is combined linearly and mapped through a logistic curve; the coefficients are
fitted on the development part of the chart sets (tools/chart_raster_eval.py, "right" = within 2 %
of the axis range / the printed value) and checked on the held-out part.
"""

from __future__ import annotations

import math

from docpipe.charts.model import ChartSeries
from docpipe.charts.raster_reading import MarkPoint, Reading

# Fitted by tools/chart_raster_eval.py --calibrate on the development charts (see README).
COEF = {
    "bias": -2.0,
    "axis": 3.0,
    "label": 2.0,
    "agree_ok": 1.0,  # label and measurement agree within 3 % of the range
    "agree_bad": -2.5,  # they disagree by more than 8 %
    "repaired": -1.0,
    "named": 0.5,
    "shape": 1.0,
    "explained": 1.0,
}


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def point_confidence(p: MarkPoint, r: Reading) -> float:
    """Probability that this point's value is right (0-1, rounded to 3 decimals)."""
    ev = p.evidence
    z = COEF["bias"] + COEF["axis"] * ev.get("axis", 0.0) + COEF["explained"] * min(1.0, r.explained)
    if ev.get("label", 0.0) > 0:
        z += COEF["label"]
    agree = ev.get("agree", -1.0)
    if agree >= 0:
        if agree <= 0.03:
            z += COEF["agree_ok"]
        elif agree > 0.08:
            z += COEF["agree_bad"]
    z += COEF["repaired"] * ev.get("repaired", 0.0)
    z += COEF["named"] * ev.get("named", 0.0)
    z += COEF["shape"] * (ev.get("fill", ev.get("shape", 0.5)) - 0.5)
    return round(_logistic(z), 3)


def chart_confidence(series: list[ChartSeries], r: Reading) -> float:
    """Probability that the chart was read right as a whole: the mean point confidence, capped
    by how much of the picture the marks explain."""
    confs = [p.confidence for s in series for p in s.points]
    if not confs:
        return 0.0
    return round(min(sum(confs) / len(confs), 0.5 + 0.5 * min(1.0, r.explained)), 3)
