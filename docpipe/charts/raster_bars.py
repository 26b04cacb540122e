"""Bars of a raster bar chart: filled rectangles of one colour, their orientation, baseline,
category slots (stacked segments share a slot; grouped bars sit side by side in one slot).

Positions are crop pixels (x right, y down).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from docpipe.charts.raster_image import ColorClass


@dataclass
class Bar:
    """One filled rectangle: crop-pixel box and the index of its colour class."""

    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive
    cls: int
    fill: float

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def along(self, vertical: bool) -> tuple[float, float]:
        """Extent across the category axis (x for vertical bars)."""
        return (self.x0, self.x1) if vertical else (self.y0, self.y1)

    def value_extent(self, vertical: bool) -> tuple[float, float]:
        """Extent along the value axis (y for vertical bars), (low pixel, high pixel)."""
        return (self.y0, self.y1) if vertical else (self.x0, self.x1)


def rectangles(classes: list[ColorClass], min_side: int = 3, min_fill: float = 0.8) -> list[Bar]:
    """Filled axis-aligned rectangles in every colour class.

    Each class mask is split into connected components; holes inside a component (text printed
    on a bar) count as filled. A component is a bar when it fills `min_fill` of its box and both
    sides are at least `min_side` pixels. Touching bars of one colour (no gap) stay one component
    and are split by `split_touching` when their heights step.
    """
    out: list[Bar] = []
    for k, c in enumerate(classes):
        n, lab, stats, _ = cv2.connectedComponentsWithStats(c.mask.astype(np.uint8), connectivity=4)
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            if w < min_side or h < min_side:
                continue
            sub = lab[y:y + h, x:x + w] == i
            if area < 0.5 * w * h and not _split_candidate(sub):
                continue  # an outline (a frame, a legend box), not a filled bar
            if area < min_fill * w * h:
                sub = fill_holes(sub)
                if sub.sum() < min_fill * w * h:
                    out.extend(_split_steps(sub, x, y, k, min_side, min_fill))
                    continue
            out.extend(_trimmed(sub, x, y, k))
    return out


def _split_candidate(sub: np.ndarray) -> bool:
    """Touching bars of one colour (a histogram) fill most of their columns from one edge."""
    cols = sub.mean(axis=0)
    return float(np.mean(cols > 0.9 * cols.max())) < 0.9 and float(sub.any(axis=0).mean()) > 0.95 and \
        float(sub[-1].mean()) > 0.9


def fill_holes(sub: np.ndarray) -> np.ndarray:
    """The component with its enclosed holes filled (bool array of the same shape)."""
    pad = np.zeros((sub.shape[0] + 2, sub.shape[1] + 2), np.uint8)
    pad[1:-1, 1:-1] = sub
    flood = pad.copy()
    mask = np.zeros((pad.shape[0] + 2, pad.shape[1] + 2), np.uint8)
    cv2.floodFill(flood, mask, (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return sub | holes


def _trimmed(sub: np.ndarray, x: int, y: int, k: int) -> list[Bar]:
    """The component's box trimmed to rows/columns more than half filled (anti-aliased edges)."""
    rows = np.nonzero(sub.mean(axis=1) > 0.5)[0]
    cols = np.nonzero(sub.mean(axis=0) > 0.5)[0]
    if len(rows) == 0 or len(cols) == 0:
        return []
    fill = float(sub.mean())
    return [Bar(x + int(cols[0]), y + int(rows[0]), x + int(cols[-1]) + 1, y + int(rows[-1]) + 1, k, fill)]


def _split_steps(sub: np.ndarray, x: int, y: int, k: int, min_side: int, min_fill: float) -> list[Bar]:
    """Bars of one colour drawn without a gap (histograms, touching columns) form one component
    whose outline steps; cut it where the filled extent changes, column-wise then row-wise."""
    out: list[Bar] = []
    for vertical in (True, False):
        prof = sub.sum(axis=0) if vertical else sub.sum(axis=1)
        # runs of (nearly) equal filled extent
        cuts = [0]
        for i in range(1, len(prof)):
            if abs(int(prof[i]) - int(prof[i - 1])) > max(2, 0.03 * max(prof.max(), 1)):
                cuts.append(i)
        cuts.append(len(prof))
        pieces = []
        ok = True
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            if b - a < min_side:
                continue
            piece = sub[:, a:b] if vertical else sub[a:b, :]
            rows = np.nonzero(piece.any(axis=1))[0] if vertical else np.nonzero(piece.any(axis=0))[0]
            if len(rows) == 0:
                continue
            lo, hi = int(rows[0]), int(rows[-1]) + 1
            box = piece[lo:hi, :] if vertical else piece[:, lo:hi]
            if box.size == 0 or box.mean() < min_fill:
                ok = False
                break
            if vertical:
                pieces.append(Bar(x + a, y + lo, x + b, y + hi, k, float(box.mean())))
            else:
                pieces.append(Bar(x + lo, y + a, x + hi, y + b, k, float(box.mean())))
        if ok and len(pieces) >= 2:
            out.extend(pieces)
            return out
    return out


