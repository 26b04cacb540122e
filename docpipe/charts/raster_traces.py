"""Shapes of one mark colour in a raster chart: a line trace, scattered markers, or a filled area.

All positions are crop pixels (x right, y down); masks are bool H×W.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class Shape:
    """What one colour's pixels look like. `kind`: line | scatter | area | none."""

    kind: str
    x0: int
    x1: int
    coverage: float  # share of columns in [x0, x1] holding a pixel (after closing small gaps)
    thickness: float  # typical vertical run of the trace (lines), pixels
    components: int


def column_runs(col: np.ndarray) -> list[tuple[int, int]]:
    """(start, end exclusive) of each True run in a 1-D bool array."""
    d = np.diff(np.concatenate(([0], col.astype(np.int8), [0])))
    starts = np.nonzero(d == 1)[0]
    ends = np.nonzero(d == -1)[0]
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def analyse(mask: np.ndarray, plot_w: int, plot_h: int, text_h: float = 12.0) -> Shape:
    """Classify one colour's pixels as a line, scattered markers or a filled area."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 10:
        return Shape("none", 0, 0, 0.0, 0.0, 0)
    x0, x1 = int(xs.min()), int(xs.max())
    extent = x1 - x0 + 1
    sub = mask[:, x0:x1 + 1]
    closed = cv2.morphologyEx(sub.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, 9), np.uint8)).astype(bool)
    colsum = sub.sum(axis=0)
    coverage = float(closed.any(axis=0).mean())
    occupied = colsum[colsum > 0]
    starts = (sub & ~np.vstack([np.zeros((1, sub.shape[1]), bool), sub[:-1]])).sum(axis=0)
    single = float(np.mean(starts[colsum > 0] == 1)) if len(occupied) else 0.0
    thickness = float(np.percentile(occupied, 25)) if len(occupied) else 0.0
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    big = [s for s in stats[1:] if s[4] >= 4]
    ncomp = len(big)
    # bottoms of the column runs: a filled area rests on one baseline
    if extent >= 0.2 * plot_w and coverage > 0.85 and np.median(occupied) > 0.08 * plot_h:
        bottoms = np.array([np.nonzero(sub[:, i])[0].max() for i in range(sub.shape[1]) if colsum[i] > 0])
        if np.std(bottoms) < 3 and single > 0.8:
            return Shape("area", x0, x1, coverage, thickness, ncomp)
    if extent >= 0.2 * plot_w and np.median(occupied) <= max(8.0, 0.06 * plot_h) and single > 0.6:
        pieces = _line_pieces(mask, plot_w, plot_h)
        if pieces >= 0.2 * plot_w:
            return Shape("line", x0, x1, coverage, thickness, ncomp)
    if ncomp >= 1:
        sizes = [max(s[2], s[3]) for s in big]
        if np.median(sizes) <= max(0.12 * min(plot_w, plot_h), 2.5 * text_h) and np.median(sizes) >= 3:
            return Shape("scatter", x0, x1, coverage, thickness, ncomp)
    return Shape("none", x0, x1, coverage, thickness, ncomp)


def _line_pieces(mask: np.ndarray, plot_w: int, plot_h: int) -> int:
    """Columns covered by line pieces: connected stretches (dash gaps closed) at least a tenth of
    the plot wide and thin on average. A line, even broken where data are missing, is made of
    such pieces; scattered markers are not (each is short)."""
    k = max(5, mask.shape[1] // 80) | 1
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, k), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    covered = np.zeros(mask.shape[1], dtype=bool)
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if w >= 0.1 * plot_w and area / w <= max(10.0, 0.08 * plot_h):
            covered[x:x + w] = True
    return int(covered.sum())


def trace(mask: np.ndarray, x0: int, x1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Follow a line through columns x0..x1: per column the (top, bottom) of the run that continues
    the previous column (NaN where the column is empty). Returns (top, bottom, centre) arrays
    indexed by x - x0."""
    n = x1 - x0 + 1
    top = np.full(n, np.nan)
    bot = np.full(n, np.nan)
    prev = None
    for i in range(n):
        runs = column_runs(mask[:, x0 + i])
        if not runs:
            continue
        if prev is None:
            r = max(runs, key=lambda r: r[1] - r[0])
        else:
            r = min(runs, key=lambda r: min(abs(r[0] - prev), abs(r[1] - 1 - prev), abs((r[0] + r[1] - 1) / 2 - prev))
                    if not (r[0] <= prev <= r[1]) else -1)
        top[i], bot[i] = r[0], r[1] - 1
        prev = (r[0] + r[1] - 1) / 2
    return top, bot, (top + bot) / 2


