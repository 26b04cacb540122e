"""Line, scatter and area charts from a `Scene`: one series per mark colour.

x positions come from the x axis: numeric tick labels (a fitted axis, values at any pixel) or
category labels (a row of phrases under the plot, one position each). A line is sampled at the
category positions, or, on a numeric axis, at its vertices (Ramer–Douglas–Peucker) unless the
vertices all sit on tick positions (then at every tick inside the line). Scatter markers are
connected components (merged markers split by k-means); an area is read along its upper edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from docpipe.charts.raster_legend import LegendEntry, legend_name
from docpipe.charts.raster_reading import MarkPoint, Reading, SeriesReading, robust_line
from docpipe.charts.raster_scene import Scene
from docpipe.charts.raster_text import TextBox
from docpipe.charts.raster_traces import analyse, blobs, line_markers, rdp, trace, vertex_y
from docpipe.charts.raster_values import Anchor, match_labels, reconcile


@dataclass
class XPos:
    px: float
    text: str
    value: float | None


def read_xy(scene: Scene, legend: list[LegendEntry], skip: list[tuple[int, int, int, int]]) -> Reading | None:
    """The scene read as a line, scatter or area chart, or None."""
    th = scene.text_size()
    win = scene.window
    keep = ~cv2.dilate(scene.text_mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    for x0, y0, x1, y1 in skip:
        keep[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = False
    keep &= ~tick_marks(scene)
    shapes = []
    for k, c in enumerate(scene.classes):
        if scene.is_text_color(k):
            continue
        m = c.mask & keep
        sh = analyse(m, win.w, win.h, th)
        if sh.kind != "none":
            shapes.append((k, m, sh))
    if not shapes:
        return None
    mass: dict[str, int] = {}
    for k, m, sh in shapes:
        mass[sh.kind] = mass.get(sh.kind, 0) + int(m.sum())
    for kind in sorted(mass, key=mass.get, reverse=True):
        chosen = [(k, m, sh) for k, m, sh in shapes if sh.kind == kind]
        explained = min(1.0, mass[kind] / scene.mark_pixels())
        r = _read_kind(scene, legend, kind, chosen, explained)
        if r is not None and r.n_points():
            return r
    return None


def _read_kind(scene: Scene, legend: list[LegendEntry], kind: str, chosen, explained: float) -> Reading | None:
    th = scene.text_size()
    win = scene.window

    xpos, numeric_x = _x_positions(scene, th)
    yfit = scene.y_axis
    used_ids = set()
    for f in (scene.x_axis, scene.y_axis):
        if f is not None:
            used_ids |= {id(b) for b in f.labels}
    legend_ids = {id(e.label) for e in legend}
    free_numbers = [p for p in scene.phrases if p.number is not None and id(p) not in legend_ids
                    and not _is_axis(p, used_ids, scene.boxes) and win.x0 - th <= p.cx <= win.x1 + th
                    and p.cy <= win.y1]

    raw: list[tuple[int, list[tuple[float, float, XPos | None, tuple]]]] = []
    for k, m, sh in chosen:
        if kind == "scatter":
            pts = [(cx, cy, _nearest_x(cx, xpos, numeric_x), box) for cx, cy, box, _ in blobs(m)]
        else:
            pts = _sample_line(m, sh, xpos, numeric_x, scene, area=kind == "area")
        if pts:
            raw.append((k, pts))
    if kind == "scatter":
        raw = _dedupe_markers(raw, [float(np.abs(scene.classes[k].color - scene.bg).sum()) for k, _ in raw])
    if not raw:
        return None

    # Data labels beside the marks (lines and areas; scatter labels are rare and ambiguous).
    flat = [(si, j, p) for si, (_, pts) in enumerate(raw) for j, p in enumerate(pts)]
    labels: dict[int, TextBox] = {}
    if kind != "scatter" and free_numbers:
        pitch = _pitch(xpos) or 4 * th
        anchors = [Anchor(p[0], p[1], max(1.2 * th, 0.4 * pitch), 2.6 * th) for _, _, p in flat]
        labels = match_labels(anchors, free_numbers)

    value_fn, quality, vrange, scale_kind, common = None, 0.0, None, "linear", 1.0
    if yfit is not None:
        value_fn, scale_kind, vrange = yfit.value, yfit.scale, (yfit.vmin, yfit.vmax)
        quality = _axis_quality(yfit)
        scales = {b.number.scale for b in yfit.labels}
        common = scales.pop() if len(scales) == 1 else 1.0
    elif len(labels) >= 2:
        py = np.array([flat[i][2][1] for i in labels], float)
        vals = np.array([labels[i].number.value for i in labels], float)
        res = robust_line(py, vals, tol_frac=0.04)
        if res is not None and int(res[2].sum()) >= max(2, int(0.6 * len(py))):
            a, b0, inl = res
            value_fn = lambda p, a=a, b0=b0: a * np.asarray(p, dtype=float) + b0  # noqa: E731
            vrange = (float(vals.min()), float(vals.max()))
            quality = 0.45 + 0.1 * min(4, int(inl.sum()) - 2)
    if value_fn is None and not labels:
        return None
    x_quality = 1.0
    if kind == "scatter" and numeric_x:
        x_quality = _axis_quality(scene.x_axis)
    span = (vrange[1] - vrange[0]) / common if vrange else None

    series: list[SeriesReading] = []
    for si, (k, pts) in enumerate(raw):
        out = []
        for j, (px, py, xp, box) in enumerate(pts):
            fi = next(i for i, (s2, j2, _) in enumerate(flat) if s2 == si and j2 == j)
            measured = float(value_fn(py)) / common if value_fn is not None else None
            rec = reconcile(measured, labels.get(fi), span, common, trusted_axis=yfit is not None and quality >= 0.65)
            if rec is None:
                continue
            if numeric_x and scene.x_axis is not None:
                xv = float(scene.x_axis.value(px)) if xp is None or xp.value is None else xp.value
                xt = xp.text if xp is not None else _fmt(xv)
            else:
                if xp is None:
                    continue
                xv, xt = xp.value, xp.text
            ev = {"axis": quality * (x_quality if kind == "scatter" else 1.0), "label": float(rec.source == "label"),
                  "agree": -1.0 if rec.agreement is None else rec.agreement, "repaired": float(rec.repaired),
                  "conflict": float(rec.conflict), "named": 1.0, "shape": 0.8}
            out.append(MarkPoint(xt, xv, rec.value, box, rec.source, ev))
        color = scene.classes[k].color
        name = legend_name(color, legend)
        series.append(SeriesReading(name, scene.classes[k].hex, out))
    chart_type = {"line": "line", "scatter": "scatter", "area": "area"}[kind]
    xr = (scene.x_axis.vmin, scene.x_axis.vmax) if numeric_x and scene.x_axis is not None else None
    return Reading(chart_type, None, series, explained, value_scale=scale_kind,
                   value_range=(vrange[0] / common, vrange[1] / common) if vrange else None,
                   category_scale=(scene.x_axis.scale if numeric_x and scene.x_axis is not None else "category"),
                   category_range=xr, axis_quality=quality, used_text=list(labels.values()))


def tick_marks(scene: Scene) -> np.ndarray:
    """Pixels of axis tick marks, which scatter reading must not take for markers (bool H×W).

    A tick mark is a short thin stroke (at most 3 px across, at most 2.5 text heights long; a dot
    of at most 4 px counts either way) that crosses or touches a rule perpendicular to it (an axis
    line, a frame), or is one of three or more identical strokes on one line (a row of ticks), or
    sits at a fitted axis' tick position beside its labels.
    """
    th = scene.text_size()
    out = np.zeros(scene.candidates.shape, dtype=bool)
    cand = scene.candidates & ~scene.text_mask
    n, lab, stats, _ = cv2.connectedComponentsWithStats(cand.astype(np.uint8), connectivity=8)
    strokes = []  # (component, x, y, w, h, vertical)
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if max(w, h) > 2.5 * th or min(w, h) > 3:
            continue
        if max(w, h) <= 4:
            strokes += [(i, x, y, w, h, True), (i, x, y, w, h, False)]
        elif max(w, h) >= 2 * min(w, h):
            strokes.append((i, x, y, w, h, h > w))
    if not strokes:
        return out
    # strokes of one size on one line (bucketed by 2 px): a row of ticks
    rows: dict[tuple, int] = {}
    for _, x, y, w, h, vertical in strokes:
        line = x + w / 2 if not vertical else y + h / 2
        key = (vertical, w, h, int(line // 2))
        rows[key] = rows.get(key, 0) + 1
    fits = {"x": scene.x_axis, "y": scene.y_axis}
    tick_pos = {}
    for d, fit in fits.items():
        if fit is not None and fit.n >= 2:
            tick_pos[d] = np.array([t[0] for t in fit.ticks(0, scene.w if d == "x" else scene.h)] or fit.positions)
    for i, x, y, w, h, vertical in strokes:
        hit = False
        for r in scene.rules:
            if r.horizontal == vertical:  # perpendicular rule
                lo, hi = (y, y + h) if vertical else (x, x + w)
                along = x + w / 2 if vertical else y + h / 2
                if lo - 3 <= r.pos <= hi + 3 and r.start - 3 <= along <= r.end + 3:
                    hit = True
                    break
        if not hit and _near_edge(x, y, w, h, scene.window, 1.5 * th):
            line = x + w / 2 if not vertical else y + h / 2
            hit = sum(rows.get((vertical, w + dw, h + dh, int(line // 2) + dl), 0)
                      for dw in (-1, 0, 1) for dh in (-1, 0, 1) for dl in (-1, 0, 1)) >= 3
        if not hit:
            d = "x" if vertical else "y"
            if d in tick_pos:
                pos = x + w / 2 if vertical else y + h / 2
                fit = fits[d]
                near = min(abs((b.cy - (y + h / 2)) if vertical else (b.cx - (x + w / 2))) for b in fit.labels)
                hit = np.min(np.abs(tick_pos[d] - pos)) <= 2.5 and near < 3.5 * th
        if hit:
            out[lab == i] = True
    return out


def _near_edge(x: int, y: int, w: int, h: int, win, reach: float) -> bool:
    """The box lies within `reach` of the plot window's border (where tick rows are drawn)."""
    return min(x - win.x0, y - win.y0, win.x1 - (x + w), win.y1 - (y + h)) <= reach


