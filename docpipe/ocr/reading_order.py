"""Plain page text in reading order from a word layer (the offline `ocr` task's text output)."""

from __future__ import annotations

from collections import Counter

from docpipe.ocr.geometry import rotate_bbox
from docpipe.ocr.layout import LineBox, reading_order
from docpipe.records import Word


def reading_order_text(words: list[Word]) -> str:
    """Page text: one output line per visual row, rows in reading order, columns one after another.

    Words are grouped by `line_id`; within a line the word source's own order is kept, because
    every word source (PDF text layer, rapidocr, tesseract) lists a line's words in reading order.
    That order also tells which way the text runs, so a page scanned sideways or upside down is
    turned upright (on the boxes only) before the lines are ordered.
    """
    if not words:
        return ""
    lines: dict[int, list[Word]] = {}
    for word in words:
        if word.text.strip():
            lines.setdefault(word.line_id, []).append(word)
    if not lines:
        return ""

    turn = text_rotation(list(lines.values()))
    line_words = list(lines.values())
    boxes = [_line_box(ws, turn) for ws in line_words]
    rows = reading_order(boxes)
    out: list[str] = []
    for row in rows:
        out.append(" ".join(" ".join(w.text.strip() for w in line_words[i]) for i in row))
    return "\n".join(out)


def text_rotation(lines: list[list[Word]]) -> int:
    """Clockwise turn (0/90/180/270) that makes the page upright, voted by the lines' word order."""
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
    return best if count > votes.get(0, 0) else 0


def _line_box(words: list[Word], turn: int) -> LineBox:
    boxes = [rotate_bbox(w.bbox, turn) for w in words]
    return LineBox(
        x0=min(b[0] for b in boxes),
        y0=min(b[1] for b in boxes),
        x1=max(b[2] for b in boxes),
        y1=max(b[3] for b in boxes),
        n_words=len(words),
    )
