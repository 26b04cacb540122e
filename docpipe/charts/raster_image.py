"""Pixel facts of a chart crop: background, straight rules (axis lines, gridlines), colour classes.

All arrays are H×W(×3) uint8 RGB crops; positions are crop pixels (x right, y down).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def background_color(img: np.ndarray) -> np.ndarray:
    """The most common colour (charts have flat backgrounds), as float RGB.

    Colours are counted at 4-bit precision (JPEG noise), then averaged within the winning bin.
    """
    q = (img >> 4).reshape(-1, 3).astype(np.int32)
    keys = q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]
    counts = np.bincount(keys, minlength=4096)
    top = int(np.argmax(counts))
    sel = keys == top
    return img.reshape(-1, 3)[sel].mean(axis=0)


def color_distance(img: np.ndarray, color: np.ndarray) -> np.ndarray:
    """Per-pixel Euclidean RGB distance to one colour (float32, H×W)."""
    d = img.astype(np.float32) - np.asarray(color, dtype=np.float32)
    return np.sqrt((d * d).sum(axis=-1))


def ink_mask(img: np.ndarray, bg: np.ndarray, tol: float = 40.0) -> np.ndarray:
    """Pixels that differ from the background (bool H×W)."""
    return color_distance(img, bg) > tol


@dataclass
class Rule:
    """A straight horizontal or vertical line: `pos` is its row (horizontal) or column
    (vertical), `start`/`end` its extent along the line, `thick` its thickness in pixels,
    `color` its mean RGB."""

    horizontal: bool
    pos: float
    start: int
    end: int
    thick: int
    color: np.ndarray

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def darkness(self) -> float:
        return 255.0 - float(np.mean(self.color))


def _longest_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of a bool array: length, start and end (exclusive) of its longest True run."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    diff = np.diff(padded, axis=1)
    lengths = np.zeros(h, dtype=np.int32)
    starts = np.zeros(h, dtype=np.int32)
    rows_s, cols_s = np.nonzero(diff == 1)
    rows_e, cols_e = np.nonzero(diff == -1)
    if len(rows_s) == 0:
        return lengths, starts, starts.copy()
    run = cols_e - cols_s
    order = np.lexsort((run, rows_s))  # by row, then run length ascending: the last per row wins
    lengths[rows_s[order]] = run[order]
    starts[rows_s[order]] = cols_s[order]
    return lengths, starts, starts + lengths


def find_rules(img: np.ndarray, bg: np.ndarray, min_frac: float = 0.3, dashed: bool = True) -> list[Rule]:
    """Long straight horizontal and vertical lines of one colour (axis lines, gridlines, frames).

    A row belongs to a rule when a run of similar-coloured non-background pixels covers at least
    `min_frac` of the crop's width (columns: height). Dashed or dotted gridlines are closed first
    when `dashed`. Adjacent rows merge into one rule with a thickness.
    """
    h, w = img.shape[:2]
    ink = ink_mask(img, bg, tol=18.0)
    rules: list[Rule] = []
    for horizontal in (True, False):
        m = ink if horizontal else ink.T
        if dashed:
            k = max(5, (min(h, w) // 25) | 1)
            m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, k), np.uint8)).astype(bool)
        lengths, starts, ends = _longest_runs(m)
        limit = min_frac * m.shape[1]
        rows = np.nonzero(lengths >= limit)[0]
        src = img if horizontal else img.transpose(1, 0, 2)
        # Each row's colour along its run (median): adjacent rows of different colour (a frame
        # line against a grey margin) are different things.
        row_color = {int(r): np.median(src[r, starts[r]:ends[r]], axis=0).astype(np.float32) for r in rows}
        groups: list[list[int]] = []
        for r in rows:
            r = int(r)
            if groups and r - groups[-1][-1] == 1 and abs(int(starts[r]) - int(starts[groups[-1][-1]])) < 6 \
                    and _same_or_blend(row_color[r], row_color[groups[-1][-1]], bg):
                groups[-1].append(r)
            else:
                groups.append([r])
        for g in groups:
            if len(g) > max(6, 0.02 * m.shape[0]):  # a filled band (bar, area), not a line
                continue
            s, e = int(np.median(starts[g])), int(np.median(ends[g]))
            # Colour and uniformity from the core row (the one furthest from the background):
            # the rows beside it are anti-aliased blends.
            dist = [float(np.abs(src[r, s:e].astype(np.float32) - bg).sum(axis=1).mean()) for r in g]
            core = g[int(np.argmax(dist))]
            pix = src[core, s:e]
            keep = (ink if horizontal else ink.T)[core, s:e]
            sel = pix[keep]
            color = np.median(sel, axis=0) if len(sel) else pix.mean(axis=0)
            # A solid coloured band thicker than a line is a thin bar (grouped bars of many
            # series), not an axis line or gridline (those are grey, thin, or dashed).
            if len(g) > 4 and not is_grayish(color, 40.0) and float(keep.mean()) >= 0.85:
                continue
            # A rule is one colour along its length; a row cutting through differently coloured
            # marks (a gridline between bars) is not a rule.
            # Pixels between the rule colour and the background are its anti-aliased dash ends.
            if len(sel) > 10 and np.mean(_off_segment(sel, color, bg) > 60) > 0.6:
                continue
            # A line stands out from its neighbourhood: where the row has its colour, the rows
            # beside it do not. A row through bars or an area (a gridline behind them showing in
            # the gaps), or along a bar's edge, has the colour continuing on a side.
            on = color_distance(src[core:core + 1, s:e], color)[0] < 40
            if on.sum() >= 4:
                inside = np.zeros_like(on)
                for r in (g[0] - 2, g[-1] + 2):
                    if 0 <= r < src.shape[0]:
                        inside |= color_distance(src[r:r + 1, s:e], color)[0] < 40
                if inside[on].mean() > 0.5:
                    continue
            # The extent is where the rule's own colour is (closing may have run it into text).
            own = np.nonzero(color_distance(src[core:core + 1, s:e], color)[0] < 40)[0]
            if len(own) < 2:
                continue
            s, e = s + int(own[0]), s + int(own[-1]) + 1
            rules.append(Rule(horizontal, float(np.mean(g)), s, e, len(g), color.astype(np.float32)))
    return rules


def _same_or_blend(a: np.ndarray, b: np.ndarray, bg: np.ndarray) -> bool:
    """Two row colours of one line: equal, or one an anti-aliased blend of the other."""
    if float(np.sqrt(((a - b) ** 2).sum())) < 40:
        return True
    return bool(_off_segment(a[None, :], b, bg)[0] < 30 or _off_segment(b[None, :], a, bg)[0] < 30)


def _off_segment(pix: np.ndarray, color: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Distance of each pixel from the colour segment background → `color` (blends lie on it)."""
    p = pix.astype(np.float32) - np.asarray(bg, dtype=np.float32)
    d = np.asarray(color, dtype=np.float32) - np.asarray(bg, dtype=np.float32)
    denom = float((d * d).sum()) or 1.0
    t = np.clip((p @ d) / denom, 0.0, 1.0)
    return np.sqrt(((p - t[:, None] * d) ** 2).sum(axis=1))