def _dedupe_markers(raw, contrast: list[float]):
    """One marker found in two colour classes (its anti-aliased rim read as a second colour) is
    one point: of two points of different classes closer than a third of the marker size, the one
    whose class stands out less from the background goes."""
    order = sorted(range(len(raw)), key=lambda i: -contrast[i])
    kept_xy = np.zeros((0, 2))
    kept_size = np.zeros(0)
    out = []
    for i in order:
        k, pts = raw[i]
        xy = np.array([(p[0], p[1]) for p in pts], dtype=float)
        size = np.array([max(p[3][2] - p[3][0], p[3][3] - p[3][1], 2) for p in pts], dtype=float)
        keep = np.ones(len(pts), dtype=bool)
        if len(kept_xy):
            for j in range(0, len(pts), 256):  # blocks bound the memory of the distance table
                d = np.abs(xy[j:j + 256, None, :] - kept_xy[None, :, :]).max(axis=2)
                reach = 0.3 * np.maximum(size[j:j + 256, None], kept_size[None, :])
                keep[j:j + 256] = ~(d <= reach).any(axis=1)
        mine = [p for p, ok in zip(pts, keep, strict=True) if ok]
        kept_xy = np.vstack([kept_xy, xy[keep]])
        kept_size = np.concatenate([kept_size, size[keep]])
        if mine:
            out.append((k, mine))
    return out


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _pitch(xpos: list[XPos]) -> float | None:
    if len(xpos) < 2:
        return None
    return float(np.median(np.diff(sorted(p.px for p in xpos))))


