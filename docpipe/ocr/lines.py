"""Text lines from word boxes: which words sit side by side on one baseline.

Works on boxes in an upright, deskewed frame whose x and y units are the same length (page
pixels or points, not 0-1 fractions of a non-square page). A word source's own line grouping is
a hint, not the truth: a PDF may put a whole table row into one "line", an OCR detector may run
one line across a narrow column gutter, and some sources give no lines at all. So hinted lines
are first cut wherever words leave the baseline or a gap wider than a word space opens, and the
pieces are then chained left to right with their neighbours on the same baseline.

How wide a gap may be inside a line is measured against the page's own word spacing: a narrow
column gutter can be smaller than a line height (0.7 of one on some two-column papers) but is
still several times the typical space between words, while the widest spaces of justified text
stay within about twice it. So lines are chained twice: once with a generous limit to measure the
typical word gap (the median gap inside lines), then with the limit below.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, y0, x1, y1

# Words further apart than this many line heights are never one line ...
MAX_WORD_GAP = 1.0
# ... nor further apart than this many typical word gaps of the page ...
GAP_FACTOR = 2.5
# ... but a gap up to this many line heights always stays inside a line (tight word spacing).
MIN_WORD_GAP = 0.3
# Two boxes are on one baseline when they overlap vertically by this share of the shorter.
SAME_LINE_OVERLAP = 0.45
# A box may start this many line heights before the previous one ends (kerning, italic overhang).
MAX_OVERLAP_BACK = 0.5


def _height(box: Box) -> float:
    return max(box[3] - box[1], 1e-9)


def _v_overlap(a: Box, b: Box) -> float:
    return min(a[3], b[3]) - max(a[1], b[1])


def _same_baseline(a: Box, b: Box) -> bool:
    return _v_overlap(a, b) >= SAME_LINE_OVERLAP * min(_height(a), _height(b))


def _gap_limit(height: float, typical_gap: float | None) -> float:
    """Widest gap inside a line of this height, given the page's typical word gap."""
    if typical_gap is None:
        return MAX_WORD_GAP * height
    return min(MAX_WORD_GAP * height, max(GAP_FACTOR * typical_gap, MIN_WORD_GAP * height))


def _follows(prev: Box, nxt: Box, height: float, typical_gap: float | None) -> bool:
    """`nxt` continues a line whose last word is `prev` (line height `height`)."""
    gap = nxt[0] - prev[2]
    return -MAX_OVERLAP_BACK * height <= gap <= _gap_limit(height, typical_gap) and _same_baseline(prev, nxt)


@dataclass
class _Open:
    members: list[int]
    last: Box
    boxes: list[Box]

    @property
    def height(self) -> float:
        """Typical word height of the line: the median, so one tall symbol does not stretch it."""
        return statistics.median(_height(b) for b in self.boxes)

    @property
    def band(self) -> Box:
        """The line's typical vertical extent (median top and bottom) ending at its last word.

        Compared with this rather than with the last word alone, a superscript or subscript
        that reaches into the next line does not lead the line astray onto that next line.
        """
        top = statistics.median(b[1] for b in self.boxes)
        bottom = statistics.median(b[3] for b in self.boxes)
        return (self.last[0], top, self.last[2], max(bottom, top + 1e-9))


def group_lines(boxes: Sequence[Box], hints: Sequence[int] | None = None) -> list[list[int]]:
    """Indices of `boxes` grouped into text lines, each line listed left to right.

    `hints`: the word source's line id per box (None: no line information). The returned lines
    come in no particular order. Cost is about O(n * rows), n the number of boxes.
    """
    first_pass = _chain(boxes, _segments(boxes, hints, None), None)
    gaps = [
        boxes[b][0] - boxes[a][2]
        for line in first_pass
        for a, b in zip(line, line[1:])
        if boxes[b][0] > boxes[a][2]
    ]
    if not gaps:
        return first_pass
    typical = statistics.median(gaps)
    return _chain(boxes, _segments(boxes, hints, typical), typical)


def _chain(boxes: Sequence[Box], segments: list[list[int]], typical_gap: float | None) -> list[list[int]]:
    """Segments joined left to right with the segment that continues them on the same baseline."""
    segments = sorted(segments, key=lambda seg: boxes[seg[0]][0])
    done: list[_Open] = []
    active: list[_Open] = []
    for seg in segments:
        first = boxes[seg[0]]
        # Lines that ended too far to the left can never continue: close them.
        still = []
        for line in active:
            if first[0] - line.last[2] > _gap_limit(line.height, typical_gap):
                done.append(line)
            else:
                still.append(line)
        active = still
        seg_boxes = [boxes[i] for i in seg]
        seg_height = statistics.median(_height(b) for b in seg_boxes)
        best: _Open | None = None
        best_dist = 0.0
        for line in active:
            height = max(line.height, seg_height)
            band = line.band
            if not _follows(band, first, height, typical_gap):
                continue
            dist = abs((band[1] + band[3]) - (first[1] + first[3]))
            if best is None or dist < best_dist:
                best, best_dist = line, dist
        if best is None:
            active.append(_Open(list(seg), boxes[seg[-1]], seg_boxes))
        else:
            best.members.extend(seg)
            best.last = boxes[seg[-1]]
            best.boxes.extend(seg_boxes)
    done.extend(active)
    return [line.members for line in done]


def _segments(boxes: Sequence[Box], hints: Sequence[int] | None, typical_gap: float | None) -> list[list[int]]:
    """The hinted lines cut where a word leaves the baseline or a wide gap opens."""
    if hints is None:
        return [[i] for i in range(len(boxes))]
    groups: dict[int, list[int]] = {}
    for i, hint in enumerate(hints):
        groups.setdefault(hint, []).append(i)
    out: list[list[int]] = []
    for members in groups.values():
        members.sort(key=lambda i: (boxes[i][0] + boxes[i][2]) / 2)
        current = [members[0]]
        heights = [_height(boxes[members[0]])]
        for i in members[1:]:
            h = max(statistics.median(heights), _height(boxes[i]))
            if _follows(boxes[current[-1]], boxes[i], h, typical_gap):
                current.append(i)
                heights.append(_height(boxes[i]))
            else:
                out.append(current)
                current, heights = [i], [_height(boxes[i])]
        out.append(current)
    return out


# A box taller than this many median word heights is an outlier for line finding.
TALL_BOX = 2.5


def tame_tall_boxes(boxes: Sequence[Box]) -> list[Box]:
    """Boxes far taller than the page's median word cut to a median height from their top.

    Text layers sometimes give a glyph a box several lines tall (a broken font bounding box), and
    a tall bracket or integral sign spans lines in OCR: such a box would chain the rows it spans
    into one and block every gutter beside it. Only the geometry used for ordering changes.
    """
    if not boxes:
        return []
    median = statistics.median(_height(b) for b in boxes)
    return [
        (b[0], b[1], b[2], b[1] + median) if _height(b) > TALL_BOX * median else tuple(b)  # type: ignore[misc]
        for b in boxes
    ]