MAX_CLASSES = 40
"""Charts use a handful of mark colours; beyond this many classes the rest are not marks."""


@dataclass
class ColorClass:
    """A mark colour: mean RGB, pixel count and the boolean mask of its pixels."""

    color: np.ndarray
    count: int
    mask: np.ndarray

    @property
    def hex(self) -> str:
        r, g, b = (int(round(float(c))) for c in self.color)
        return f"#{r:02x}{g:02x}{b:02x}"

    @property
    def chroma(self) -> float:
        return float(self.color.max() - self.color.min())


def color_classes(img: np.ndarray, candidates: np.ndarray, min_pixels: int = 30,
                  merge_dist: float = 28.0, bg: np.ndarray | None = None) -> list[ColorClass]:
    """Group the candidate pixels (bool H×W) by colour.

    Colours are binned at 5-bit precision; bins are merged greedily, most populous first, into
    classes within `merge_dist` (RGB distance) of a class colour. Anti-aliased edge pixels land
    in small bins far from every class and are dropped with classes under `min_pixels`; with `bg`,
    classes of blended edge pixels around another class are dropped too (`drop_blends`).
    """
    ys, xs = np.nonzero(candidates)
    if len(ys) == 0:
        return []
    pix = img[ys, xs].astype(np.int32)
    q = pix >> 3
    keys = (q[:, 0] << 10) | (q[:, 1] << 5) | q[:, 2]
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    order = np.argsort(-counts)
    centers: list[np.ndarray] = []
    weights: list[int] = []
    assign = np.full(len(uniq), -1, dtype=np.int64)
    bin_colors = np.stack([(uniq >> 10) & 31, (uniq >> 5) & 31, uniq & 31], axis=1).astype(np.float32) * 8 + 4
    for u in order:
        c = bin_colors[u]
        if centers:
            d = np.sqrt(((np.array(centers) - c) ** 2).sum(axis=1))
            k = int(np.argmin(d))
            if d[k] < merge_dist:
                assign[u] = k
                weights[k] += int(counts[u])
                continue
        if counts[u] < max(3, min_pixels // 4) or len(centers) >= MAX_CLASSES:
            continue  # a rare colour far from every class (anti-aliasing), or too many colours
        centers.append(c)
        weights.append(int(counts[u]))
        assign[u] = len(centers) - 1
    labels = assign[inverse]
    out = []
    h, w = candidates.shape
    for k in range(len(centers)):
        sel = labels == k
        n = int(sel.sum())
        if n < min_pixels:
            continue
        mask = np.zeros((h, w), dtype=bool)
        mask[ys[sel], xs[sel]] = True
        out.append(ColorClass(pix[sel].mean(axis=0).astype(np.float32), n, mask))
    out.sort(key=lambda c: -c.count)
    return drop_blends(out, bg)


def drop_blends(classes: list[ColorClass], bg: np.ndarray | None) -> list[ColorClass]:
    """Drop classes made of anti-aliased edges: a colour between another class and the background
    whose pixels nearly all touch that class."""
    if bg is None or len(classes) < 2:
        return classes
    bgf = np.asarray(bg, dtype=np.float32)
    keep = []
    dilated: dict[int, np.ndarray] = {}
    for i, c in enumerate(classes):
        blend = False
        for j, big in enumerate(classes):
            if j == i:
                continue
            # c ≈ t*big + (1-t)*bg for some 0 < t < 1
            d = big.color - bgf
            denom = float((d * d).sum())
            if denom < 1:
                continue
            t = float(((c.color - bgf) * d).sum() / denom)
            if not 0.05 < t < 0.95:
                continue
            resid = float(np.sqrt(((c.color - (bgf + t * d)) ** 2).sum()))
            if resid > 30:
                continue
            if j not in dilated:
                dilated[j] = cv2.dilate(big.mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            if (c.mask & dilated[j]).sum() >= 0.8 * c.count:
                blend = True
                break
        if not blend:
            keep.append(c)
    return keep


def is_grayish(color: np.ndarray, limit: float = 24.0) -> bool:
    """Low chroma: black, gray or white."""
    c = np.asarray(color, dtype=np.float32)
    return float(c.max() - c.min()) < limit
