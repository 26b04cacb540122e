"""Value axes of a raster chart: numeric tick labels → a robust pixel→value mapping.

A value axis shows itself as a column (y axis) or a row (x axis) of numeric tick labels, aligned
on one edge or on their centres, evenly spaced in value (linear) or in the logarithm of the
value (log). The mapping is fitted robustly (every pair of labels proposes a line, the one most
labels agree with wins, then least squares on those), so a misread label is an outlier, not an
error. OCR often drops a minus sign; a label printed without a sign may therefore take either
sign when that makes the labels agree (a row "700 600 … 0" increasing leftwards becomes
"−700 … 0"), and an axis increasing left/downwards is only accepted when the labels say so.

Positions are crop pixels (x right, y down). A label's centre is taken as its tick position.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from docpipe.charts.raster_text import TextBox


@dataclass
class AxisFit:
    """value = a * pixel + b (linear) or log10(value) = a * pixel + b (log) along one direction.

    `direction` is "y" (a vertical axis: labels in a column, pixel = y) or "x" (a row, pixel = x).
    `labels` are the tick labels the fit agrees with, `values` their (possibly sign-corrected)
    values and `positions` their pixel positions; `rms` is the residual in pixels.
    """

    direction: str
    scale: str
    a: float
    b: float
    labels: list[TextBox]
    values: list[float]
    positions: list[float]
    rms: float
    outliers: int = 0
    sign_fixed: int = 0
    extra: dict = field(default_factory=dict)

    def value(self, pixel: float | np.ndarray) -> float | np.ndarray:
        v = self.a * np.asarray(pixel, dtype=float) + self.b
        return 10.0 ** v if self.scale == "log" else v

    def pixel(self, value: float) -> float:
        v = math.log10(value) if self.scale == "log" else value
        return (v - self.b) / self.a

    @property
    def vmin(self) -> float:
        return min(self.values)

    @property
    def vmax(self) -> float:
        return max(self.values)

    @property
    def span_px(self) -> float:
        return max(self.positions) - min(self.positions)

    @property
    def lo(self) -> float:
        """Smallest pixel position of a fitted label."""
        return min(self.positions)

    @property
    def hi(self) -> float:
        return max(self.positions)

    def value_range(self) -> float:
        """Range the labels span (in value units; log axes: decades)."""
        if self.scale == "log":
            return math.log10(self.vmax) - math.log10(self.vmin)
        return self.vmax - self.vmin

    @property
    def n(self) -> int:
        return len(self.labels)

    def ticks(self, lo_px: float, hi_px: float) -> list[tuple[float, float, str]]:
        """(pixel, value, text) of every tick of the labels' progression between two pixels,
        including ticks whose label OCR missed (text then formatted from the value)."""
        vals = sorted(set(self.values))
        if len(vals) < 2:
            return []
        printed = {round(v, 9): b.text for v, b in zip(self.values, self.labels, strict=True)}
        if self.scale == "log":
            steps = np.diff(np.log10(vals))
            step = float(np.min(steps))
            base = math.log10(vals[0])
            to_value = lambda k: 10.0 ** (base + k * step)  # noqa: E731
        else:
            step = float(np.min(np.diff(vals)))
            base = vals[0]
            to_value = lambda k: base + k * step  # noqa: E731
        if step <= 0:
            return []
        p_step = abs(self.a) and abs(step / self.a)
        if not p_step or p_step < 3:
            return []
        out = []
        k_lo = -int((abs(hi_px - lo_px) / p_step) + 2)
        for k in range(k_lo, -k_lo + len(vals) + 2):
            v = to_value(k)
            px = self.pixel(v)
            if lo_px - 1 <= px <= hi_px + 1:
                v = round(v, 9)
                out.append((px, v, printed.get(v, f"{v:.6g}")))
        return sorted(out)


def _groups(boxes: list[TextBox], direction: str, tol: float) -> list[list[TextBox]]:
    """Sets of labels aligned for an axis: a column (same right edge, left edge or centre x) for
    a y axis, a row (same centre y) for an x axis."""
    keys = ((lambda b: b.x1), (lambda b: b.x0), (lambda b: b.cx)) if direction == "y" else ((lambda b: b.cy),)
    found: list[list[TextBox]] = []
    seen: set[frozenset[int]] = set()
    for key in keys:
        ordered = sorted(boxes, key=key)
        i = 0
        while i < len(ordered):
            j = i + 1
            while j < len(ordered) and key(ordered[j]) - key(ordered[j - 1]) <= tol:
                j += 1
            group = ordered[i:j]
            ids = frozenset(id(b) for b in group)
            if len(group) >= 2 and ids not in seen:
                seen.add(ids)
                found.append(group)
            i = j
    return found


def _candidates(value: float, signed: bool) -> list[tuple[float, bool]]:
    """(value, sign_flipped) options for one label: a label printed without a sign may have lost it."""
    if signed or value == 0:
        return [(value, False)]
    return [(value, False), (-value, True)]


def _power_of_ten(v: float) -> bool:
    return v > 0 and abs(math.log10(v) - round(math.log10(v))) < 1e-9


def tick_x(b: TextBox) -> float:
    """Where an x-axis tick label's tick is: its centre, or near the right end of a label printed
    turned (about 45°: a box about as tall as wide for several characters), which ends at its tick."""
    if len(b.text) >= 3 and b.w < 1.6 * b.h and b.h > 0 and b.w < TURNED_WIDTH_PER_CHAR * len(b.text) * b.h:
        return b.x1 - 0.25 * min(b.w, b.h)
    return b.cx


TURNED_WIDTH_PER_CHAR = 0.38
"""An upright number's box is about 0.45 of its height wide per character (OCR pads the height);
one printed at 45° is about as wide as tall whatever its length, i.e. 1/n of its height per
character for n characters: under this share per character a label is taken as turned."""


def fit_axis(labels: list[TextBox], direction: str, allow_log: bool = True) -> AxisFit | None:
    """The best pixel→value mapping these aligned labels support, or None.

    Needs two labels at distinct positions with distinct values; three or more agreeing labels
    make a trustworthy axis (the caller reads `n`, `rms`, `outliers`).
    """
    labels = [b for b in labels if b.number is not None]
    if len(labels) < 2:
        return None
    if direction == "y":
        return _fit_at(labels, np.array([b.cy for b in labels]), direction, allow_log)
    # An x label whose box is about square may be printed turned (its tick at its right end) or be
    # a short label in a tall OCR box (its tick at its centre): fit both ways and keep the one more
    # labels agree with; on a tie (every label shifted alike fits as well) the boxes' shape decides
    # (`tick_x`): residuals cannot, a turned label's tick offset varies with its box.
    centred = _fit_at(labels, np.array([b.cx for b in labels]), direction, allow_log)
    turned_pos = np.array([tick_x(b) for b in labels])
    if np.allclose(turned_pos, [b.cx for b in labels]):
        return centred
    turned = _fit_at(labels, turned_pos, direction, allow_log)
    if centred is None or turned is None:
        return centred or turned
    return turned if turned.n >= centred.n else centred


def _fit_at(labels: list[TextBox], pos: np.ndarray, direction: str, allow_log: bool) -> AxisFit | None:
    """`fit_axis` with each label's tick position given (crop pixels along the axis)."""
    size = float(np.median([b.h for b in labels]))
    tol = max(2.5, 0.3 * size)
    best: tuple | None = None
    for scale in ("linear", "log") if allow_log else ("linear",):
        raw = [b.number.full for b in labels]
        if scale == "log" and any(v <= 0 for v in raw):
            continue
        options = [_candidates(v, b.number.signed) if scale == "linear" else [(math.log10(v), False)]
                   for v, b in zip(raw, labels, strict=True)]
        for i, j in itertools.combinations(range(len(labels)), 2):
            if abs(pos[i] - pos[j]) < 2 * tol:
                continue
            for (vi, fi), (vj, fj) in itertools.product(options[i], options[j]):
                if vi == vj:
                    continue
                a = (vi - vj) / (pos[i] - pos[j])
                b = vi - a * pos[i]
                chosen, flips, err = [], 0, 0.0
                for k in range(len(labels)):
                    d_best, f_best = None, False
                    for vk, fk in options[k]:
                        d = abs((vk - b) / a - pos[k])
                        if d < tol and (d_best is None or d < d_best - 1e-9 or (abs(d - d_best) < 1e-9 and not fk)):
                            d_best, f_best = d, fk
                    if d_best is not None:
                        chosen.append((k, f_best))
                        flips += f_best
                        err += d_best
                if len(chosen) < 2:
                    continue
                # Values grow rightwards / upwards unless the printed signs say otherwise.
                natural = (a > 0) if direction == "x" else (a < 0)
                # Two labels that are powers of ten a decade or more apart (100, 1000) are a log
                # axis: a linear one would not label only those.
                prefer_linear = scale == "linear"
                if len(chosen) == 2 and all(_power_of_ten(labels[k].number.full) for k, _ in chosen):
                    prefer_linear = scale != "linear"
                key = (len(chosen), natural, -flips, prefer_linear, -err)
                if best is None or key > best[0]:
                    best = (key, scale, chosen)
    if best is None:
        return None
    _, scale, chosen = best
    idx = [k for k, _ in chosen]
    vals = []
    for k, flipped in chosen:
        v = labels[k].number.full
        vals.append(-v if flipped else v)
    p = pos[idx]
    y = np.log10(vals) if scale == "log" else np.array(vals)
    if len(set(np.round(y, 12))) < 2:
        return None
    a, b = np.polyfit(p, y, 1)
    rms = float(np.sqrt(np.mean(((y - b) / a - p) ** 2)))
    return AxisFit(direction, scale, float(a), float(b), [labels[k] for k in idx], vals, [float(x) for x in p],
                   rms, outliers=len(labels) - len(idx), sign_fixed=sum(f for _, f in chosen))


