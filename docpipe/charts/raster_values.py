"""Printed data labels against measured geometry: which label belongs to which mark, which value wins.

A data label is a number printed at a mark (above or inside a bar's end, beside a line vertex,
inside a pie sector). Labels are matched one-to-one to marks by distance from each mark's label
anchor. A matched label's value wins over the measured one; the two cross-check each other: when
they disagree by more than a few percent of the axis range the point's confidence drops. A label
that lost its decimal point in OCR ("17%" for 1.7%) is read back when exactly one power of ten
brings it onto the measured value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from docpipe.charts.raster_text import TextBox


@dataclass
class Anchor:
    """Where a mark's label would be printed, in crop pixels, and how far from it one may sit.

    `x`, `y`: the anchor point; `rx`, `ry`: half-sizes of the box around it a label centre must
    fall in (the mark's own extent plus a margin)."""

    x: float
    y: float
    rx: float
    ry: float
    side: tuple[str, float] | None = None  # ("above"|"below"|"left"|"right", pixel): label centre must lie there

    def admits(self, lab: TextBox) -> bool:
        if self.side is None:
            return True
        where, at = self.side
        return {"above": lab.cy < at, "below": lab.cy > at, "left": lab.cx < at, "right": lab.cx > at}[where]


def match_labels(anchors: list[Anchor], labels: list[TextBox]) -> dict[int, TextBox]:
    """Mark index → its data label: greedy one-to-one matching, nearest (normalised) first."""
    pairs = []
    for i, a in enumerate(anchors):
        for j, lab in enumerate(labels):
            dx = abs(lab.cx - a.x) / max(a.rx, 1.0)
            dy = abs(lab.cy - a.y) / max(a.ry, 1.0)
            if dx <= 1.0 and dy <= 1.0 and a.admits(lab):
                pairs.append((dx * dx + dy * dy, i, j))
    pairs.sort()
    used_i: set[int] = set()
    used_j: set[int] = set()
    out: dict[int, TextBox] = {}
    for _, i, j in pairs:
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        out[i] = labels[j]
    return out


@dataclass
class Reconciled:
    value: float
    source: str  # "label" | "measured"
    agreement: float | None  # |label - measured| / axis range, when both exist
    repaired: bool = False  # the label was read back to a power of ten
    conflict: bool = False  # a label was found but contradicts a trusted axis; the measurement was kept


CONFLICT = 0.12
"""A label further than this share of the axis range from a measurement on a trusted axis is not
this mark's value as printed (a misread or misassigned label): the measurement is kept."""


def reconcile(measured: float | None, label: TextBox | None, value_range: float | None,
              common_scale: float = 1.0, trusted_axis: bool = False) -> Reconciled | None:
    """The value a mark gets from its measured value and its printed label (either may be missing).

    `value_range` is the value axis' range (same units as `measured`); `common_scale` the
    magnitude factor the axis labels share (labels printed without it are compared after it).
    The label wins unless it contradicts a trusted axis by more than `CONFLICT` of the range.
    """
    if label is None or label.number is None:
        return None if measured is None else Reconciled(float(measured), "measured", None)
    printed = label.number.value
    full = label.number.full
    if measured is None or not value_range:
        return Reconciled(float(full / common_scale if label.number.scale != 1.0 else printed), "label", None)
    options = [full / common_scale if label.number.scale != 1.0 else printed]
    if label.number.decimals == 0 and "." not in label.text and abs(printed) >= 10:
        options += [printed / 10.0, printed / 100.0]
    errs = [abs(o - measured) / value_range for o in options]
    k = int(np.argmin(errs))
    if k > 0 and errs[0] > 0.08 and errs[k] < 0.03:
        return Reconciled(float(options[k]), "label", float(errs[k]), repaired=True)
    if trusted_axis and errs[0] > CONFLICT:
        return Reconciled(float(measured), "measured", float(errs[0]), conflict=True)
    return Reconciled(float(options[0]), "label", float(errs[0]))
