"""Text lines from word boxes: which words sit side by side on one baseline.

Works on boxes in an upright, deskewed frame whose x and y units are the same length (page
pixels or points, not 0-1 fractions of a non-square page). A word source's own line grouping is
a hint, not the truth: a PDF may put a whole table row into one "line", an OCR detector may run
one line across a narrow column gutter, and some sources give no lines at all. So hinted lines
are first cut wherever words leave the baseline or a gap wider than a word space opens, and the
pieces are then chained left to right with their neighbours on the same baseline.

How wide a gap may be inside a line is measured against the page's own word spacing: a narrow
column gutter can be smaller than a line height (0.7 of one on some two-column papers) but is
still several times the typical space between words. Lines are first chained with a generous
limit (a line height); the typical word gap is the median gap inside those lines, and a line is
then cut where one gap stands out both against that and against the line's own other gaps.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, y0, x1, y1

# Words further apart than this many line heights are not one line ...
MAX_WORD_GAP = 1.0
# ... unless the gap is at most this many line heights and the rows above or below have words
# there (a widely stretched space of justified text, not a gutter; OCR boxes, tight to the ink,
# make such spaces look wider than a text layer's boxes do) ...
WIDE_SPACE = 2.0
# A gap inside a line wider than this many typical word gaps of the page ...
GAP_FACTOR = 2.5
# ... or than this many times the line's other gaps (a justified line stretches them all) ...
OUTLIER_GAP = 2.0
# ... but a gap up to this many line heights always stays inside a line (tight word spacing).
MIN_WORD_GAP = 0.3
# A wide gap is a gutter when this share of the lines within NEIGHBOUR_LINES line heights above
# and below that reach across it leave it empty too.
GUTTER_SHARE = 0.75
NEIGHBOUR_LINES = 4.0
# Two boxes are on one baseline when they overlap vertically by this share of the shorter.
SAME_LINE_OVERLAP = 0.45
# A word smaller than this share of its line's height is a mark (superscript, dot, dash).
SMALL_MARK = 0.7
# A box may start this many line heights before the previous one ends (kerning, italic overhang).
MAX_OVERLAP_BACK = 0.5


def _height(box: Box) -> float:
    return max(box[3] - box[1], 1e-9)


def _v_overlap(a: Box, b: Box) -> float:
    return min(a[3], b[3]) - max(a[1], b[1])


def _same_baseline(a: Box, b: Box) -> bool:
    return _v_overlap(a, b) >= SAME_LINE_OVERLAP * min(_height(a), _height(b))


def _follows(prev: Box, nxt: Box, height: float, limit: float) -> bool:
    """`nxt` continues a line whose last word is `prev` (line height `height`) at most `limit`
    line heights away."""
    gap = nxt[0] - prev[2]
    return -MAX_OVERLAP_BACK * height <= gap <= limit * height and _same_baseline(prev, nxt)


@dataclass
class _Open:
    members: list[int]
    last: Box
    boxes: list[Box]
    height: float = 0.0  # typical word height: the median, so one tall symbol does not stretch it
    band: Box = (0.0, 0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute height and band after words were added.

        The band is the line's typical vertical extent (median top and bottom) ending at its last
        word: compared with it rather than with the last word alone, a superscript or subscript
        that reaches into the next line does not lead the line astray onto that next line.
        """
        self.height = statistics.median(_height(b) for b in self.boxes)
        top = statistics.median(b[1] for b in self.boxes)
        bottom = statistics.median(b[3] for b in self.boxes)
        self.band = (self.last[0], top, self.last[2], max(bottom, top + 1e-9))


