"""Reading order and block grouping for text lines on an upright page.

Works on line boxes only (any consistent units, origin top-left), so every word source shares
one notion of order. The algorithm is a recursive X-Y cut over the lines' bounding boxes (G.
Nagy and S. Seth, "Hierarchical representation of optically scanned documents", ICPR 1984; on
bounding boxes rather than pixel profiles as in J. Ha, R. M. Haralick and I. T. Phillips,
"Recursive X-Y cut using bounding boxes of connected components", ICDAR 1995), cutting first
at horizontal gaps into bands of lines, then at vertical gutters, with these departures from the
textbook cut, all measured on DocBank and on generated pages (tools/reading_order_eval.py,
tools/layout_eval.py):

* Columns are found across runs of bands rather than inside one band: consecutive bands that
  share an empty vertical strip (a gutter) are cut there together, so two columns whose
  baselines line up, whose rows are each a band of their own, are still read one after the
  other. A spanning line (title, wide caption, full-width table) crosses every gutter and so
  ends the run; the columns above and below it are cut separately, and it is read where it
  stands. (XY-Cut++, S. Liu, Y. Li and J. Wei, arXiv:2504.10258, 2025, masks such
  cross-layout elements for the same reason.)
* A vertical cut is taken only where the sides read one after the other: both running text
  (several words and characters per line), or running text beside short lines that do not share
  its rows (a figure's labels). Tables and forms have gutters too, but their short cells sit row
  by row, so they are read across; a table row of four or more cells crossing a gutter ties its
  two sides together there, unless running text is level with its cells or its only cell on one
  side stands beside running text (a figure's labels level with a formula's number in the next
  column are no table).
* A caption or note set apart under the columns, below everything on the other side, is not
  made part of the last column.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass

# A side of a column cut must look like prose: at least this many words per line (median) ...
PROSE_MIN_WORDS = 3.0
# ... at least this many characters per line (median; math and table cells have short lines) ...
PROSE_MIN_CHARS = 16
# ... and at least this many lines.
PROSE_MIN_LINES = 2
# Running text beside short lines is read column by column unless this share of the short
# lines is level with its lines (within LEVEL_ROWS line heights): then they are a table's cells.
ALIGNED_ROWS = 0.7
LEVEL_ROWS = 0.25
# Lines of one row overlap vertically by at least this share of the shorter line.
ROW_OVERLAP = 0.5
# Consecutive rows further apart than this many line heights start a new block ...
BLOCK_GAP_LINES = 1.5
# ... or further apart than this many times the page's usual gap between rows.
BLOCK_GAP_FACTOR = 1.8
# An empty vertical strip at least this many line heights wide can separate columns.
GUTTER_LINES = 0.5
# Short lines side by side that make a table row crossing a gutter (see _open_gutters).
TABLE_ROW_CELLS = 4
# A one-sided last band of a column run set apart by more than this many line heights, below
# everything on the other side, is not part of the columns (a caption or note under them).
STRAY_GAP_LINES = 0.75


@dataclass(frozen=True)
class LineBox:
    """One text line: its box (x0, y0, x1, y1) and how many words it holds."""

    x0: float
    y0: float
    x1: float
    y1: float
    n_words: int = 1
    n_chars: int = 0

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1e-9)

    @property
    def width(self) -> float:
        return max(self.x1 - self.x0, 0.0)

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


def reading_order(lines: list[LineBox]) -> list[list[int]]:
    """Rows of line indices in reading order; lines in one row are listed left to right."""
    if not lines:
        return []
    return _order(lines, list(range(len(lines))))


def assign_blocks(lines: list[LineBox], rows: list[list[int]]) -> list[int]:
    """Block id per line: consecutive rows stay in one block while they overlap horizontally,
    go on downwards and are not much further apart than the page's usual line spacing."""
    gaps = [g for g in (_row_gap(lines, a, b) for a, b in zip(rows, rows[1:])) if g is not None and g > 0]
    typical = statistics.median(gaps) if gaps else 0.0
    blocks = [0] * len(lines)
    block = -1
    prev: list[int] | None = None
    for row in rows:
        if prev is None or not _continues_block(lines, prev, row, typical):
            block += 1
        for i in row:
            blocks[i] = block
        prev = row
    return blocks