@dataclass
class BarLayout:
    """Bars read as a chart: orientation, the baseline pixel (where the bars start), and the
    category slots (each a list of bars, in axis order; within a slot, series side by side or
    stacked)."""

    vertical: bool
    baseline: float
    slots: list[list[Bar]]
    stacked: bool
    grouped: bool
    share: float  # fraction of the bars that start at the baseline or on another bar


def layout(bars: list[Bar]) -> BarLayout | None:
    """Orientation, baseline and slots of a set of bars; None when they do not look like a bar chart
    (fewer than one bar, or no common baseline)."""
    if not bars:
        return None
    best = None
    for vertical in (True, False):
        thick = [b.w if vertical else b.h for b in bars]
        tol = max(2.0, 0.02 * np.median([b.h if vertical else b.w for b in bars]))
        lows = [b.y1 if vertical else b.x0 for b in bars]  # bottom edge / left edge
        highs = [b.y0 if vertical else b.x1 for b in bars]  # top edge / right edge
        base = _baseline(bars, vertical, tol)
        starts = sum(abs(lo - base) <= tol or abs(hi - base) <= tol for lo, hi in zip(lows, highs, strict=True))
        # Stacked segments start on another bar rather than on the baseline.
        stacked_on = 0
        for b in bars:
            lo, hi = (b.y1, b.y0) if vertical else (b.x0, b.x1)
            if abs(lo - base) <= tol or abs(hi - base) <= tol:
                continue
            if any(o is not b and _touch(b, o, vertical, tol) for o in bars):
                stacked_on += 1
        share = (starts + stacked_on) / len(bars)
        uniform = float(np.std(thick) / max(np.mean(thick), 1.0))
        key = (share, -uniform)
        if best is None or key > best[0]:
            best = (key, vertical, base, stacked_on)
    (share, _), vertical, base, stacked_on = best
    if share < 0.6:
        return None
    bars = _main_set(bars, vertical, base)
    if not bars or not _plausible(bars, vertical, base):
        return None
    # Columns: bars overlapping across the category axis (stacked segments) form one column.
    cols: list[list[Bar]] = []
    for b in sorted(bars, key=lambda b: b.along(vertical)[0]):
        a0, a1 = b.along(vertical)
        if cols:
            c0 = min(o.along(vertical)[0] for o in cols[-1])
            c1 = max(o.along(vertical)[1] for o in cols[-1])
            ov = min(a1, c1) - max(a0, c0)
            if ov > 0.5 * min(a1 - a0, c1 - c0):
                cols[-1].append(b)
                continue
        cols.append([b])
    stacked = any(len({o.cls for o in c}) > 1 for c in cols)
    classes = {b.cls for b in bars}
    slots = [c for c in cols]
    grouped = False
    if len(classes) > 1 and len(cols) > 1 and not stacked:
        ext = [(min(o.along(vertical)[0] for o in c), max(o.along(vertical)[1] for o in c)) for c in cols]
        gaps = np.array([ext[i + 1][0] - ext[i][1] for i in range(len(ext) - 1)], dtype=float)
        lo, hi = float(gaps.min()), float(gaps.max())
        if hi > 2 * max(lo, 1.0) + 2:
            cut = (lo + hi) / 2
            slots, cur = [], [cols[0]]
            for i, g in enumerate(gaps):
                if g > cut:
                    slots.append([b for c in cur for b in c])
                    cur = []
                cur.append(cols[i + 1])
            slots.append([b for c in cur for b in c])
            grouped = any(len(s) > 1 for s in slots)
        else:
            slots = [[b for b in c] for c in cols]
    return BarLayout(vertical, base, slots, stacked, grouped, share)