def group_lines(boxes: Sequence[Box], hints: Sequence[int] | None = None) -> list[list[int]]:
    """Indices of `boxes` grouped into text lines, each line listed left to right.

    `hints`: the word source's line id per box (None: no line information). The returned lines
    come in no particular order. Cost is about O(n * rows), n the number of boxes.

    Three passes: words chained at word spacing; lines cut where a gap turns out to be a gutter;
    lines joined across a widely stretched space that is no gutter.
    """
    lines = _chain(boxes, _segments(boxes, hints), MAX_WORD_GAP)
    gaps = [g for line in lines for g in _gaps(boxes, line) if g > 0]
    if not gaps:
        return lines
    typical = statistics.median(gaps)
    rows = _RowIndex(boxes, lines)
    lines = [piece for line in lines for piece in _split_at_gutters(boxes, line, typical, rows)]
    rows = _RowIndex(boxes, lines)

    def stretched(line: list[int], nxt: Box, height: float) -> bool:
        return rows.covered_gap(line, boxes[line[-1]][2], nxt[0], height) is True

    return _chain(boxes, lines, WIDE_SPACE, stretched, check_all=True)


def _gaps(boxes: Sequence[Box], line: list[int]) -> list[float]:
    return [boxes[b][0] - boxes[a][2] for a, b in zip(line, line[1:])]


class _RowIndex:
    """The rows above and below a point, to tell a column gutter from a wide word space."""

    def __init__(self, boxes: Sequence[Box], lines: list[list[int]]) -> None:
        self.boxes = boxes
        self.lines = sorted(lines, key=lambda line: _centre_y(boxes, line))
        self.centres = [_centre_y(boxes, line) for line in self.lines]

    def _neighbour_rows(self, line: list[int], height: float) -> list[tuple[bool, list[int]]]:
        """(above?, words) of the rows within NEIGHBOUR_LINES line heights of the line.

        A row is the words of all lines whose centres lie within half a line height of each
        other, so the two halves of a row split at a gutter count as one row.
        """
        yc = _centre_y(self.boxes, line)
        start = bisect.bisect_left(self.centres, yc - NEIGHBOUR_LINES * height)
        stop = bisect.bisect_right(self.centres, yc + NEIGHBOUR_LINES * height)
        rows: list[tuple[float, list[int]]] = []
        for k in range(start, stop):
            if self.lines[k] is line or abs(self.centres[k] - yc) < 0.5 * height:
                continue
            if rows and abs(self.centres[k] - rows[-1][0]) < 0.5 * height:
                rows[-1][1].extend(self.lines[k])
            else:
                rows.append((self.centres[k], list(self.lines[k])))
        return [(centre < yc, words) for centre, words in rows]

    def _spanning(self, rows: list[tuple[bool, list[int]]], lo: float, hi: float) -> list[tuple[bool, list[int]]]:
        """The rows that have words on both sides of lo..hi."""
        return [
            (above, words)
            for above, words in rows
            if any(self.boxes[i][2] <= lo for i in words) and any(self.boxes[i][0] >= hi for i in words)
        ]

    def _inked(self, words: list[int], x0: float, x1: float) -> bool:
        return any(self.boxes[i][0] < x1 and self.boxes[i][2] > x0 for i in words)

    def aligned_whitespace(self, line: list[int], lo: float, hi: float, height: float) -> bool | None:
        """Is the middle of lo..hi empty in most neighbouring rows that have words on both sides of
        it, above or below the line (one side suffices: a column's first line may sit under a
        spanning title)? None: too few such rows on either side to tell."""
        mid, quarter = (lo + hi) / 2, (hi - lo) / 4
        counts = {True: [0, 0], False: [0, 0]}  # above?: [rows, rows empty there]
        for above, words in self._spanning(self._neighbour_rows(line, height), mid - quarter, mid + quarter):
            counts[above][0] += 1
            counts[above][1] += not self._inked(words, mid - quarter, mid + quarter)
        verdicts = [empty >= GUTTER_SHARE * rows for rows, empty in counts.values() if rows >= 2]
        return any(verdicts) if verdicts else None

    def covered_gap(self, line: list[int], lo: float, hi: float, height: float) -> bool | None:
        """Do the neighbouring rows have words over every part of lo..hi? True for a widely
        stretched word space (the lines around it are set tighter there); False when some
        strip of the gap is empty in most of them (a gutter, perhaps beside a short line).
        None: fewer than two rows reach across the gap."""
        rows = self._spanning(self._neighbour_rows(line, height), lo, hi)
        if len(rows) < 2:
            return None
        steps = 8
        for k in range(steps):
            x0 = lo + (hi - lo) * k / steps
            x1 = lo + (hi - lo) * (k + 1) / steps
            inked = sum(self._inked(words, x0, x1) for _, words in rows)
            if inked < 0.5 * len(rows):
                return False
        return True