def _axis_quality(fit) -> float:
    if fit is None:
        return 0.0
    q = 0.35 + 0.15 * min(4, fit.n - 2)
    q -= 0.1 * min(3, fit.outliers) + 0.1 * min(2, fit.sign_fixed)
    q -= 0.05 * max(0.0, fit.rms - 1.5)
    return float(max(0.0, min(1.0, q)))


def _is_axis(p: TextBox, ids: set[int], boxes: list[TextBox]) -> bool:
    if id(p) in ids:
        return True
    return any(id(b) in ids and abs(b.cx - p.cx) < 1 and abs(b.cy - p.cy) < 1 for b in boxes)


def _x_positions(scene: Scene, th: float) -> tuple[list[XPos], bool]:
    """Positions along x where data sit: numeric tick labels of a fitted x axis (numeric=True),
    else a row of category phrases under the plot window."""
    win = scene.window
    fit = scene.x_axis
    if fit is not None and fit.n >= 3:
        ticks = fit.ticks(win.x0, win.x1)
        pos = [XPos(px, text, v) for px, v, text in ticks] if ticks else \
            [XPos(b.cx, b.text, v) for b, v in zip(fit.labels, fit.values, strict=True)]
        # Years are categories: data sit at them, not between.
        years = all(float(v).is_integer() and 1800 <= v <= 2200 for v in fit.values) and fit.scale == "linear"
        return pos, not years
    ticks = {id(b) for b in scene.y_axis.labels} if scene.y_axis is not None else set()
    row = [p for p in scene.phrases if p.cy > win.y1 - 0.5 * th and p.y0 < win.y1 + 4 * th
           and win.x0 - 2 * th <= p.cx <= win.x1 + 2 * th and id(p) not in ticks]
    if not row:
        if fit is None:
            return [], False
        return [XPos(b.cx, b.text, v) for b, v in zip(fit.labels, fit.values, strict=True)], True
    first = min(p.cy for p in row)
    row = [p for p in row if abs(p.cy - first) < 0.8 * th]
    row.sort(key=lambda p: p.cx)
    return [XPos(p.cx, p.text, None) for p in row], False


def _nearest_x(cx: float, xpos: list[XPos], numeric: bool) -> XPos | None:
    if numeric or not xpos:
        return None
    pitch = _pitch(xpos) or 1e9
    best = min(xpos, key=lambda p: abs(p.px - cx))
    return best if abs(best.px - cx) <= 0.5 * pitch else None


