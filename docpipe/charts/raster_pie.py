"""Pie and donut charts from a `Scene`: sectors by angle, values from printed labels when present.

The disc is the largest round region of mark colours (a donut: a ring around a background-
coloured hole). Colours are sampled along a circle through the middle of the ring at 720 angles;
runs of one colour class are sectors, thin separators between them are shared out. A sector's
share is its angle / 360°. Numbers printed inside a sector or just outside it (by angle from the
centre) are its data labels; words there, or the legend entry of its colour, its name.
Positions are crop pixels; angles run clockwise from 12 o'clock, the usual start of a pie.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from docpipe.charts.name_assignment import pair_by_cost
from docpipe.charts.raster_legend import LegendEntry, legend_name
from docpipe.charts.raster_reading import MarkPoint, Reading, SeriesReading
from docpipe.charts.raster_scene import Scene
from docpipe.charts.raster_text import TextBox

_N = 720


def read_pie(scene: Scene, legend: list[LegendEntry], skip: list[tuple[int, int, int, int]]) -> Reading | None:
    disc = _find_disc(scene, skip)
    if disc is None:
        return None
    cx, cy, r_out, r_in, fill = disc
    rho = (r_out + r_in) / 2 if r_in > 0 else 0.62 * r_out
    classes = [k for k in range(len(scene.classes)) if not scene.is_text_color(k)]
    if not classes:
        return None
    cols = np.array([scene.classes[k].color for k in classes], dtype=np.float32)
    ang = np.arange(_N) * (2 * math.pi / _N)
    # several radii through the ring, majority vote: labels printed on a sector do not split it
    radii = [rho] if r_in > 0 else [0.45 * r_out, 0.62 * r_out, 0.8 * r_out]
    votes = np.full((len(radii), _N), -1, dtype=np.int32)
    for ri, rr in enumerate(radii):
        xs = np.clip(np.round(cx + rr * np.sin(ang)).astype(int), 0, scene.w - 1)
        ys = np.clip(np.round(cy - rr * np.cos(ang)).astype(int), 0, scene.h - 1)
        px = scene.crop[ys, xs].astype(np.float32)
        d = np.sqrt(((px[:, None, :] - cols[None, :, :]) ** 2).sum(axis=2))
        best = d.argmin(axis=1)
        ok = d[np.arange(_N), best] < 45
        ok &= ~scene.text_mask[ys, xs]
        votes[ri] = np.where(ok, best, -1)
    lab = np.full(_N, -1, dtype=np.int32)
    for i in range(_N):
        v = votes[:, i][votes[:, i] >= 0]
        if len(v):
            lab[i] = int(np.bincount(v).argmax())
    sectors = _runs(lab)
    if len(sectors) < 2:
        return None
    th = scene.text_size()
    total = sum(e - s for s, e, _ in sectors)
    numbers = [p for p in scene.phrases if p.number is not None and not p.vertical]
    words = [p for p in scene.phrases if p.number is None and not p.vertical and len(p.text) > 1]
    legend_ids = {id(e.label) for e in legend}
    words = [p for p in words if id(p) not in legend_ids]
    words = [p for p in words if not _is_title(p, cx, cy, r_out, th, words)]
    pts: list[MarkPoint] = []
    used: list[TextBox] = []
    geometry = [((s + e) / 2 * 2 * math.pi / _N, (e - s) * 2 * math.pi / _N) for s, e, _ in sectors]
    names, certainty = _assign_names(words, geometry, cx, cy, r_out, th)
    used.extend(n for n in names if n is not None)
    for i, (s, e, k) in enumerate(sectors):
        share = 100.0 * (e - s) / total
        mid, span = geometry[i]
        num = _label_at(numbers, cx, cy, r_out, mid, span, th, used)
        name = names[i]
        color = scene.classes[classes[k]].color
        name_text = legend_name(color, legend) if name is None else name.text
        value, source, agree = share, "measured", None
        if num is not None:
            used.append(num)
            value, source = num.number.value, "label"
            if num.number.percent:
                agree = abs(num.number.value - share) / 100.0
        box = _sector_box(cx, cy, r_out, s, e)
        ev = {"axis": 0.75 if source == "label" else 0.6, "label": float(source == "label"),
              "agree": -1.0 if agree is None else agree, "named": 1.0 if name_text else 0.0, "shape": fill,
              "name_certainty": certainty[i] if name is not None else 1.0}
        pts.append(MarkPoint(name_text or f"sector {i + 1}", None, float(value), box, source, ev))
    # Labels that are plain numbers (not percent) with every sector labelled: values, not shares.
    named = sum(p.source == "label" for p in pts)
    if 0 < named < len(pts):
        # mixed: unlabelled sectors keep shares only when the labels are percentages
        if not all(_is_percent_label(p, used) for p in pts if p.source == "label"):
            for p in pts:
                if p.source == "measured":
                    p.y = None
    mark_px = scene.mark_pixels()
    explained = min(1.0, fill * math.pi * (r_out ** 2 - r_in ** 2) / mark_px)
    return Reading("pie", None, [SeriesReading(None, None, pts)],
                   explained, value_unit="%" if all(p.source == "measured" for p in pts) else None,
                   axis_quality=0.7, used_text=used)


NAME_MARGIN = 0.5
"""A sector's name is certain when every other way to name it (another phrase for this sector,
or this phrase for another sector) costs at least this much more (`_name_cost` units: a whole
sector span off its ray, or a radius off the ring where labels sit); a closer rival scales the
name's certainty down in proportion, to 0 for a tie."""
TITLE_SIZE = 1.15
"""A phrase over the disc, about centred on it and this much taller than the median text, is the
chart's title, never a sector's name (a title is printed in a larger font than the labels)."""