def _centre_y(boxes: Sequence[Box], line: list[int]) -> float:
    return statistics.median((boxes[i][1] + boxes[i][3]) / 2 for i in line)


def _split_at_gutters(boxes: Sequence[Box], line: list[int], typical_gap: float, rows: _RowIndex) -> list[list[int]]:
    """A line cut at gaps too wide for a word space.

    A candidate gap is wider than GAP_FACTOR typical word gaps of the page (and MIN_WORD_GAP line
    heights). It is a gutter when the lines above and below leave the same strip empty (a column
    gutter or a table's cell gap), or, where too few lines reach across it to tell, when it is
    OUTLIER_GAP times the line's other gaps. A justified line's wide spaces fall where the lines
    around it have words, so it stays whole.
    """
    gaps = _gaps(boxes, line)
    if not gaps:
        return [line]
    height = statistics.median(_height(boxes[i]) for i in line)
    floor = max(GAP_FACTOR * typical_gap, MIN_WORD_GAP * height)
    pieces = [[line[0]]]
    for k, gap in enumerate(gaps):
        wide = False
        if gap > floor:
            aligned = rows.aligned_whitespace(line, boxes[line[k]][2], boxes[line[k + 1]][0], height)
            if aligned is None:
                others = gaps[:k] + gaps[k + 1 :]
                wide = not others or gap > OUTLIER_GAP * statistics.median(others)
            else:
                wide = aligned
        if wide:
            pieces.append([])
        pieces[-1].append(line[k + 1])
    return pieces


def _chain(
    boxes: Sequence[Box],
    segments: list[list[int]],
    limit: float,
    wide_ok: Callable[[list[int], Box, float], bool] | None = None,
    check_all: bool = False,
) -> list[list[int]]:
    """Segments joined left to right with the segment that continues them on the same baseline,
    at most `limit` line heights away; across gaps over MAX_WORD_GAP line heights (any gap with
    `check_all`: lines that were cut at a gutter stay cut) only where `wide_ok(line so far, next
    box, height)` allows."""
    segments = sorted(segments, key=lambda seg: boxes[seg[0]][0])
    done: list[_Open] = []
    active: list[_Open] = []
    for seg in segments:
        first = boxes[seg[0]]
        # Lines that ended too far to the left can never continue: close them.
        still = []
        for line in active:
            if first[0] - line.last[2] > limit * line.height:
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
            if not _follows(band, first, height, limit):
                continue
            # The last word's own baseline must match too, unless it is a small mark (a
            # superscript, a dot): lines of a neighbouring column set at another pitch overlap
            # the band by turns and would otherwise be collected into one line.
            if _height(line.last) >= SMALL_MARK * line.height and not _same_baseline(line.last, first):
                continue
            if (check_all or first[0] - line.last[2] > MAX_WORD_GAP * height) and (
                wide_ok is None or not wide_ok(line.members, first, height)
            ):
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
            best.refresh()
    done.extend(active)
    return [line.members for line in done]


def _segments(boxes: Sequence[Box], hints: Sequence[int] | None) -> list[list[int]]:
    """The hinted lines cut where a word leaves the baseline or a gap wider than a word space opens."""
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
            if _follows(boxes[current[-1]], boxes[i], h, MAX_WORD_GAP):
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