def snap_to_rules(fit: AxisFit, rules) -> AxisFit:
    """Move the fitted label positions onto the gridlines / axis-parallel rules they label, when
    every label (at least three) has one within a third of its size; refit. Label centres are off
    their ticks by OCR box noise; rules are exact."""
    want_horizontal = fit.direction == "y"
    lines = [r.pos for r in rules if r.horizontal == want_horizontal]
    if fit.n < 3 or not lines:
        return fit
    lines_a = np.array(lines)
    snapped = []
    for lab, p in zip(fit.labels, fit.positions, strict=True):
        size = lab.h if fit.direction == "y" else lab.w
        d = np.abs(lines_a - p)
        k = int(np.argmin(d))
        if d[k] > max(2.0, size / 3):
            return fit
        snapped.append(float(lines_a[k]))
    if len(set(snapped)) < len(snapped):
        return fit
    y = np.log10(fit.values) if fit.scale == "log" else np.array(fit.values)
    a, b = np.polyfit(snapped, y, 1)
    rms = float(np.sqrt(np.mean(((y - b) / a - np.array(snapped)) ** 2)))
    if rms > max(1.0, fit.rms):
        return fit
    return AxisFit(fit.direction, fit.scale, float(a), float(b), fit.labels, fit.values, snapped, rms,
                   outliers=fit.outliers, sign_fixed=fit.sign_fixed, extra={**fit.extra, "snapped": True})