def vertex_y(top: np.ndarray, bot: np.ndarray, i: int, thick: float, reach: int) -> float | None:
    """The line's y at column index i: the centre of the run, moved to the run's end at a peak or
    valley (where the run is taller than the line because two segments meet), or the centre of a
    marker (a run as tall on its neighbouring columns)."""
    lo, hi = max(0, i - 1), min(len(top), i + 2)
    window = [(top[j], bot[j]) for j in range(lo, hi) if not np.isnan(top[j])]
    if not window:
        return None
    t = float(np.mean([w[0] for w in window]))
    b = float(np.mean([w[1] for w in window]))
    c = (t + b) / 2
    if b - t <= 1.6 * max(thick, 1.0):
        return c
    left = [(top[j] + bot[j]) / 2 for j in range(max(0, i - reach), max(0, i - reach // 2)) if not np.isnan(top[j])]
    right = [(top[j] + bot[j]) / 2 for j in range(min(len(top), i + reach // 2 + 1), min(len(top), i + reach + 1))
             if not np.isnan(top[j])]
    runs_near = [bot[j] - top[j] for j in range(max(0, i - 2), min(len(top), i + 3)) if not np.isnan(top[j])]
    marker = len(runs_near) >= 4 and np.std(runs_near) < 0.25 * max(np.mean(runs_near), 1.0) and \
        np.mean(runs_near) > 2.0 * thick
    if marker or not left or not right:
        return c
    lm, rm = float(np.mean(left)), float(np.mean(right))
    half = max(thick, 1.0) / 2
    if lm > c and rm > c:  # both sides lower on screen: a peak
        return t + half
    if lm < c and rm < c:  # a valley
        return b - half
    return c


def rdp(points: np.ndarray, eps: float) -> list[int]:
    """Indices kept by Ramer–Douglas–Peucker simplification of a polyline (N×2)."""
    if len(points) < 3:
        return list(range(len(points)))
    keep = [0, len(points) - 1]
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        p, q = points[a], points[b]
        seg = q - p
        norm = float(np.hypot(*seg)) or 1.0
        d = np.abs(seg[0] * (points[a + 1:b, 1] - p[1]) - seg[1] * (points[a + 1:b, 0] - p[0])) / norm
        k = int(np.argmax(d))
        if d[k] > eps:
            m = a + 1 + k
            keep.append(m)
            stack += [(a, m), (m, b)]
    return sorted(set(keep))


def blobs(mask: np.ndarray, min_side: int = 3) -> list[tuple[float, float, tuple[int, int, int, int], int]]:
    """Scatter markers: (cx, cy, box, pixel count) per marker.

    Pieces of one marker cut by a gridline drawn over it are joined first (closing by 3×3). The
    marker size is the most common component size of the colour; a component much larger than
    that holds several overlapping markers and is split by k-means into as many as its area holds.
    """
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    # Pieces of one marker (arms of a thin 'tri' or 'x' marker whose centre blends away) lie
    # closer to each other than a third of their size: join them through a dilated copy.
    n0, _, st0, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if n0 > 1:
        r = int(round(0.35 * float(np.median(np.maximum(st0[1:, 2], st0[1:, 3])))))
        if r >= 2:
            grown = cv2.dilate(m, np.ones((2 * r + 1, 2 * r + 1), np.uint8))
            _, glab = cv2.connectedComponents(grown, connectivity=8)
            m = m.copy()
            joined = np.where(m > 0, glab, 0).astype(np.int32)
            n = int(joined.max()) + 1
            lab = joined
            stats = np.zeros((n, 5), np.int64)
            cents = np.zeros((n, 2))
            ys, xs = np.nonzero(joined)
            ids = joined[ys, xs]
            order = np.argsort(ids, kind="stable")
            ids, xs, ys = ids[order], xs[order], ys[order]
            starts = np.concatenate([[0], np.flatnonzero(np.diff(ids)) + 1])
            uid = ids[starts]
            x_lo, x_hi = np.minimum.reduceat(xs, starts), np.maximum.reduceat(xs, starts)
            y_lo, y_hi = np.minimum.reduceat(ys, starts), np.maximum.reduceat(ys, starts)
            cnt = np.diff(np.concatenate([starts, [len(ids)]]))
            stats[uid] = np.stack([x_lo, y_lo, x_hi - x_lo + 1, y_hi - y_lo + 1, cnt], axis=1)
            cents[uid, 0] = np.add.reduceat(xs, starts) / cnt
            cents[uid, 1] = np.add.reduceat(ys, starts) / cnt
        else:
            n, lab, stats, cents = cv2.connectedComponentsWithStats(m, connectivity=8)
    else:
        n, lab, stats, cents = n0, None, st0, None
    if n <= 1:
        return []
    comps = [(i, stats[i]) for i in range(1, n) if max(stats[i][2], stats[i][3]) >= min_side and stats[i][4] >= 3]
    if not comps:
        return []
    sides = np.array([max(s[2], s[3]) for _, s in comps], dtype=int)
    counts = np.bincount(sides)
    # the most common size, counting neighbours (±1 px) together
    smooth = np.convolve(counts, np.ones(3), mode="same")
    unit_side = float(np.argmax(smooth))
    similar = [s[4] for _, s in comps if abs(max(s[2], s[3]) - unit_side) <= max(1.0, 0.15 * unit_side)]
    unit = float(np.median(similar)) if similar else float(np.median([s[4] for _, s in comps]))
    out = []
    for i, s in comps:
        x, y, w, h, area = (int(v) for v in s)
        if max(w, h) >= 3 * unit_side and min(w, h) <= max(2.0, 0.4 * unit_side):
            continue  # a stroke far longer than a marker (a line or rule remnant), not markers
        k = 1
        if max(w, h) > 1.35 * unit_side:
            k_area = int(round(area / max(unit, 1.0)))
            k_span = int(np.ceil(max(w, h) / max(unit_side, 1.0) - 0.3))
            k = max(2, min(max(k_area, k_span), 16))
        if k == 1:
            out.append((float(cents[i][0]), float(cents[i][1]), (x, y, x + w, y + h), area))
            continue
        yy, xx = np.nonzero(lab[y:y + h, x:x + w] == i)
        pts = np.stack([xx + x, yy + y], axis=1).astype(np.float32)
        if len(pts) < k:
            k = max(1, len(pts))
        crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
        cv2.setRNGSeed(7)
        _, labels, centers = cv2.kmeans(pts, k, None, crit, 3, cv2.KMEANS_PP_CENTERS)
        half = unit_side / 2
        for c in centers:
            out.append((float(c[0]), float(c[1]), (int(c[0] - half), int(c[1] - half), int(c[0] + half),
                                                   int(c[1] + half)), int(area / k)))
    return out


def line_markers(mask: np.ndarray, thick: float) -> list[tuple[float, float]]:
    """Centres of the markers drawn on a line (dots, squares at the data points): what survives an
    opening wider than the line itself, in roughly square blobs."""
    k = int(2 * max(1.0, thick) + 1)
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    n, _, stats, cents = cv2.connectedComponentsWithStats(opened, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if w >= k and h >= k and 0.5 <= w / h <= 2.0 and max(w, h) <= 6 * k:
            out.append((float(cents[i][0]), float(cents[i][1])))
    return out