def _plausible(bars: list[Bar], vertical: bool, base: float) -> bool:
    """Bars of a bar chart stand on the baseline with lengths that differ (they show values);
    many equal squares scattered about are markers of a scatter plot. A stack counts once: with
    n stacked series only one segment in n stands on the baseline."""
    on_base = [b for b in bars if min(abs(e - base) for e in b.value_extent(vertical)) <= 3]
    stacks = len(bars) - sum(1 for b in bars if b not in on_base and any(
        o is not b and _touch(b, o, vertical, 3.0) for o in bars))
    if len(on_base) < max(1, 0.3 * max(stacks, 1)):
        return False
    lengths = np.array([(b.h if vertical else b.w) for b in on_base], dtype=float)
    thick = np.array([(b.w if vertical else b.h) for b in on_base], dtype=float)
    if len(on_base) >= 4 and lengths.std() < 0.05 * lengths.mean() and np.all(np.abs(lengths - thick) <= 2):
        return False
    return True


def _main_set(bars: list[Bar], vertical: bool, base: float) -> list[Bar]:
    """The bars of the chart: those standing on the baseline, of the common thickness, and the
    segments stacked on them. Icons, legend swatches and buttons elsewhere drop out."""
    tol = 3.0
    on_base = [b for b in bars if min(abs(e - base) for e in b.value_extent(vertical)) <= tol]
    if not on_base:
        return []
    thick = float(np.median([b.w if vertical else b.h for b in on_base]))
    keep = [b for b in on_base if 0.5 * thick <= (b.w if vertical else b.h) <= 2.0 * thick]
    rest = [b for b in bars if b not in keep]
    grew = True
    while grew:
        grew = False
        for b in list(rest):
            if 0.5 * thick <= (b.w if vertical else b.h) <= 2.0 * thick and \
                    any(_touch(b, k, vertical, tol) for k in keep):
                keep.append(b)
                rest.remove(b)
                grew = True
    return keep


def _baseline(bars: list[Bar], vertical: bool, tol: float) -> float:
    """The pixel along the value axis where the bars start: the edge position met by the most
    columns (a stack counts once, however many of its segments end there), ties going to the
    position with more edges that are not joins, then to the bottom (columns) or the left (bars).
    A stack's inner edges (one segment ends where the next begins) line up across a few columns
    by chance when there are several series; the baseline is met by every column, also where
    stacks run both ways from it."""
    column = _columns(bars, vertical)
    edges = [(e, column[i], not _joined(b, e, bars, vertical, tol))
             for i, b in enumerate(bars) for e in b.value_extent(vertical)]
    best, key = 0.0, (-1, -1, 0.0)
    for e, _, _ in edges:
        near = [(c, free) for u, c, free in edges if abs(u - e) <= tol]
        # last tie-break: columns stand on the bottom, bars start at the left (100% stacks meet
        # the same number of columns at both ends)
        k = (len({c for c, _ in near}), sum(free for _, free in near), e if vertical else -e)
        if k > key:
            best, key = e, k
    return float(np.median([u for u, _, _ in edges if abs(u - best) <= tol]))


def _columns(bars: list[Bar], vertical: bool) -> list[int]:
    """Column index of each bar: bars overlapping by half across the category axis share one."""
    order = sorted(range(len(bars)), key=lambda i: bars[i].along(vertical)[0])
    out = [0] * len(bars)
    col, c0, c1 = -1, None, None
    for i in order:
        a0, a1 = bars[i].along(vertical)
        if c0 is None or min(a1, c1) - max(a0, c0) <= 0.5 * min(a1 - a0, c1 - c0):
            col, c0, c1 = col + 1, a0, a1
        else:
            c0, c1 = min(c0, a0), max(c1, a1)
        out[i] = col
    return out


def _joined(b: Bar, edge: float, bars: list[Bar], vertical: bool, tol: float) -> bool:
    """`edge` of bar b (along the value axis) is where another bar of its column begins."""
    for o in bars:
        if o is b or not _touch(b, o, vertical, tol):
            continue
        lo, hi = o.value_extent(vertical)
        if min(abs(lo - edge), abs(hi - edge)) <= tol + 1:
            return True
    return False


def _touch(a: Bar, b: Bar, vertical: bool, tol: float) -> bool:
    """b continues a along the value axis (stacked): they overlap across and share an edge."""
    a0, a1 = a.along(vertical)
    b0, b1 = b.along(vertical)
    if min(a1, b1) - max(a0, b0) < 0.5 * min(a1 - a0, b1 - b0):
        return False
    lo_a, hi_a = a.value_extent(vertical)
    lo_b, hi_b = b.value_extent(vertical)
    return abs(lo_a - hi_b) <= tol + 1 or abs(hi_a - lo_b) <= tol + 1