def _is_title(b: TextBox, cx: float, cy: float, r: float, th: float, words: list[TextBox]) -> bool:
    """The title: above the disc, centred on it, in a larger font, and the topmost such phrase."""
    above = b.y1 <= cy - r + 0.25 * th
    centred = abs(b.cx - cx) <= 0.2 * r
    return above and centred and b.h >= TITLE_SIZE * th and all(b.y0 <= o.y0 for o in words
                                                                  if abs(o.cx - cx) <= 0.2 * r)


def _name_cost(b: TextBox, cx: float, cy: float, r: float, mid: float, span: float, th: float) -> float | None:
    """How far a phrase is from where a sector's name sits: inside the sector, or outside it on
    (near) the ray through its middle, close to the rim. None: it cannot be this sector's name.
    Units: angle off the middle ray in sector spans, plus the distance of the phrase's nearest
    point from the rim in radii (labels sit just outside the rim, ~1.1 radii in matplotlib/Excel)."""
    dx, dy = b.cx - cx, b.cy - cy
    dist = math.hypot(dx, dy)
    if dist > 1.7 * r + 2 * th:
        return None
    a = math.atan2(dx, -dy) % (2 * math.pi)
    da = abs((a - mid + math.pi) % (2 * math.pi) - math.pi)
    limit = span / 2 if dist < r else max(span / 2, 0.35)
    if da > limit:
        return None
    # nearest point of the box to the centre: its gap to the rim, outside labels only
    nx, ny = min(max(cx, b.x0), b.x1), min(max(cy, b.y0), b.y1)
    gap = max(0.0, math.hypot(nx - cx, ny - cy) - r) if dist > r else 0.0
    return da / max(span, 1e-3) + gap / r + (0.3 if dist > r else 0.0)


def _assign_names(words: list[TextBox], geometry: list[tuple[float, float]], cx: float, cy: float, r: float,
                  th: float) -> tuple[list[TextBox | None], list[float]]:
    """Each sector's name phrase (or None) and how certain that assignment is (0-1).

    Assigned globally, cheapest pair first (`_name_cost`), so a large sector cannot take the
    phrase that sits on a smaller sector's ray. Certainty: the margin between the chosen pair's
    cost and the cheapest rival pair sharing its sector or its phrase, over `NAME_MARGIN`."""
    costs: dict[tuple[int, int], float] = {}
    for i, (mid, span) in enumerate(geometry):
        for j, b in enumerate(words):
            c = _name_cost(b, cx, cy, r, mid, span, th)
            if c is not None:
                costs[(i, j)] = c
    names: list[TextBox | None] = [None] * len(geometry)
    certainty = [1.0] * len(geometry)
    for i, j, sure in pair_by_cost(costs, NAME_MARGIN):
        names[i] = words[j]
        certainty[i] = sure
    return names, certainty


def _is_percent_label(p: MarkPoint, used: list[TextBox]) -> bool:
    return any(u.number is not None and u.number.percent and abs(u.number.value - (p.y or 0)) < 1e-9 for u in used)


