"""Bar charts (vertical, horizontal, stacked, grouped) from a `Scene`: bars → series of points.

Value of a bar: its far end (away from the baseline) mapped through the value axis; a stacked
segment that does not start on the baseline: far end minus near end. Without a value axis the
scale comes from the printed data labels (value = a·pixel + b fitted robustly over the labelled
bars). Categories: the phrases in the band beyond the baseline, one slot each.
"""

from __future__ import annotations

import numpy as np

from docpipe.charts.raster_bars import Bar, BarLayout, layout, rectangles
from docpipe.charts.raster_legend import LegendEntry, legend_name
from docpipe.charts.raster_occlusion import follow_under_legend
from docpipe.charts.raster_reading import MarkPoint, Reading, SeriesReading, robust_line
from docpipe.charts.raster_scene import Scene
from docpipe.charts.raster_text import TextBox
from docpipe.charts.raster_values import Anchor, match_labels, reconcile


def read_bars(scene: Scene, legend: list[LegendEntry], skip: list[tuple[int, int, int, int]]) -> Reading | None:
    """The scene read as a bar chart, or None when its marks are not bars."""
    th = scene.text_size()
    bars = [b for b in rectangles(scene.classes) if not _inside_any(b, skip)]
    # Specks the size of a text stroke, and pieces of glyphs, are not bars.
    bars = [b for b in bars if b.w * b.h >= max(12.0, 0.15 * th * th) and min(b.w, b.h) >= 2
            and scene.text_mask[b.y0:b.y1, b.x0:b.x1].mean() < 0.5]
    lay = layout(bars)
    if lay is None:
        return None
    # Bars that end at the legend are followed into it (measured through a translucent box) or,
    # where their end cannot be seen, marked hidden.
    masked = scene.text_mask.astype(np.uint8)  # 1: words; 2: legend swatches (series colours)
    for e in legend:
        x0, y0, x1, y1 = e.swatch
        masked[max(0, y0 - 1):y1 + 1, max(0, x0 - 1):x1 + 1] = 2
    hidden = follow_under_legend(scene.crop, scene.bg, masked, lay, [c.color for c in scene.classes],
                                 skip, th, scene.rules)
    bars = [b for s in lay.slots for b in s]
    explained = min(1.0, sum(b.w * b.h * b.fill for b in bars) / scene.mark_pixels())
    vertical = lay.vertical
    fit = scene.y_axis if vertical else scene.x_axis
    # An axis whose labels sit among the bars' categories is the category axis, not the value axis.
    if fit is not None and fit.n < 2:
        fit = None

    # Tick labels of the value axis are not data or categories; those of the other axis (years
    # under columns) are the categories.
    axis_labels = set()
    if fit is not None:
        axis_labels.update(id(b) for b in fit.labels)
    legend_ids = {id(e.label) for e in legend}
    free = [p for p in scene.phrases if id(p) not in legend_ids and not _in_axis(p, axis_labels, scene.boxes)]
    numeric = [p for p in free if p.number is not None]

    anchors = [_anchor(b, lay, th) for b in bars]
    labels = match_labels(anchors, numeric)

    # Value mapping: the value axis, else a scale fitted from labelled bars.
    value_fn, quality, vrange, scale_kind = None, 0.0, None, "linear"
    common = 1.0
    if fit is not None:
        value_fn = fit.value
        scale_kind = fit.scale
        vrange = (fit.vmin, fit.vmax)
        quality = _axis_quality(fit)
        scales = {b.number.scale for b in fit.labels}
        common = scales.pop() if len(scales) == 1 else 1.0
    else:
        px, val = [], []
        for i, b in enumerate(bars):
            lab = labels.get(i)
            if lab is None or _stacked_piece(b, lay, vertical):
                continue
            px.append(_far(b, lay, vertical))
            val.append(lab.number.value)
        if len(px) >= 2:
            res = robust_line(np.array(px, float), np.array(val, float), tol_frac=0.04)
            if res is not None and int(res[2].sum()) >= max(2, int(0.6 * len(px))):
                a, b0, inl = res
                value_fn = lambda p, a=a, b0=b0: a * np.asarray(p, dtype=float) + b0  # noqa: E731
                vrange = (float(min(min(val), 0.0)), float(max(max(val), 0.0)))
                quality = 0.5 + 0.1 * min(4, int(inl.sum()) - 2)
    if value_fn is None and not labels:
        return None

    slot_names = _categories(free, lay, th, set(id(x) for x in labels.values()))
    index = {id(b): i for i, b in enumerate(bars)}
    classes_seen: list[int] = []
    for s in lay.slots:
        for b in s:
            if b.cls not in classes_seen:
                classes_seen.append(b.cls)
    multi = lay.stacked or lay.grouped
    series_of = {c: (k if multi else 0) for k, c in enumerate(classes_seen)}
    n_series = len(classes_seen) if multi else 1
    points: list[list[MarkPoint]] = [[] for _ in range(n_series)]
    span = (vrange[1] - vrange[0]) if vrange else None
    for si, slot in enumerate(lay.slots):
        name = slot_names[si]
        for b in sorted(slot, key=lambda b: b.along(vertical)[0]):
            i = index[id(b)]
            measured = None
            if value_fn is not None:
                far = _far(b, lay, vertical)
                measured = float(value_fn(far))
                if _stacked_piece(b, lay, vertical):
                    measured -= float(value_fn(_near(b, lay, vertical)))
                measured /= common
            rec = reconcile(measured, labels.get(i), span / common if span else None, common,
                            trusted_axis=fit is not None and quality >= 0.65)
            if rec is None:
                continue
            ev = {"axis": quality, "shape": b.fill, "label": 1.0 if rec.source == "label" else 0.0,
                  "agree": -1.0 if rec.agreement is None else rec.agreement, "repaired": float(rec.repaired),
                  "conflict": float(rec.conflict), "named": 1.0 if name else 0.0}
            if id(b) in hidden and rec.source == "measured":
                ev["hidden"] = 1.0  # its end is behind the legend: the value is a lower bound
            x_text = name if name else str(si + 1)
            points[series_of[b.cls]].append(MarkPoint(x_text, None, rec.value, (b.x0, b.y0, b.x1, b.y1),
                                                      rec.source, ev))
    series = []
    for k in range(n_series):
        cls = classes_seen[k] if multi else classes_seen[0]
        color = scene.classes[cls].color
        name = legend_name(color, legend) if multi else None
        series.append(SeriesReading(name, scene.classes[cls].hex, points[k]))
    chart_type = "stacked_bar" if lay.stacked else "grouped_bar" if lay.grouped else "bar"
    used = [x for x in labels.values()]
    return Reading(chart_type, "vertical" if vertical else "horizontal", series, explained,
                   value_scale=scale_kind, value_range=(vrange[0] / common, vrange[1] / common) if vrange else None,
                   axis_quality=quality, used_text=used, refused=_unreliable_stacks(lay, scene, legend))