def _sample_line(m: np.ndarray, sh, xpos: list[XPos], numeric: bool, scene: Scene, area: bool):
    """(px, py, XPos|None, box) samples of one line/area trace."""
    top, bot, cen = trace(m, sh.x0, sh.x1)
    thick = max(1.0, sh.thickness)
    th = scene.text_size()
    pitch = _pitch(xpos)
    ticks = sorted(xpos, key=lambda p: p.px)
    samples: list[tuple[float, XPos | None]] = []
    valid = ~np.isnan(cen)
    if numeric:
        idx = np.nonzero(valid)[0]
        poly = np.stack([idx + sh.x0, (top if area else cen)[idx]], axis=1).astype(float)
        keep = rdp(poly, eps=max(1.5, 0.6 * thick))
        verts = poly[keep, 0]
        on_tick = 0
        if ticks and pitch:
            for v in verts:
                if min(abs(v - t.px) for t in ticks) <= max(2.5, 0.12 * pitch):
                    on_tick += 1
        if ticks and pitch and on_tick >= 0.8 * len(verts):
            samples = [(_snap(t.px, verts, pitch), t) for t in ticks if sh.x0 - 3 <= t.px <= sh.x1 + 3]
        else:
            samples = [(float(v), None) for v in verts]
    else:
        idx = np.nonzero(valid)[0]
        poly = np.stack([idx + sh.x0, cen[idx]], axis=1).astype(float)
        verts = poly[rdp(poly, eps=max(1.5, 0.6 * thick)), 0] if len(poly) else np.array([])
        samples = [(_snap(t.px, verts, pitch, 0.35), t) for t in ticks if sh.x0 - 3 <= t.px <= sh.x1 + 3]
    markers = [] if area else line_markers(m, thick)
    in_range = [t for t in ticks if sh.x0 - 3 <= t.px <= sh.x1 + 3]
    if len(markers) >= 2 and (not ticks or len(markers) <= len(in_range) + 2 or numeric):
        # Markers show where the data are: sample there only (no values between them).
        mx = np.array([p[0] for p in markers])
        if numeric and not (ticks and pitch and all(np.min(np.abs(mx - t.px)) <= max(2.5, 0.12 * pitch)
                                                     for t in in_range)):
            return [(px, py, None, (px - 0.5 * th, py - 0.5 * th, px + 0.5 * th, py + 0.5 * th))
                    for px, py in sorted(markers)]
        out = []
        traced = {id(p[2]): p for p in _trace_samples(samples, top, bot, valid, sh, thick, th, pitch, area)}
        for t in in_range:
            d = np.abs(mx - t.px)
            j = int(np.argmin(d))
            if d[j] <= max(2.5, 0.35 * (pitch or 0.0)):
                px, py = markers[j]
                out.append((px, py, t, (px - 0.5 * th, py - 0.5 * th, px + 0.5 * th, py + 0.5 * th)))
            elif id(t) in traced:  # the marker is hidden (under a label): the line still passes there
                out.append(traced[id(t)])
        if out:
            return out
    return _trace_samples(samples, top, bot, valid, sh, thick, th, pitch, area)


def _trace_samples(samples, top, bot, valid, sh, thick: float, th: float, pitch: float | None, area: bool):
    """(px, py, XPos|None, box) of the traced line (or area edge) at each sample column."""
    out = []
    reach = max(3, int((pitch or 6 * th) / 3))
    for px, xp in samples:
        i = int(round(px)) - sh.x0
        i = min(max(i, 0), len(top) - 1)
        j = _nearest_valid(valid, i, 2)
        if j is None:
            continue
        if area:
            y = float(top[j])
        else:
            y = vertex_y(top, bot, j, thick, reach)
            if y is None:
                continue
        r = min(thick, 0.5 * th) if not area else 0.5 * th
        box = (px - r, y - r, px + r, y + r)
        out.append((float(px), y, xp, box))
    return out


def _snap(px: float, verts: np.ndarray, pitch: float | None, frac: float = 0.12) -> float:
    """A tick position moved onto the line's vertex next to it (a corner drawn a pixel off the
    tick would otherwise be sampled on a steep segment); `frac` of the tick pitch is the reach."""
    if len(verts) == 0:
        return px
    d = np.abs(verts - px)
    k = int(np.argmin(d))
    return float(verts[k]) if d[k] <= max(2.5, frac * (pitch or 0.0)) else px


def _nearest_valid(valid: np.ndarray, i: int, reach: int) -> int | None:
    for d in range(reach + 1):
        for j in (i - d, i + d):
            if 0 <= j < len(valid) and valid[j]:
                return j
    return None
