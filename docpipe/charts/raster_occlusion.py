"""Bars whose far end runs under a legend box: measured through it, or marked hidden.

A legend drawn over the plot cuts the bars behind it: the bar's colour class stops at the box's
edge, so the rectangle found there ends at the legend, not at the bar's value. Once the legend is
found its region is known, and a bar (or a stack's segment) whose far end lies at that region,
with something other than the background right beyond it, is followed along the value axis:

- where the box covers only part of the bar across (a fifth of its width or more left free),
  along the free columns, where the bar is seen in its own colour;
- otherwise through the box: a translucent box shows the bar as a tint (a colour between the
  box's face and the bar's colour). Words are seen between their glyphs, legend swatches are
  skipped, gridlines stepped over. The bar ends where the face colour comes back (three rows in
  a row). In a stack, a tint or colour of another series is the next segment, hidden wholly or
  partly behind the box.

The end cannot be seen, and the bar and every segment beyond it in its stack are marked hidden
(the measured length is only a lower bound; the reader caps the confidence, see
`raster_read.EVIDENCE_CAP`), when: the bar meets the box's border and then its face (an opaque
box), the end lies under a swatch or a word (two rows or more), the walk never finds the face
again, another series follows a bar that is not stacked, or a series comes twice in one stack.

Positions are crop pixels (x right, y down); legend regions are crop-pixel boxes
`(x0, y0, x1, y1)`, exclusive ends. Thresholds are RGB distances on 0-255 channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from docpipe.charts.raster_bars import Bar, BarLayout
from docpipe.charts.raster_image import Rule

FACE_TOL = 14.0
"""RGB distance within which a pixel is the legend box's face (the background colour)."""
TINT_RESIDUAL = 14.0
"""RGB distance a tint may lie off the line face → mark colour."""
TINT = 10_000
"""Offset of a tint's vote from its class index."""
FULL_TOL = 30.0
"""RGB distance within which a pixel is a mark colour itself."""


@dataclass
class Followed:
    """What following one bar into a legend region gave: the bar's new far edge (crop pixel along
    the value axis; None when hidden), the segments found wholly under the box (stacks), and
    whether the end could not be seen."""

    far: int | None
    extra: list[Bar]
    hidden: bool