def snap_to_ticks(fit: AxisFit, crop: np.ndarray, bg: np.ndarray) -> AxisFit:
    """Move the label positions onto the tick marks beside them (short strokes between the labels
    and the axis line), when at least three labels have one at a consistent offset; refit.

    A label's box centre is off its tick by a pixel or so (box padding, OCR noise); the tick is
    drawn at the exact value. Labels of a y axis look sideways towards the plot, those of an x axis
    up (or down) towards it.
    """
    if fit.n < 3 or fit.extra.get("snapped"):
        return fit
    from docpipe.charts.raster_image import color_distance

    h, w = crop.shape[:2]
    ink = color_distance(crop, bg) > 60
    cx_mid = np.mean([b.cx for b in fit.labels])
    cy_mid = np.mean([b.cy for b in fit.labels])
    found: list[float | None] = []
    for lab, pos in zip(fit.labels, fit.positions, strict=True):
        size = max(lab.h, 4.0)
        if fit.direction == "y":
            right = cx_mid < w / 2
            x0 = int(lab.x1) + 1 if right else int(lab.x0 - 1.5 * size)
            x1 = int(lab.x1 + 1.5 * size) if right else int(lab.x0) - 1
            y0, y1 = int(pos - 0.7 * size), int(pos + 0.7 * size) + 1
            strip = ink[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
            if strip.size == 0:
                found.append(None)
                continue
            strip = strip[:, strip.mean(axis=0) < 0.8]  # drop the axis line running through
            prof = strip.sum(axis=1)
            base = max(0, y0)
        else:
            down = cy_mid > h / 2
            y0 = int(lab.y0 - 1.5 * size) if down else int(lab.y1) + 1
            y1 = int(lab.y0) - 1 if down else int(lab.y1 + 1.5 * size)
            x0, x1 = int(pos - 0.7 * size), int(pos + 0.7 * size) + 1
            strip = ink[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
            if strip.size == 0:
                found.append(None)
                continue
            strip = strip[strip.mean(axis=1) < 0.8, :]
            prof = strip.sum(axis=0)
            base = max(0, x0)
        rows = np.nonzero(prof >= 2)[0]
        if len(rows) == 0 or len(rows) > 4 or rows[-1] - rows[0] > 3:
            found.append(None)
            continue
        weights = prof[rows[0]:rows[-1] + 1].astype(float)
        found.append(base + rows[0] + float((np.arange(len(weights)) * weights).sum() / weights.sum()) + 0.5)
    pairs = [(f, p) for f, p in zip(found, fit.positions, strict=True) if f is not None]
    if len(pairs) < 3:
        return fit
    offsets = np.array([f - p for f, p in pairs])
    if offsets.std() > 1.0 or abs(offsets.mean()) > 0.5 * np.median([b.h for b in fit.labels]):
        return fit
    snapped = [f if f is not None else p + float(offsets.mean()) for f, p in zip(found, fit.positions, strict=True)]
    y = np.log10(fit.values) if fit.scale == "log" else np.array(fit.values)
    a, b = np.polyfit(snapped, y, 1)
    rms = float(np.sqrt(np.mean(((y - b) / a - np.array(snapped)) ** 2)))
    if rms > max(1.0, fit.rms):
        return fit
    return AxisFit(fit.direction, fit.scale, float(a), float(b), fit.labels, fit.values, snapped, rms,
                   outliers=fit.outliers, sign_fixed=fit.sign_fixed, extra={**fit.extra, "snapped": "ticks"})


def find_value_axes(boxes: list[TextBox], width: int, height: int,
                    rules: list | None = None) -> tuple[AxisFit | None, AxisFit | None]:
    """The best y (vertical) and x (horizontal) value axes the numeric labels support.

    Returns (y_axis, x_axis); either may be None. An axis needs at least two labels that agree;
    the caller decides what a two-label axis is worth. `rules` (straight lines of the chart,
    `raster_image.Rule`) let an x axis drawn across the middle of the plot be told from a row of
    data labels.
    """
    numeric = [b for b in boxes if b.number is not None and not b.vertical]
    if not numeric:
        return None, None
    size = float(np.median([b.h for b in numeric]))
    out: list[AxisFit | None] = []
    for direction in ("y", "x"):
        best, best_key = None, None
        # a label is the tick of one axis: the y axis' labels are not offered to the x axis
        taken = {id(b) for b in out[0].labels} if out and out[0] is not None else set()
        for group in _groups([b for b in numeric if id(b) not in taken], direction, tol=max(3.0, 0.45 * size)):
            fit = fit_axis(group, direction)
            if fit is None or fit.n < 2:
                continue
            spread = fit.span_px / (height if direction == "y" else width)
            if spread < 0.15:
                continue
            if direction == "x" and out[0] is not None and _inside_value_span(fit, out[0], size) \
                    and not _beside_axis_line(fit, rules or [], size, width) and not _tick_progression(fit):
                continue
            key = (fit.n, spread, -fit.rms)
            if best_key is None or key > best_key:
                best, best_key = fit, key
        out.append(best)
    return out[0], out[1]


def _tick_progression(fit: AxisFit) -> bool:
    """Three or more labels, none sign-repaired (one misread label left out when four or more
    agree), whose values step by one amount (or whole multiples of it, where OCR missed a tick) as
    they go right: what a row of tick labels prints. Data labels of a line at one height do not."""
    if fit.n < 3 or fit.sign_fixed or fit.outliers > (1 if fit.n >= 4 else 0):
        return False
    vals = [v for _, v in sorted(zip(fit.positions, fit.values, strict=True))]
    steps = np.diff(vals)
    if np.any(steps <= 0):
        return False
    base = float(steps.min())
    ratios = steps / base
    return bool(np.all(np.abs(ratios - np.round(ratios)) < 0.02))


def _beside_axis_line(x_fit: AxisFit, rules: list, size: float, width: int) -> bool:
    """The row runs beside a long horizontal rule (an axis line drawn across the plot, its tick
    labels half a text height to two and a half away from it). Data labels of a line at one
    height have no such rule, and labels a gridline runs through sit on it, not beside it."""
    row = float(np.median([b.cy for b in x_fit.labels]))
    return any(r.horizontal and r.length >= 0.4 * width and 0.5 * size <= abs(row - r.pos) <= 2.5 * size
               for r in rules)


def _inside_value_span(x_fit: AxisFit, y_fit: AxisFit, size: float) -> bool:
    """A row of numbers inside the plot (data labels of a line at one height) is not an x axis: an
    x axis' labels sit beyond the y axis' labelled span, or on its zero (an axis drawn through
    the middle of the plot). True when the row lies more than a text height inside the span of the
    y tick labels and away from the zero line."""
    row = float(np.median([b.cy for b in x_fit.labels]))
    if not (y_fit.lo + size < row < y_fit.hi - size):
        return False
    if y_fit.scale == "linear" and y_fit.vmin < 0 < y_fit.vmax:
        return abs(row - y_fit.pixel(0.0)) > 2 * size
    return True


def second_value_axis(boxes: list[TextBox], width: int, height: int, y_axis: AxisFit | None) -> AxisFit | None:
    """A second y axis on the other side of the plot with its own scale (a dual-axis chart), or
    None. It needs three or more agreeing labels spanning a fifth of the height, on the opposite
    half of the crop from `y_axis`, and a mapping that differs from `y_axis`' (not the same axis
    printed on both sides): some label value maps more than 2% of the range away."""
    if y_axis is None:
        return None
    numeric = [b for b in boxes if b.number is not None and not b.vertical and b not in y_axis.labels]
    if len(numeric) < 3:
        return None
    size = float(np.median([b.h for b in numeric]))
    left = np.mean([b.cx for b in y_axis.labels]) < width / 2
    best = None
    for group in _groups(numeric, "y", tol=max(3.0, 0.45 * size)):
        side = [b for b in group if (b.cx > width / 2) == left]
        fit = fit_axis(side, "y") if len(side) >= 3 else None
        if fit is None or fit.n < 3 or fit.span_px < 0.2 * height:
            continue
        if best is None or fit.n > best.n:
            best = fit
    if best is None:
        return None
    span = abs(y_axis.value_range()) or 1.0
    same = all(abs(float(y_axis.value(p)) - v) <= 0.02 * span for p, v in zip(best.positions, best.values, strict=True))
    return None if same else best