def _row_gap(lines: list[LineBox], prev: list[int], row: list[int]) -> float | None:
    """Vertical gap from `prev` down to `row`; None when `row` is not below and beside it."""
    px0 = min(lines[i].x0 for i in prev)
    px1 = max(lines[i].x1 for i in prev)
    py0 = min(lines[i].y0 for i in prev)
    py1 = max(lines[i].y1 for i in prev)
    rx0 = min(lines[i].x0 for i in row)
    rx1 = max(lines[i].x1 for i in row)
    ry0 = min(lines[i].y0 for i in row)
    if ry0 < py0:  # jumped back up: a new column
        return None
    if min(px1, rx1) - max(px0, rx0) <= 0:
        return None
    return ry0 - py1


def _continues_block(lines: list[LineBox], prev: list[int], row: list[int], typical_gap: float) -> bool:
    gap = _row_gap(lines, prev, row)
    if gap is None:
        return False
    height = max(max(lines[i].height for i in prev), max(lines[i].height for i in row))
    return gap <= max(BLOCK_GAP_LINES * height, BLOCK_GAP_FACTOR * typical_gap)


def _order(lines: list[LineBox], ids: list[int]) -> list[list[int]]:
    if len(ids) <= 1:
        return [ids] if ids else []
    bands = _bands(lines, ids)
    if len(bands) == 1:
        split = _column_split(lines, ids)
        if split is not None:
            return _order(lines, split[0]) + _order(lines, split[1])
        return _rows(lines, ids)
    rows: list[list[int]] = []
    table_rows = [_table_rows(lines, band) for band in bands]
    i = 0
    while i < len(bands):
        end, split = _column_run(lines, bands, i, table_rows)
        if split is not None:
            rows.extend(_order(lines, split[0]))
            rows.extend(_order(lines, split[1]))
        else:
            for band in bands[i:end]:
                rows.extend(_order(lines, band))
        i = end
    return rows


def _is_prose(lines: list[LineBox], ids: list[int]) -> bool:
    if len(ids) < PROSE_MIN_LINES:
        return False
    return (
        statistics.median(lines[i].n_words for i in ids) >= PROSE_MIN_WORDS
        and statistics.median(lines[i].n_chars for i in ids) >= PROSE_MIN_CHARS
    )


def _free_spans(lines: list[LineBox], ids: list[int], x0: float, x1: float) -> list[tuple[float, float]]:
    """Empty x-intervals between the lines' horizontal extents, inside x0..x1."""
    spans: list[tuple[float, float]] = []
    reach = x0
    for i in sorted(ids, key=lambda k: lines[k].x0):
        if lines[i].x0 > reach:
            spans.append((reach, lines[i].x0))
        reach = max(reach, lines[i].x1)
    if reach < x1:
        spans.append((reach, x1))
    return spans


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]], min_width: float) -> list[tuple[float, float]]:
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if hi - lo >= min_width:
                out.append((lo, hi))
    return out


def _split_at(lines: list[LineBox], ids: list[int], gutters: list[tuple[float, float]]) -> tuple[list[int], list[int]] | None:
    """The widest gutter with running text on both sides, as (left, right) line ids."""
    for lo, hi in sorted(gutters, key=lambda g: g[0] - g[1]):
        cut = (lo + hi) / 2
        left = [i for i in ids if lines[i].x1 <= cut]
        right = [i for i in ids if lines[i].x0 >= cut]
        if len(left) + len(right) == len(ids) and _separate_columns(lines, left, right):
            return left, right
    return None


