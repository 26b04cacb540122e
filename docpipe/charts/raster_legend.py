"""Legend of a raster chart: colour swatches each followed by a series name.

An entry is a phrase with a compact patch of one colour just left of it (a square, a dot, a short
line, a marker), centred on the phrase's line. The patch colour is what ties marks to the name.
Positions are crop pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from docpipe.charts.raster_image import color_distance
from docpipe.charts.raster_text import TextBox


@dataclass
class LegendEntry:
    name: str
    color: np.ndarray  # RGB of the swatch
    swatch: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) crop pixels
    label: TextBox

    def box(self) -> tuple[int, int, int, int]:
        """Swatch and name together."""
        return (min(self.swatch[0], int(self.label.x0)), min(self.swatch[1], int(self.label.y0)),
                max(self.swatch[2], int(np.ceil(self.label.x1))), max(self.swatch[3], int(np.ceil(self.label.y1))))


def find_legend(crop: np.ndarray, bg: np.ndarray, phrases: list[TextBox], text_mask: np.ndarray) -> list[LegendEntry]:
    """Legend entries: phrases with a compact one-coloured swatch immediately to their left.

    The swatch colour is the commonest non-background colour just left of the phrase (when that
    is no swatch, the next colours walking left: a legend over the plot shows the marks behind
    its translucent box, also round the swatch, so of two patches one inside the other the inner
    one is the swatch); the swatch is that colour's connected patch there, which must be compact (at most 1.8 text heights high,
    3.2 wide), centred on the phrase's line and within 2.2 text heights of it. Other colours may
    touch it (a legend drawn against a pie). Two or more entries make a legend; a single entry
    counts only when its swatch is colourful (a lone dark patch is more often a bullet or a tick).
    """
    h, w = crop.shape[:2]
    entries: list[LegendEntry] = []
    for p in phrases:
        if p.vertical or not p.text:
            continue
        th = max(min(p.h, 2.0 * p.w), 6.0)
        wy0, wy1 = int(max(0, p.cy - 0.6 * th)), int(min(h, p.cy + 0.6 * th + 1))
        # ink right at the phrase's box is its own first letter sticking out of the OCR box
        wx0, wx1 = int(max(0, p.x0 - 2.2 * th)), int(max(0, p.x0 - 1 - 0.2 * th))
        if wx1 - wx0 < 2 or wy1 - wy0 < 2:
            continue
        win = crop[wy0:wy1, wx0:wx1]
        ink = (color_distance(win, bg) > 40) & ~text_mask[wy0:wy1, wx0:wx1]
        if ink.sum() < 4:
            continue
        found = [f for color in _swatch_colors(win, ink, th)
                 if (f := _swatch(crop, color, p, phrases, th, (wx0, wy0, wx1, wy1))) is not None]
        # A patch around another one is the marks behind a translucent legend box, seen round
        # the swatch: the innermost patch is the swatch.
        inner = [f for f in found if not any(g is not f and _encloses(f[1], g[1]) for g in found)]
        if not inner:
            continue
        color, swatch = inner[0]
        entries.append(LegendEntry(p.text, color, swatch, p))
    if len(entries) == 1 and float(entries[0].color.max() - entries[0].color.min()) < 40:
        return []
    return entries


MAX_SWATCH_COLORS = 4
"""Colours tried as a phrase's swatch, nearest the phrase first."""