def follow_under_legend(crop: np.ndarray, bg: np.ndarray, text_mask: np.ndarray, lay: BarLayout,
                        colors: list[np.ndarray], regions: list[tuple[int, int, int, int]],
                        th: float, rules: list[Rule] = ()) -> set[int]:
    """Follow every bar that ends at a legend region into it; changes `lay.slots` in place (bars
    lengthened to where they really end; stacked segments found under the box added to their
    slot) and returns the ids of the bars whose end is hidden.

    crop: H×W×3 RGB chart crop; bg: background RGB; text_mask: H×W uint8 (1: words, 2: legend swatches);
    colors: RGB of each colour class (index = `Bar.cls`); regions: legend boxes (entries and their
    frames), crop pixels; th: text height in pixels; rules: the chart's straight rules (gridlines
    across the bars are stepped over).
    """
    if not regions:
        return set()
    vertical = lay.vertical
    img = crop if vertical else crop.transpose(1, 0, 2)
    tmask = text_mask if vertical else text_mask.T
    classes = sorted({b.cls for s in lay.slots for b in s})
    rule_rows = {int(round(r.pos)) + d for r in rules if r.horizontal == vertical
                 for d in range(-(r.thick // 2) - 1, r.thick // 2 + 2)}
    hidden: set[int] = set()
    for slot in lay.slots:
        for b in list(slot):  # a sliver of mark colour at the box's edge is its border's ink
            x0, x1, far, step = _geometry(b, vertical, lay.baseline)
            length = (b.h if vertical else b.w)
            if len(slot) > 1 and length <= 3 and any(_at_region(x0, x1, far, step, r, vertical, th) for r in regions):
                slot.remove(b)
        for stack in _stacks(slot, lay):
            # The stack's extent across: a segment narrowed by the box is partly behind it.
            s0 = min(b.x0 if vertical else b.y0 for b in stack)
            s1 = max(b.x1 if vertical else b.y1 for b in stack)
            for i, bar in enumerate(stack):
                x0, x1, far, step = _geometry(bar, vertical, lay.baseline)
                narrowed = (x1 - x0) < 0.8 * (s1 - s0)
                if i + 1 < len(stack) and _joined_at(stack[i + 1], far, step, vertical) and not narrowed:
                    continue  # the next segment starts at this one's end
                at = [r if vertical else (r[1], r[0], r[3], r[2]) for r in regions
                      if _at_region(s0, s1, far, step, r, vertical, th)
                      or (narrowed and _overlaps(bar, r, th))]
                if not at:
                    continue
                x0, x1 = s0, s1
                c0, c1 = _strip(x0, x1, min(r[0] for r in at), max(r[2] for r in at))
                got = _walk(img, tmask, bg, colors, classes, bar, c0, c1, far, step, th,
                            stacked=lay.stacked, in_stack={b.cls for b in stack}, rule_rows=rule_rows)
                if got is None:
                    continue
                if got.hidden:  # this segment's end and every segment beyond it are unseen
                    hidden.update(id(b) for b in stack[i:])
                    break
                _set_far(bar, got.far, vertical, step)
                for b in got.extra:
                    slot.append(b if vertical else Bar(b.y0, b.x0, b.y1, b.x1, b.cls, b.fill))
    return hidden


def _stacks(slot: list[Bar], lay: BarLayout) -> list[list[Bar]]:
    """The slot's bars as stacks, each ordered from the baseline outwards: a stacked column per
    side of the baseline, otherwise every bar on its own."""
    if not lay.stacked:
        return [[b] for b in slot]
    vertical = lay.vertical
    out = []
    for sign in (-1, 1):
        side = [b for b in slot if np.sign(_mid(b, vertical) - lay.baseline) == sign]
        if side:
            side.sort(key=lambda b: abs(_mid(b, vertical) - lay.baseline))
            out.append(side)
    return out


def _strip(x0: int, x1: int, r0: int, r1: int) -> tuple[int, int]:
    """The columns to follow a bar along (frame where bars are vertical): where the legend
    region [r0, r1) leaves a side of the bar uncovered (a fifth of its width or more), that
    side, seen in full; otherwise the bar's middle three fifths, seen through the box. Edges
    are kept off by a pixel or a fifth (anti-aliasing)."""
    w = x1 - x0
    left, right = max(0, min(x1, r0) - x0), max(0, x1 - max(x0, r1))
    if max(left, right) >= max(4, 0.2 * w):
        a, b = (x0, min(x1, r0)) if left >= right else (max(x0, r1), x1)
        return a + 1, b - 1
    return x0 + max(1, int(0.2 * w)), x1 - max(1, int(0.2 * w))


def _overlaps(b: Bar, r: tuple[int, int, int, int], th: float) -> bool:
    """The bar touches the legend region (crop pixels, padded by half a text height)."""
    pad = max(3.0, 0.5 * th)
    return b.x0 < r[2] + pad and r[0] - pad < b.x1 and b.y0 < r[3] + pad and r[1] - pad < b.y1


def _joined_at(nxt: Bar, far: int, step: int, vertical: bool) -> bool:
    """The next segment of a stack begins right beyond `far` (within 2 pixels)."""
    lo, hi = (nxt.y0, nxt.y1 - 1) if vertical else (nxt.x0, nxt.x1 - 1)
    near = hi if step < 0 else lo
    return abs(near - (far + step)) <= 2


def _mid(b: Bar, vertical: bool) -> float:
    return b.cy if vertical else b.cx


def _geometry(b: Bar, vertical: bool, baseline: float) -> tuple[int, int, int, int]:
    """(across start, across end, far edge, step) in the frame where bars are vertical (value axis
    = rows): the far edge is the bar's outermost pixel row away from the baseline, `step` the
    direction (-1 or +1) that leads away from it."""
    a0, a1, lo, hi = (b.x0, b.x1, b.y0, b.y1 - 1) if vertical else (b.y0, b.y1, b.x0, b.x1 - 1)
    if (lo + hi) / 2 < baseline:
        return a0, a1, lo, -1
    return a0, a1, hi, 1


def _at_region(x0: int, x1: int, far: int, step: int, r: tuple[int, int, int, int], vertical: bool,
               th: float) -> bool:
    """The bar's far end lies at or inside the legend region, which overlaps it across."""
    rx0, ry0, rx1, ry1 = r if vertical else (r[1], r[0], r[3], r[2])
    if min(x1, rx1) - max(x0, rx0) <= 0:
        return False
    pad = max(3.0, 0.5 * th)
    return ry0 - pad <= far + step <= ry1 + pad


def _labels(img: np.ndarray, tmask: np.ndarray, bg: np.ndarray, colors: list[np.ndarray], classes: list[int],
            row: int, c0: int, c1: int) -> tuple[str, int]:
    """What one row of the strip across a bar shows: ('face', -1), ('mark', class) in the mark's
    own colour, ('tint', class) seen through a translucent box, ('text', -1) or ('other', -1), by
    the majority of its pixels. Swatch pixels (mask 2) never vote; inside
    words (mask 1) the pixels between the glyphs vote when too few pixels are free of words."""
    m = tmask[row, c0:c1]
    free = m == 0
    use = free if free.sum() >= 0.4 * len(m) else m < 2
    if use.sum() < 3:
        return "text", -1
    votes = _votes(img[row, c0:c1][use].astype(np.float32), bg, colors, classes)
    if not free.sum() >= 0.4 * len(m):  # glyph ink votes 'other': count only face and mark pixels
        votes = votes[votes != -2]
        if len(votes) < 0.3 * use.sum():
            return "text", -1
    merged = np.where(votes >= TINT, votes - TINT, votes)
    vals, counts = np.unique(merged, return_counts=True)
    top = int(np.argmax(counts))
    if counts[top] < 0.6 * len(votes):
        return "other", -1
    v = int(vals[top])
    if v < 0:
        return ("face", -1) if v == -1 else ("other", -1)
    return ("tint" if np.mean(votes[merged == v] >= TINT) > 0.5 else "mark"), v


def _votes(px: np.ndarray, bg: np.ndarray, colors: list[np.ndarray], classes: list[int]) -> np.ndarray:
    """Per pixel: -1 the face (background), k a mark colour (class index), k + TINT a tint of it,
    -2 anything else."""
    bgf = np.asarray(bg, np.float32)
    votes = np.full(len(px), -2)
    face = np.sqrt(((px - bgf) ** 2).sum(axis=1)) < FACE_TOL
    votes[face] = -1
    best = np.full(len(px), np.inf)
    for k in classes:
        c = np.asarray(colors[k], np.float32)
        full = np.sqrt(((px - c) ** 2).sum(axis=1))
        d = c - bgf
        denom = float((d * d).sum()) or 1.0
        t = ((px - bgf) @ d) / denom
        resid = np.sqrt(((px - bgf - t[:, None] * d) ** 2).sum(axis=1))
        tint = (t >= 0.06) & (t <= 0.94) & (resid < TINT_RESIDUAL)
        solid = full < FULL_TOL
        score = np.where(solid, full, np.where(tint, resid, np.inf))
        score[face] = np.inf
        take = score < best
        votes[take] = np.where(solid[take], k, k + TINT)
        best = np.minimum(best, score)
    return votes


def _walk(img: np.ndarray, tmask: np.ndarray, bg: np.ndarray, colors: list[np.ndarray], classes: list[int],
          bar: Bar, x0: int, x1: int, far: int, step: int, th: float, *, stacked: bool,
          in_stack: set[int], rule_rows: set[int]) -> Followed | None:
    """Follow the bar beyond its far edge (rows far+step, far+2·step, ...); None when the bar is not
    covered there (the background follows at once)."""
    c0, c1 = x0, x1
    if c1 - c0 < 2:
        return None
    n = far if step < 0 else img.shape[0] - 1 - far
    max_gap = max(3, int(1.5 * th))
    segs: list[list[int]] = []  # [class, first step, last step]
    face_run = 0
    last = ""  # what the walk saw last before the face came back
    trail = 0  # for how many rows
    covered = False  # something other than the background right beyond the end
    ended = False
    for k in range(1, n + 1):
        row = far + step * k
        if row in rule_rows:
            continue  # a gridline across the plot, not the legend's border
        kind, cls = _labels(img, tmask, bg, colors, classes, row, c0, c1)
        if kind == "face":
            face_run += 1
            if k <= 2 and not segs and not covered:
                return None  # the bar ends on the background: nothing covers it
            if face_run >= 3:
                ended = True
                break
            continue
        face_run = 0
        trail = trail + 1 if kind == last == "text" else 1
        last = kind
        if kind in ("mark", "tint"):
            if segs and segs[-1][0] == cls and k - segs[-1][2] <= max_gap + 1:
                segs[-1][2] = k
            else:
                segs.append([cls, k, k])
        else:
            covered = True
    if segs and segs[-1][2] - segs[-1][1] < 1 and segs[-1][1] <= 1 and len(segs) == 1 and not covered:
        return None  # one anti-aliased row past the edge: the bar ends there
    segs = [sg for sg in segs if sg[2] - sg[1] >= 1]  # one row of a colour is an edge's blend, not a mark
    if not ended or not segs or last == "other" or (last == "text" and trail >= 2):
        # an opaque box (the bar meets its border, then its face), an end somewhere under a swatch
        # or a word, or the walk ran off: the end is unseen
        return Followed(None, [], True)
    own = segs[0][0] == bar.cls
    if not own and not (stacked and segs[0][1] <= 2):
        return Followed(None, [], True)  # another series right beyond a bar that is not stacked
    seen = set(in_stack)
    extra: list[Bar] = []
    for cls, a, b in segs[1:] if own else segs:  # a stack's next segment may begin right at the end
        if not stacked or cls in seen:
            return Followed(None, [], True)
        seen.add(cls)
        lo, hi = (far + step * b, far + step * a) if step < 0 else (far + step * a, far + step * b)
        extra.append(Bar(x0, lo, x1, hi + 1, cls, 1.0))
    return Followed(far + step * segs[0][2] if own else far, extra, False)


def _set_far(b: Bar, far: int, vertical: bool, step: int) -> None:
    """Move the bar's far edge to `far` (frame where bars are vertical)."""
    if vertical:
        if step < 0:
            b.y0 = far
        else:
            b.y1 = far + 1
    elif step < 0:
        b.x0 = far
    else:
        b.x1 = far + 1