def _find_disc(scene: Scene, skip) -> tuple[float, float, float, float, float] | None:
    """(cx, cy, outer radius, inner radius (0 for a pie), fill) of the largest round colour region."""
    m = np.zeros((scene.h, scene.w), dtype=np.uint8)
    for k, c in enumerate(scene.classes):
        if not scene.is_text_color(k):
            m |= c.mask.astype(np.uint8)
    for x0, y0, x1, y1 in skip:
        m[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = 0
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    best = None
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if area < 0.03 * scene.w * scene.h or min(w, h) < 30 or not 0.8 < w / h < 1.25:
            continue
        ys, xs = np.nonzero(lab == i)
        pts = np.stack([xs, ys], axis=1).astype(np.float32)
        (ccx, ccy), r = cv2.minEnclosingCircle(pts)
        disc_area = math.pi * r * r
        fill = area / disc_area
        if fill < 0.3:
            continue
        # radial profile: a donut's inner part is empty
        d = np.hypot(xs - ccx, ys - ccy)
        hist, _ = np.histogram(d, bins=20, range=(0, r))
        ring = hist / np.maximum(1e-9, np.pi * ((np.arange(1, 21) * r / 20) ** 2 - (np.arange(20) * r / 20) ** 2))
        inner = 0.0
        if ring[:4].mean() < 0.2 and ring[12:19].mean() > 0.7:
            k = int(np.argmax(ring > 0.5))
            inner = k * r / 20
            fill = area / (math.pi * (r * r - inner * inner))
        elif fill < 0.8:
            continue
        if fill < 0.75:
            continue
        if best is None or area > best[0]:
            best = (area, (float(ccx), float(ccy), float(r), float(inner), float(min(1.0, fill))))
    return best[1] if best else None


def _runs(lab: np.ndarray) -> list[tuple[int, int, int]]:
    """Sectors as (start, end, class) index runs around the circle; gaps are split between the
    neighbouring runs; runs under 1° are dropped; the run crossing 12 o'clock is joined."""
    n = len(lab)
    if (lab >= 0).sum() < 0.5 * n:
        return []
    # rotate so index 0 starts a run
    start = 0
    for i in range(n):
        if lab[i] != lab[i - 1]:
            start = i
            break
    seq = np.roll(lab, -start)
    runs = []
    i = 0
    while i < n:
        j = i
        while j < n and seq[j] == seq[i]:
            j += 1
        runs.append([i, j, int(seq[i])])
        i = j
    # drop gaps and specks by giving them to the neighbours
    keep = [r for r in runs if r[2] >= 0 and r[1] - r[0] >= n / 360]
    if not keep:
        return []
    merged: list[list[int]] = []
    for r in keep:
        if merged and merged[-1][2] == r[2]:
            merged[-1][1] = r[1]
        else:
            merged.append(list(r))
    if len(merged) > 1 and merged[0][2] == merged[-1][2]:
        merged[0][0] = merged[-1][0] - n
        merged.pop()
    # fill gaps: boundaries at the midpoint between runs
    out = []
    for k, r in enumerate(merged):
        prev_end = merged[k - 1][1] - (n if k == 0 else 0)
        nxt_start = merged[(k + 1) % len(merged)][0] + (n if k == len(merged) - 1 else 0)
        s = (prev_end + r[0]) / 2
        e = (r[1] + nxt_start) / 2
        out.append((s + start, e + start, r[2]))
    out.sort(key=lambda t: t[0] % n)
    return [(s, e, k) for s, e, k in out]


def _label_at(boxes: list[TextBox], cx: float, cy: float, r: float, mid: float, span: float, th: float,
              used: list[TextBox], numeric: bool = True) -> TextBox | None:
    """The phrase printed at a sector: inside the disc within the sector's angles, or outside
    within 1.7 radii near the sector's middle angle."""
    best, best_d = None, None
    for b in boxes:
        if any(b is u for u in used):
            continue
        dx, dy = b.cx - cx, b.cy - cy
        dist = math.hypot(dx, dy)
        if dist > 1.7 * r + 2 * th:
            continue
        a = math.atan2(dx, -dy) % (2 * math.pi)
        da = abs((a - mid + math.pi) % (2 * math.pi) - math.pi)
        limit = span / 2 if dist < r else max(span / 2, 0.35)
        if da > limit:
            continue
        score = da / max(span, 1e-3) + (0.3 if dist > r else 0.0)
        if best is None or score < best_d:
            best, best_d = b, score
    return best


def _sector_box(cx: float, cy: float, r: float, s: float, e: float) -> tuple[float, float, float, float]:
    a = np.linspace(s, e, 16) * 2 * math.pi / _N
    xs = np.concatenate([[cx], cx + r * np.sin(a)])
    ys = np.concatenate([[cy], cy - r * np.cos(a)])
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())