def _unreliable_stacks(lay: BarLayout, scene: Scene, legend: list[LegendEntry]) -> str:
    """Why a stacked reading cannot be trusted ('' when it can): a colour met twice on one side of
    one stack (segments split or series sharing a colour), or two stacked colours the legend gives
    one name (their series cannot be told apart)."""
    if not lay.stacked:
        return ""
    for slot in lay.slots:
        for sign in (-1, 1):
            side = [b.cls for b in slot if np.sign((b.cy if lay.vertical else b.cx) - lay.baseline) == sign]
            if len(side) != len(set(side)):
                return "stacked bars: one colour appears twice in one stack, the segments cannot be told apart"
    if legend:
        classes = sorted({b.cls for s in lay.slots for b in s})
        names = [legend_name(scene.classes[c].color, legend) for c in classes]
        named = [n for n in names if n is not None]
        if len(named) != len(set(named)):
            return "stacked bars: two segment colours match one legend entry, the series cannot be told apart"
    return ""


def _axis_quality(fit) -> float:
    q = 0.35 + 0.15 * min(4, fit.n - 2)
    q -= 0.1 * min(3, fit.outliers) + 0.1 * min(2, fit.sign_fixed)
    q -= 0.05 * max(0.0, fit.rms - 1.5)
    return float(max(0.0, min(1.0, q)))


def _inside_any(b: Bar, boxes: list[tuple[int, int, int, int]]) -> bool:
    return any(b.x0 >= x0 - 2 and b.y0 >= y0 - 2 and b.x1 <= x1 + 2 and b.y1 <= y1 + 2 for x0, y0, x1, y1 in boxes)


def _in_axis(p: TextBox, axis_ids: set[int], boxes: list[TextBox]) -> bool:
    """A phrase is an axis tick label when it is (or covers) one of the fitted labels."""
    if id(p) in axis_ids:
        return True
    for b in boxes:
        if id(b) in axis_ids and abs(b.cx - p.cx) < 1 and abs(b.cy - p.cy) < 1:
            return True
    return False


def _touches_base(b: Bar, lay: BarLayout, vertical: bool) -> bool:
    lo, hi = b.value_extent(vertical)
    tol = 3.0
    return abs(lo - lay.baseline) <= tol or abs(hi - lay.baseline) <= tol


