"""How big the text detector sees a page, and tiles for pages too long to see at once.

A text detector works on a scaled copy of the page. Scaling every page to the same longest side
(what rapidocr does) makes text on a long, narrow page tiny: a till roll 80 mm x 1 m scaled to
1,280 pixels high is 100 pixels wide, and its text vanishes. Here the scale is chosen so that

* an ordinary page gets the detector's pixel budget (`det_max_side` squared over the square root
  of two: an A4 page exactly fits `det_max_side` on its long side), and
* the page's short side never shrinks below `min_short_side` pixels (text on a narrow roll keeps
  its size, however long the roll is).

A scaled page longer than `2 * det_max_side` is cut into tiles `det_max_side` long that overlap
by a quarter, detected tile by tile; boxes cut by an inner tile edge are dropped where the
neighbouring tile saw the whole line, and the copies of a line seen whole by two tiles are merged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Boxes within this many pixels of an inner tile edge were cut by it.
EDGE_MARGIN = 2.0
# A box is a copy of another when this share of the smaller one's area lies in both.
SAME_BOX = 0.6


def detection_scale(width: int, height: int, det_max_side: int, min_short_side: int) -> float:
    """Factor (at most 1) by which the page is scaled for the detector."""
    budget = det_max_side * det_max_side / math.sqrt(2.0)
    by_area = math.sqrt(budget / max(1, width * height))
    floor = min_short_side / max(1, min(width, height))
    return min(1.0, max(by_area, floor))


def windows(length: int, tile: int) -> list[tuple[int, int]]:
    """Start/end pixel ranges of tiles `tile` long covering 0..length, overlapping by a quarter."""
    if length <= 2 * tile:
        return [(0, length)]
    step = tile - tile // 4
    count = math.ceil((length - tile) / step) + 1
    starts = np.linspace(0, length - tile, count).round().astype(int)
    return [(int(s), int(s) + tile) for s in starts]


@dataclass(frozen=True)
class TileBox:
    quad: np.ndarray  # 4x2, page pixels
    tile: int
    cut: bool  # touches an inner edge of its tile


def _bounds(quad: np.ndarray) -> tuple[float, float, float, float]:
    return float(quad[:, 0].min()), float(quad[:, 1].min()), float(quad[:, 0].max()), float(quad[:, 1].max())


def _shared(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap of the two boxes' extents as a share of the smaller one's extent area."""
    ax0, ay0, ax1, ay1 = _bounds(a)
    bx0, by0, bx1, by1 = _bounds(b)
    ix = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    iy = max(0.0, min(ay1, by1) - max(ay0, by0))
    smaller = min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0))
    return ix * iy / smaller if smaller > 0 else 0.0


def cut_by_edge(quad: np.ndarray, start: float, end: float, axis: int, length: float) -> bool:
    """True when the quad touches an edge of the tile start..end (along `axis`) that is not a page edge."""
    lo, hi = float(quad[:, axis].min()), float(quad[:, axis].max())
    return (start > 0 and lo <= start + EDGE_MARGIN) or (end < length and hi >= end - EDGE_MARGIN)


def merge_tiles(boxes: list[TileBox]) -> list[np.ndarray]:
    """One quad per text line from the boxes of overlapping tiles.

    A box cut by its tile's edge is dropped when a whole box of another tile covers it (the line
    fitted in the overlap); cut pieces of a line longer than the overlap are joined into one box;
    whole boxes of different tiles that cover each other are copies of one line (the larger
    stays).
    """
    whole = [b for b in boxes if not b.cut]
    pieces = [
        b for b in boxes if b.cut and not any(w.tile != b.tile and _shared(b.quad, w.quad) >= SAME_BOX for w in whole)
    ]
    area = [float(np.prod(np.ptp(b.quad, axis=0))) for b in whole]
    out: list[TileBox] = []
    for i in sorted(range(len(whole)), key=lambda k: -area[k]):
        if not any(o.tile != whole[i].tile and _shared(whole[i].quad, o.quad) >= SAME_BOX for o in out):
            out.append(whole[i])
    return [b.quad for b in out] + _join_pieces(pieces)


def _join_pieces(pieces: list[TileBox]) -> list[np.ndarray]:
    """Pieces of different tiles that overlap on one row, joined into their common extent."""
    groups: list[list[TileBox]] = []
    for piece in pieces:
        joined = [g for g in groups if any(_same_row(piece, other) for other in g)]
        merged = [piece] + [p for g in joined for p in g]
        groups = [g for g in groups if g not in joined] + [merged]
    out = []
    for group in groups:
        if len(group) == 1:
            out.append(group[0].quad)
            continue
        x0, y0, x1, y1 = (f(v) for f, v in zip((min, min, max, max), zip(*(_bounds(p.quad) for p in group))))
        out.append(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32))
    return out


def _same_row(a: TileBox, b: TileBox) -> bool:
    if a.tile == b.tile:
        return False
    ax0, ay0, ax1, ay1 = _bounds(a.quad)
    bx0, by0, bx1, by1 = _bounds(b.quad)
    overlap_y = min(ay1, by1) - max(ay0, by0)
    overlap_x = min(ax1, bx1) - max(ax0, bx0)
    return overlap_x > 0 and overlap_y >= 0.5 * min(ay1 - ay0, by1 - by0)


# Pixels this much darker than the paper count as content for `content_box` ...
CONTENT_CONTRAST = 32
# ... and the box keeps this share of the page's short side as margin around them.
CONTENT_MARGIN = 0.02


def content_box(image: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) around everything darker than the paper, with a margin; None for a blank
    page. The detector then skips empty margins, which are a fifth to a third of a typical
    page. Looked for on every fourth pixel; the paper is the page's 90th-percentile grey."""
    small = image[::4, ::4]
    grey = small.mean(axis=2) if small.ndim == 3 else small.astype(np.float64)
    if grey.size == 0:
        return None
    paper = float(np.percentile(grey, 90))
    content = grey < paper - CONTENT_CONTRAST
    rows = np.flatnonzero(content.any(axis=1))
    cols = np.flatnonzero(content.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return None
    height, width = image.shape[:2]
    margin = int(CONTENT_MARGIN * min(height, width)) + 8
    return (
        max(0, int(cols[0]) * 4 - margin),
        max(0, int(rows[0]) * 4 - margin),
        min(width, int(cols[-1]) * 4 + 4 + margin),
        min(height, int(rows[-1]) * 4 + 4 + margin),
    )