def _separate_columns(lines: list[LineBox], left: list[int], right: list[int]) -> bool:
    """Do the two sides read one after the other? Yes when both are running text, or when one is
    running text and the other (a figure's labels, a list of short notes) does not share its
    rows. No for a table or a form, whose short cells sit row by row beside each other."""
    left_prose, right_prose = _is_prose(lines, left), _is_prose(lines, right)
    if left_prose and right_prose:
        return True
    if left_prose == right_prose or len(left) < PROSE_MIN_LINES or len(right) < PROSE_MIN_LINES:
        return False
    prose, other = (left, right) if left_prose else (right, left)
    return _aligned_share(lines, other, prose) < ALIGNED_ROWS


def _aligned_share(lines: list[LineBox], ids: list[int], to: list[int]) -> float:
    """Share of `ids` whose vertical centre is level (within a quarter line) with a line of `to`."""
    centres = sorted(lines[j].yc for j in to)
    level = 0
    for i in ids:
        k = bisect.bisect_left(centres, lines[i].yc)
        near = [abs(centres[j] - lines[i].yc) for j in (k - 1, k) if 0 <= j < len(centres)]
        level += bool(near) and min(near) <= LEVEL_ROWS * lines[i].height
    return level / len(ids) if ids else 0.0


def _column_split(lines: list[LineBox], ids: list[int]) -> tuple[list[int], list[int]] | None:
    """Split at an empty vertical gutter with running text on both sides (widest gutter first)."""
    x0 = min(lines[i].x0 for i in ids)
    x1 = max(lines[i].x1 for i in ids)
    min_gutter = GUTTER_LINES * statistics.median(lines[i].height for i in ids)
    gutters = [g for g in _free_spans(lines, ids, x0, x1) if g[1] - g[0] >= min_gutter]
    return _split_at(lines, ids, gutters)


def _column_run(
    lines: list[LineBox], bands: list[list[int]], start: int, table_rows: list[list[list[int]]]
) -> tuple[int, tuple[list[int], list[int]] | None]:
    """Consecutive bands from `start` that share an empty gutter with running text on both sides.

    Returns (end, (left, right)) for the longest such run, or (start + 1, None) when band
    `start` starts none. A run stops
    * at a band that crosses every shared gutter (a title or caption spanning the columns), which
      is how spanning lines separate column sections;
    * at a table row whose cells sit on both sides of the gutter (it blocks that gutter).
    A caption or note under the columns is trimmed off the end of the run (`_stray_tail`).
    """
    ids = [i for band in bands for i in band]
    x0 = min(lines[i].x0 for i in ids)
    x1 = max(lines[i].x1 for i in ids)
    height = statistics.median(lines[i].height for i in ids)
    min_gutter = GUTTER_LINES * height
    shared = _open_gutters(lines, bands[start], table_rows[start], _free_spans(lines, bands[start], x0, x1), min_gutter)
    best: tuple[int, tuple[list[int], list[int]]] | None = None
    members = list(bands[start])
    end = start + 1
    while shared:
        if end - start >= 2:
            interior = [g for g in shared if g[0] > x0 and g[1] < x1]
            split = _split_at(lines, members, interior)
            if split is not None:
                best = (end, split)
        if end == len(bands):
            break
        shared = _intersect(shared, _free_spans(lines, bands[end], x0, x1), min_gutter)
        shared = _open_gutters(lines, bands[end], table_rows[end], shared, min_gutter)
        members = members + bands[end]
        end += 1
    if best is None:
        return start + 1, None
    end, (left, right) = best
    while end - start > 1 and _stray_tail(lines, bands[end - 1], bands[end - 2], left, right, height):
        tail = set(bands[end - 1])
        left = [i for i in left if i not in tail]
        right = [i for i in right if i not in tail]
        end -= 1
    return end, (left, right)


def _stray_tail(
    lines: list[LineBox], band: list[int], above: list[int], left: list[int], right: list[int], height: float
) -> bool:
    """A run's last band that lies on one side only, below everything on the other side and set
    apart from the band above it: a caption or note under the columns, not a column's last lines."""
    members = set(band)
    for side, other in ((left, right), (right, left)):
        if members <= set(side):
            rest = [i for i in other if i not in members]
            bottom = max((lines[i].y1 for i in rest), default=float("inf"))
            return min(lines[i].y0 for i in band) > bottom and _band_gap(lines, above, band) > STRAY_GAP_LINES * height
    return False