def _stacked_piece(b: Bar, lay: BarLayout, vertical: bool) -> bool:
    return lay.stacked and not _touches_base(b, lay, vertical)


def _far(b: Bar, lay: BarLayout, vertical: bool) -> float:
    """The bar's end away from the baseline (pixel along the value axis)."""
    lo, hi = b.value_extent(vertical)
    if vertical:  # y grows downward: y1 is the pixel row after the bottom
        lo_edge, hi_edge = float(b.y0), float(b.y1)
    else:
        lo_edge, hi_edge = float(b.x0), float(b.x1)
    if abs(hi_edge - lay.baseline) <= abs(lo_edge - lay.baseline):
        return lo_edge
    return hi_edge


def _near(b: Bar, lay: BarLayout, vertical: bool) -> float:
    lo_edge, hi_edge = (float(b.y0), float(b.y1)) if vertical else (float(b.x0), float(b.x1))
    return hi_edge if _far(b, lay, vertical) == lo_edge else lo_edge


def _anchor(b: Bar, lay: BarLayout, th: float) -> Anchor:
    """Where the bar's data label would be: beyond or just inside its far end (stacked segments:
    their middle)."""
    vertical = lay.vertical
    if lay.stacked:  # stacked segments carry their label in the middle
        return Anchor(b.cx, b.cy, b.w / 2 + 0.2 * th, b.h / 2 + 0.2 * th)
    far = _far(b, lay, vertical)
    # The label stays on the bar's side of the baseline (beyond it are the category labels).
    if vertical:
        side = ("above", lay.baseline) if far < lay.baseline else ("below", lay.baseline)
        return Anchor(b.cx, far, max(b.w / 2 + 0.3 * th, 0.8 * th), 2.2 * th, side)
    side = ("right", lay.baseline) if far > lay.baseline else ("left", lay.baseline)
    return Anchor(far, b.cy, 3.5 * th, max(b.h / 2 + 0.2 * th, 0.7 * th), side)


def _categories(free: list[TextBox], lay: BarLayout, th: float, used: set[int]) -> list[str | None]:
    """One category name per slot from the phrases beyond the baseline (None where none is found)."""
    vertical = lay.vertical
    ext = [(min(b.along(vertical)[0] for b in s), max(b.along(vertical)[1] for b in s)) for s in lay.slots]
    pitch = np.median(np.diff([(a + b) / 2 for a, b in ext])) if len(ext) > 1 else (ext[0][1] - ext[0][0]) * 2
    names: list[str | None] = []
    cands = [p for p in free if id(p) not in used]
    bars = [b for s in lay.slots for b in s]
    # Categories sit beyond the baseline, or beyond the bars' far ends when some go negative
    # (the labels then stay at the bottom / left of the plot).
    if vertical:
        lowest = max([lay.baseline] + [b.y1 for b in bars])
    else:
        leftmost = min([lay.baseline] + [b.x0 for b in bars])
    for a, b in ext:
        mid = (a + b) / 2
        half = max((b - a) / 2, 0.5 * pitch)
        if vertical:
            row = [p for p in cands if p.cy > lay.baseline - 2 and abs(p.cx - mid) <= half and
                   p.y0 < lowest + 6 * th and not _overlaps_bar(p, bars)]
            row.sort(key=lambda p: (p.y0 < lowest - 2, p.y0))
        else:
            row = [p for p in cands if p.cx < lay.baseline + 2 and abs(p.cy - mid) <= half and
                   p.x1 > leftmost - 40 * th and not _overlaps_bar(p, bars)]
            row.sort(key=lambda p: (p.x1 > leftmost + 2, -p.x1))
        if not row:
            names.append(None)
            continue
        first = row[0]
        parts = [first]
        for p in row[1:]:
            # further lines of a wrapped label: stacked under/over the first, overlapping it
            if (vertical and not p.vertical and not first.vertical and 0 <= p.y0 - parts[-1].y1 < 0.5 * th
                    and abs(p.cx - mid) <= half and 0.7 < p.h / max(first.h, 1.0) < 1.4):
                parts.append(p)
            elif not vertical and abs(p.x1 - first.x1) < 1.5 * th and abs(p.cy - first.cy) < 2.5 * th \
                    and p is not first:
                parts.append(p)
        parts.sort(key=lambda p: (p.y0, p.x0))
        names.append(" ".join(p.text for p in parts))
    return names


def _overlaps_bar(p: TextBox, bars: list[Bar]) -> bool:
    """A phrase printed on a bar is a data label, not a category."""
    return any(b.x0 <= p.cx <= b.x1 and b.y0 <= p.cy <= b.y1 for b in bars)
