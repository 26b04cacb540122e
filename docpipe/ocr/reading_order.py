"""Reading order of a page's words, for every word source (PDF text layer, rapidocr, tesseract).

`order_words` is the one place where words get their reading order, `line_id` and `block_id`:

1. Which way up: a page scanned sideways or upside down is turned upright (on the boxes only),
   voted by which way the source's lines run (`text_rotation`).
2. Skew: a scan a few degrees off is straightened (on the boxes only), so long lines do not run
   into the next row and column gutters stay vertical.
3. Lines: words are grouped into text lines (`docpipe.ocr.lines`), using the source's own line
   grouping as a hint.
4. Order: lines are ordered by a recursive XY-cut over their boxes (`docpipe.ocr.layout`), which
   reads columns one after another, spanning titles and captions where they stand, and tables
   and forms row by row.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from docpipe.ocr.geometry import rotate_bbox
from docpipe.ocr.layout import LineBox, assign_blocks, reading_order
from docpipe.ocr.lines import group_lines, tame_tall_boxes
from docpipe.records import Word

# Page width / height assumed when the caller does not give the page size: a portrait page
# between A4 (0.707) and US letter (0.773).
DEFAULT_ASPECT = 0.75
# Skew below this many degrees is left alone (it cannot merge rows or block gutters).
MIN_SKEW_DEG = 0.15
# Skew beyond this is not a slightly crooked scan but text set at an angle; left alone too.
MAX_SKEW_DEG = 10.0
# Share of the line votes a turn of the page needs (see text_rotation).
ROTATION_MAJORITY = 0.6
# Lines with at least this many words estimate the skew.
SKEW_MIN_WORDS = 3


@dataclass(frozen=True)
class OrderedLine:
    """One text line in reading order: its words left to right, its block and its visual row
    (lines of one table row or of a form's label and value share a row)."""

    words: list[Word]
    block: int
    row: int


def order_words(
    words: list[Word],
    page_size: tuple[float, float] | None = None,
    turn: int | None = None,
) -> list[Word]:
    """The words in reading order, with `line_id` and `block_id` assigned afresh.

    `words`: boxes `[x0, y0, x1, y1]` as fractions 0-1 of the displayed page, origin top-left;
    `line_id` is read as the source's line grouping (a hint: lines are re-derived from the
    boxes); blank words are dropped. `page_size`: (width, height) of the displayed page in any
    unit, so that distances across and down the page compare (None: a portrait page of width /
    height 0.75 is assumed). `turn`: clockwise turn (0/90/180/270) that makes the page upright,
    when the caller knows it (None: voted from the words).

    Returns new Word objects (boxes unchanged, still on the displayed page): `line_id` numbers the
    text lines 0, 1, 2... in reading order, `block_id` the blocks (a paragraph, a column piece,
    a table) 0, 1, 2... in reading order. Other fields are kept as they are.
    """
    out: list[Word] = []
    for k, line in enumerate(ordered_lines(words, page_size, turn)):
        out.extend(w.model_copy(update={"line_id": k, "block_id": line.block}) for w in line.words)
    return out


def reading_order_text(words: list[Word], page_size: tuple[float, float] | None = None) -> str:
    """Page text in reading order: one output line per visual row (a table row or a form's
    label and value share one), rows in reading order, columns one after another."""
    lines = ordered_lines(words, page_size)
    out: list[str] = []
    for row in _rows_of(lines):
        out.append(" ".join(w.text.strip() for line in row for w in line.words))
    return "\n".join(out)


def ordered_lines(
    words: list[Word],
    page_size: tuple[float, float] | None = None,
    turn: int | None = None,
) -> list[OrderedLine]:
    """Text lines in reading order (see `order_words` for the arguments)."""
    kept = [w for w in words if w.text.strip()]
    if not kept:
        return []
    if turn is None:
        by_line: dict[int, list[Word]] = {}
        for w in kept:
            by_line.setdefault(w.line_id, []).append(w)
        turn = text_rotation(list(by_line.values()))
    width, height = page_size if page_size is not None else (DEFAULT_ASPECT, 1.0)
    if turn % 180:
        width, height = height, width
    scale = max(width, height)
    sx, sy = width / scale, height / scale
    boxes = []
    for w in kept:
        x0, y0, x1, y1 = rotate_bbox(w.bbox, turn) if turn % 360 else w.bbox
        boxes.append((x0 * sx, y0 * sy, x1 * sx, y1 * sy))
    hints = [w.line_id for w in kept]
    boxes = tame_tall_boxes(deskew(boxes, hints))

    lines = group_lines(boxes, hints)
    line_boxes = [
        LineBox(
            min(boxes[i][0] for i in members),
            min(boxes[i][1] for i in members),
            max(boxes[i][2] for i in members),
            max(boxes[i][3] for i in members),
            n_words=len(members),
            n_chars=sum(len(kept[i].text.strip()) + 1 for i in members) - 1,
        )
        for members in lines
    ]
    rows = reading_order(line_boxes)
    blocks = assign_blocks(line_boxes, rows)
    return [
        OrderedLine([kept[i] for i in lines[k]], blocks[k], r) for r, row in enumerate(rows) for k in row
    ]


def _rows_of(lines: list[OrderedLine]) -> list[list[OrderedLine]]:
    rows: list[list[OrderedLine]] = []
    for line in lines:
        if rows and rows[-1][-1].row == line.row:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def deskew(
    boxes: list[tuple[float, float, float, float]], hints: Sequence[int]
) -> list[tuple[float, float, float, float]]:
    """Boxes turned about the page centre so that the source's lines run level.

    The skew is the median slope of the lines with at least SKEW_MIN_WORDS words (least squares
    through their word centres); boxes keep their size and move with their centre. Boxes must be
    in units of equal length across and down the page.
    """
    groups: dict[int, list[int]] = {}
    for i, hint in enumerate(hints):
        groups.setdefault(hint, []).append(i)
    slopes: list[float] = []
    for members in groups.values():
        if len(members) < SKEW_MIN_WORDS:
            continue
        xs = [(boxes[i][0] + boxes[i][2]) / 2 for i in members]
        ys = [(boxes[i][1] + boxes[i][3]) / 2 for i in members]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        var = sum((x - mx) ** 2 for x in xs)
        if var <= 0:
            continue
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var)
    if not slopes:
        return boxes
    angle = math.atan(statistics.median(slopes))
    if not MIN_SKEW_DEG <= abs(math.degrees(angle)) <= MAX_SKEW_DEG:
        return boxes
    cos, sin = math.cos(-angle), math.sin(-angle)
    cx = statistics.fmean((b[0] + b[2]) / 2 for b in boxes)
    cy = statistics.fmean((b[1] + b[3]) / 2 for b in boxes)
    out = []
    for x0, y0, x1, y1 in boxes:
        hw, hh = (x1 - x0) / 2, (y1 - y0) / 2
        # A skewed word's axis-aligned box is taller than the word by its width times the slope.
        hh = max(hh - hw * abs(math.tan(angle)), 0.25 * hh)
        px, py = (x0 + x1) / 2 - cx, (y0 + y1) / 2 - cy
        nx, ny = cx + px * cos - py * sin, cy + px * sin + py * cos
        out.append((nx - hw, ny - hh, nx + hw, ny + hh))
    return out


def text_rotation(lines: list[list[Word]]) -> int:
    """Clockwise turn (0/90/180/270) that makes the page upright, voted by the lines' word order.

    Each line of two or more words votes for the direction from its first to its last word. A
    turn wins only with a clear majority (at least ROTATION_MAJORITY of the votes and twice the
    votes for upright); otherwise, and on pages without such lines, the page is taken as upright.
    """
    votes: Counter[int] = Counter()
    for ws in lines:
        if len(ws) < 2:
            continue
        first, last = ws[0].bbox, ws[-1].bbox
        dx = (last[0] + last[2] - first[0] - first[2]) / 2
        dy = (last[1] + last[3] - first[1] - first[3]) / 2
        if abs(dx) >= abs(dy):
            if dx > 0:
                votes[0] += 1
            elif dx < 0:
                votes[180] += 1
        elif dy > 0:
            votes[270] += 1  # text runs downwards: the page was turned 90 clockwise
        else:
            votes[90] += 1
    if not votes:
        return 0
    best, count = votes.most_common(1)[0]
    if best == 0 or count < ROTATION_MAJORITY * sum(votes.values()) or count < 2 * votes.get(0, 0):
        return 0
    return best
