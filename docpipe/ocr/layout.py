"""Reading order and block grouping for text lines on an upright page.

Works on line boxes only (any consistent units, origin top-left), so the OCR engines and the
plain-text helper share one notion of order. The order is a recursive XY-cut with two twists:

* A vertical cut (columns) is taken only where both sides read like running text (several
  words per line). Forms and tables also have wide empty gutters between labels and values or
  between cells, but there the text belongs to rows, so those are read across instead.
* Full-width lines (a title over two columns, a footer under them) would block every column
  cut; when the remaining lines do split into columns, those wide lines become section
  separators rather than forcing a row-by-row read that interleaves the columns.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

# A side of a column cut must look like prose: at least this many words per line (median) ...
PROSE_MIN_WORDS = 3.0
# ... and at least this many lines.
PROSE_MIN_LINES = 2
# A line wider than this share of its region spans the columns (title, footer, caption).
WIDE_LINE_SHARE = 0.6
# Lines of one row overlap vertically by at least this share of the shorter line.
ROW_OVERLAP = 0.5
# Consecutive rows further apart than this many line heights start a new block.
BLOCK_GAP_LINES = 1.5


@dataclass(frozen=True)
class LineBox:
    """One text line: its box (x0, y0, x1, y1) and how many words it holds."""

    x0: float
    y0: float
    x1: float
    y1: float
    n_words: int = 1

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
    """Block id per line: consecutive rows stay in one block while they are close and overlap."""
    blocks = [0] * len(lines)
    block = -1
    prev: list[int] | None = None
    for row in rows:
        if prev is None or not _continues_block(lines, prev, row):
            block += 1
        for i in row:
            blocks[i] = block
        prev = row
    return blocks


def _continues_block(lines: list[LineBox], prev: list[int], row: list[int]) -> bool:
    px0 = min(lines[i].x0 for i in prev)
    px1 = max(lines[i].x1 for i in prev)
    py1 = max(lines[i].y1 for i in prev)
    py0 = min(lines[i].y0 for i in prev)
    rx0 = min(lines[i].x0 for i in row)
    rx1 = max(lines[i].x1 for i in row)
    ry0 = min(lines[i].y0 for i in row)
    height = max(max(lines[i].height for i in prev), max(lines[i].height for i in row))
    if ry0 < py0:  # jumped back up: a new column
        return False
    if min(px1, rx1) - max(px0, rx0) <= 0:
        return False
    return ry0 - py1 <= BLOCK_GAP_LINES * height


def _order(lines: list[LineBox], ids: list[int]) -> list[list[int]]:
    if len(ids) <= 1:
        return [ids] if ids else []

    split = _column_split(lines, ids)
    if split is not None:
        left, right = split
        return _order(lines, left) + _order(lines, right)

    sections = _sections_around_wide_lines(lines, ids)
    if sections is not None:
        rows: list[list[int]] = []
        for section in sections:
            rows.extend(_order(lines, section))
        return rows

    bands = _bands(lines, ids)
    if len(bands) > 1:
        rows = []
        for band in bands:
            rows.extend(_order(lines, band))
        return rows
    return _rows(lines, ids)


def _is_prose(lines: list[LineBox], ids: list[int]) -> bool:
    if len(ids) < PROSE_MIN_LINES:
        return False
    return statistics.median(lines[i].n_words for i in ids) >= PROSE_MIN_WORDS


def _column_split(lines: list[LineBox], ids: list[int]) -> tuple[list[int], list[int]] | None:
    """Split at an empty vertical gutter with running text on both sides (widest gutter first)."""
    min_gutter = 0.5 * statistics.median(lines[i].height for i in ids)
    spans = sorted((lines[i].x0, lines[i].x1) for i in ids)
    gaps: list[tuple[float, float]] = []  # (width, cut position)
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= min_gutter:
            gaps.append((x0 - reach, (x0 + reach) / 2))
        reach = max(reach, x1)
    for _, cut in sorted(gaps, reverse=True):
        left = [i for i in ids if lines[i].x1 <= cut]
        right = [i for i in ids if lines[i].x0 >= cut]
        if _is_prose(lines, left) and _is_prose(lines, right):
            return left, right
    return None


def _sections_around_wide_lines(lines: list[LineBox], ids: list[int]) -> list[list[int]] | None:
    x0 = min(lines[i].x0 for i in ids)
    x1 = max(lines[i].x1 for i in ids)
    region = max(x1 - x0, 1e-9)
    wide = [i for i in ids if lines[i].width > WIDE_LINE_SHARE * region]
    narrow = [i for i in ids if lines[i].width <= WIDE_LINE_SHARE * region]
    if not wide or not narrow or _column_split(lines, narrow) is None:
        return None
    wide.sort(key=lambda i: lines[i].yc)
    sections: list[list[int]] = [[] for _ in range(2 * len(wide) + 1)]
    for k, i in enumerate(wide):
        sections[2 * k + 1].append(i)
    for i in narrow:
        slot = sum(1 for w in wide if lines[w].yc < lines[i].yc)
        sections[2 * slot].append(i)
    return [s for s in sections if s]


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