def _band_gap(lines: list[LineBox], upper: list[int], lower: list[int]) -> float:
    return min(lines[i].y0 for i in lower) - max(lines[i].y1 for i in upper)


def _short(line: LineBox) -> bool:
    return line.n_words < PROSE_MIN_WORDS or line.n_chars < PROSE_MIN_CHARS


def _table_rows(lines: list[LineBox], band: list[int]) -> list[list[int]]:
    """The band's table rows: TABLE_ROW_CELLS or more lines side by side (overlapping
    vertically), all of them short (cells, not running text), with no line of running text
    level with any of them. (Fewer cells would take a numbered heading beside the other
    column's short last line for a table row; a line of running text level with the cells means
    they are a figure's labels or a displayed formula beside a column, not a table.)"""
    short = [i for i in band if _short(lines[i])]
    if len(short) < TABLE_ROW_CELLS:
        return []
    prose = [j for j in band if not _short(lines[j])]
    rows = []
    for i in short:
        row = [j for j in band if _same_row(lines[i], lines[j])]
        if len(row) >= TABLE_ROW_CELLS and all(_short(lines[j]) for j in row) and not any(
            _same_row(lines[j], lines[k]) for j in row for k in prose
        ):
            rows.append(row)
    return rows


def _open_gutters(
    lines: list[LineBox], band: list[int], table_rows: list[list[int]], gutters: list[tuple[float, float]],
    min_gutter: float,
) -> list[tuple[float, float]]:
    """The gutters no table row crosses: a row with cells on both sides of a gutter ties the two
    sides together there. A row that has a single cell on one side, where the band holds running
    text on that side, does not: that cell is the column's own short line (a formula's number, a
    paragraph's last line) level with a figure's labels, not a table's column."""
    out = []
    for lo, hi in gutters:
        prose_left = any(lines[j].x1 <= lo and not _short(lines[j]) for j in band)
        prose_right = any(lines[j].x0 >= hi and not _short(lines[j]) for j in band)
        crossed = False
        for row in table_rows:
            left = sum(lines[j].x1 <= lo for j in row)
            right = sum(lines[j].x0 >= hi for j in row)
            if left and right and not (left == 1 and prose_left) and not (right == 1 and prose_right):
                crossed = True
                break
        if not crossed and hi - lo >= min_gutter:
            out.append((lo, hi))
    return out


def _same_row(a: LineBox, b: LineBox) -> bool:
    return min(a.y1, b.y1) - max(a.y0, b.y0) > ROW_OVERLAP * min(a.height, b.height)


def _bands(lines: list[LineBox], ids: list[int]) -> list[list[int]]:
    """Cut at every horizontal gap: groups of lines whose vertical extents chain together."""
    order = sorted(ids, key=lambda i: (lines[i].y0, lines[i].x0))
    bands: list[list[int]] = [[order[0]]]
    reach = lines[order[0]].y1
    for i in order[1:]:
        if lines[i].y0 >= reach:
            bands.append([i])
        else:
            bands[-1].append(i)
        reach = max(reach, lines[i].y1) if lines[i].y0 < reach else lines[i].y1
    return bands


def _rows(lines: list[LineBox], ids: list[int]) -> list[list[int]]:
    """Lines that overlap vertically, clustered into rows read top to bottom, left to right."""
    rows: list[list[int]] = []
    for i in sorted(ids, key=lambda k: (lines[k].yc, lines[k].x0)):
        line = lines[i]
        for row in rows:
            ry0 = min(lines[k].y0 for k in row)
            ry1 = max(lines[k].y1 for k in row)
            rh = min(lines[k].height for k in row)
            overlap = min(ry1, line.y1) - max(ry0, line.y0)
            if overlap >= ROW_OVERLAP * min(rh, line.height):
                row.append(i)
                break
        else:
            rows.append([i])
    rows.sort(key=lambda r: min(lines[k].yc for k in r))
    return [sorted(r, key=lambda k: lines[k].x0) for r in rows]