def _swatch_colors(win: np.ndarray, ink: np.ndarray, th: float) -> list[np.ndarray]:
    """Candidate swatch colours in the window left of a phrase (RGB), nearest the phrase first.

    First the commonest colour (RGB quantised to 16 levels) of the first inked columns met
    walking left from the phrase; then the window's other colours by their right-most inked
    column, at most `MAX_SWATCH_COLORS` in all. A legend drawn over the plot shows the marks
    behind it through its translucent box, so the colour nearest the phrase can be that backdrop
    rather than the swatch; `_swatch` decides which candidate is one.
    """
    cols = np.nonzero(ink.sum(axis=0) >= 2)[0]
    if len(cols) == 0:
        return []
    pix = win[ink]
    q = (pix >> 4).astype(np.int32)
    keys = q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]
    key_img = np.full(ink.shape, -1, dtype=np.int32)
    key_img[ink] = keys
    c1 = int(cols[-1]) + 1
    c0 = max(0, c1 - max(3, int(0.5 * th)))
    band = key_img[:, c0:c1]
    first = int(np.bincount(band[band >= 0]).argmax())
    ranked = []
    for key in np.unique(keys):
        sel = key_img == key
        own = np.nonzero(sel.sum(axis=0) >= 2)[0]
        if key == first or len(own) == 0 or int(sel.sum()) < 4:
            continue
        ranked.append((-int(own[-1]), -int(sel.sum()), int(key)))
    ranked.sort()
    order = [first] + [key for _, _, key in ranked][:MAX_SWATCH_COLORS - 1]
    return [np.median(pix[keys == key], axis=0).astype(np.float32) for key in order]


def _swatch(crop: np.ndarray, color: np.ndarray, p: TextBox, phrases: list[TextBox], th: float,
            window: tuple[int, int, int, int]) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """(colour, swatch box) when `color`'s connected patch left of phrase `p` is a swatch: the
    patch with most pixels inside `window` (x0, y0, x1, y1 crop pixels), compact (at most 1.8
    text heights high, 3.2 wide), centred on the phrase's line, within 2.2 text heights of it and
    not a piece of a glyph; else None."""
    h = crop.shape[0]
    wx0, wy0, wx1, wy1 = window
    by0, by1 = int(max(0, p.cy - 1.6 * th)), int(min(h, p.cy + 1.6 * th + 1))
    bx0, bx1 = int(max(0, p.x0 - 4.0 * th)), int(max(0, p.x0 - 1))
    near = color_distance(crop[by0:by1, bx0:bx1], color) < 35
    n, lab, stats, _ = cv2.connectedComponentsWithStats(near.astype(np.uint8), connectivity=8)
    inside = lab[wy0 - by0:wy1 - by0, wx0 - bx0:wx1 - bx0]
    counts = np.bincount(inside[inside > 0].ravel(), minlength=n) if n > 1 else np.zeros(1)
    if len(counts) < 2 or counts.max() == 0:
        return None
    i = int(counts.argmax())
    x, y, ww, hh, area = (int(v) for v in stats[i])
    if hh > 1.8 * th or ww > 3.2 * th or area < 6:
        return None
    scy = by0 + y + hh / 2
    if abs(scy - p.cy) > 0.45 * th or p.x0 - (bx0 + x + ww) > 2.2 * th:
        return None
    box = (bx0 + x, by0 + y, bx0 + x + ww, by0 + y + hh)
    if _glyph_piece(box, p, phrases, th):
        return None
    return color, box


def _encloses(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    """`inner` lies within `outer` (boxes x0, y0, x1, y1) and is smaller."""
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]
            and (inner[2] - inner[0]) * (inner[3] - inner[1]) < (outer[2] - outer[0]) * (outer[3] - outer[1]))


def _glyph_piece(swatch: tuple[int, int, int, int], p: TextBox, phrases: list[TextBox], th: float) -> bool:
    """The 'swatch' is a piece of a letter outside an OCR box: it touches the phrase's own box
    (a swatch is set off from its name by a gap) or overlaps another phrase's box."""
    x0, y0, x1, y1 = swatch
    if p.x0 - x1 < max(1.5, 0.12 * th):
        return True
    for q in phrases:
        if q is p:
            continue
        if x0 <= q.x1 + 2 and q.x0 - 2 <= x1 and y0 <= q.y1 and q.y0 <= y1:
            return True
    return False


def legend_name(color: np.ndarray, legend: list[LegendEntry], limit: float = 60.0) -> str | None:
    """The legend entry whose swatch colour is nearest to `color` (RGB distance under `limit`)."""
    best, dist = None, 1e9
    for e in legend:
        d = float(np.sqrt(((e.color.astype(float) - np.asarray(color, dtype=float)) ** 2).sum()))
        if d < dist:
            best, dist = e.name, d
    return best if dist < limit else None
