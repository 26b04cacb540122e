"""Geometry of a page's word layer: tokens, visual rows, and segments within rows.

Word sources disagree on what a "line" is (a PDF producer's text runs, an OCR engine's boxes),
so everything downstream works on rows rebuilt from geometry: words whose vertical centres
agree form a row, and a wide horizontal gap splits a row into segments (table cells, the label
and value columns of a form).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property
from statistics import median

from docpipe.grounding.inkbox import digit_advance, hugs_ink, printed_box
from docpipe.grounding.textnorm import label_token
from docpipe.records import BBox, Word

# 'Date:31/12/2017' -> 'Date:' + '31/12/2017'; not URLs or times.
_KEY_VALUE_RE = re.compile(r"^([^\W\d][^:/]{0,30}:)([^/].*)$")
# 'Käufer/Leistungsempfänger' -> two words, so each half can act as a label.
_SLASH_WORDS_RE = re.compile(r"^([^\W\d_]{3,}/)([^\W\d_]{3,}:?)$")
SEGMENT_GAP_EM = 1.0  # a gap wider than ~one line height separates columns
RUN_GAP_LINES = 2.5  # parts of one value ('€ 1 234,56') may sit this far apart
MAX_SLOPE = 0.06  # steepest skew searched: page heights per page width (~2-3 degrees on A4)
_SLOPE_STEPS = 121
_SLOPE_GAIN = 1.15  # a skew is corrected only when it aligns this many more word pairs than none
_SLOPE_MAX_POINTS = 400


def turn_box(box: BBox, turn: int) -> BBox:
    """A box on a page turned by `turn` degrees clockwise to read upright (90, 180, 270; negative to
    turn back). Coordinates are fractions of the page either way."""
    x0, y0, x1, y1 = box
    t = turn % 360
    if t == 90:  # text ran upwards on the page: turn the page clockwise
        return (1 - y1, x0, 1 - y0, x1)
    if t == 180:
        return (1 - x1, 1 - y1, 1 - x0, 1 - y0)
    if t == 270:  # text ran downwards: turn the page counter-clockwise
        return (y0, 1 - x1, y1, 1 - x0)
    return box


def reading_turn(words: list[Word], min_pairs: int = 6, share: float = 0.7) -> int:
    """How far the page must turn (clockwise degrees) for its lines to read left to right.

    A word source lists the words of a line in reading order; consecutive words of one line step
    right on an upright page, left on an upside-down one, up or down on a page turned sideways.
    0 unless enough pairs agree.
    """
    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    for a, b in zip(words, words[1:]):
        if a.line_id != b.line_id:
            continue
        dx = (b.bbox[0] + b.bbox[2] - a.bbox[0] - a.bbox[2]) / 2
        dy = (b.bbox[1] + b.bbox[3] - a.bbox[1] - a.bbox[3]) / 2
        if abs(dx) >= 2 * abs(dy):
            votes[0 if dx > 0 else 180] += 1
        elif abs(dy) >= 2 * abs(dx):
            votes[270 if dy > 0 else 90] += 1
    total = sum(votes.values())
    turn, n = max(votes.items(), key=lambda kv: kv[1])
    return turn if total >= min_pairs and n >= share * total else 0


def estimate_slope(boxes: list[BBox]) -> float:
    """The skew of a scanned page's text lines as dy/dx in page fractions (0 for a straight page).

    Word boxes of one printed line far apart (a label and its value) have centres that drift
    apart vertically by dx * slope on a tilted scan. The slope that lines up the most such pairs
    within a quarter of a line height is taken, when it beats no correction clearly. Boxes that
    came from one OCR box share a y and add nothing, so each distinct box counts once.
    """
    import numpy as np

    pts = np.array(sorted({((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[3] - b[1]) for b in boxes}), dtype=float)
    if len(pts) < 8:
        return 0.0
    if len(pts) > _SLOPE_MAX_POINTS:
        pts = pts[np.linspace(0, len(pts) - 1, _SLOPE_MAX_POINTS).astype(int)]
    h = float(np.median(pts[:, 2])) or 0.01
    dx = pts[:, 0][None, :] - pts[:, 0][:, None]
    dy = pts[:, 1][None, :] - pts[:, 1][:, None]
    mask = (dx > 2 * h) & (np.abs(dy) < MAX_SLOPE * dx + h)
    dx, dy = dx[mask], dy[mask]
    if len(dx) < 8:
        return 0.0
    slopes = np.linspace(-MAX_SLOPE, MAX_SLOPE, _SLOPE_STEPS)
    aligned = (np.abs(dy[None, :] - slopes[:, None] * dx[None, :]) < 0.25 * h).sum(axis=1)
    best = int(aligned.argmax())
    straight = int(aligned[_SLOPE_STEPS // 2])
    if aligned[best] < _SLOPE_GAIN * straight + 2 or abs(slopes[best]) < 0.002:
        return 0.0
    return float(slopes[best])


@dataclass(slots=True)
class Token:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    word_index: int  # index into the page's original word list
    row: int = -1
    seg: int = -1
    pos: int = -1  # position within its row, left to right
    dy: float = 0.0  # y0/y1 are deskewed: upright, the token is at y + dy (see PageLayout.slope)
    page_box: BBox | None = None  # where the token is on the page as displayed (set by PageLayout)

    @property
    def bbox(self) -> BBox:
        """The token's box on the page as displayed (not turned upright, not deskewed)."""
        if self.page_box is not None:
            return self.page_box
        return (self.x0, self.y0 + self.dy, self.x1, self.y1 + self.dy)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(slots=True)
class Segment:
    index: int
    row: int
    tokens: list[int] = field(default_factory=list)
    x0: float = 1.0
    y0: float = 1.0
    x1: float = 0.0
    y1: float = 0.0


def union_bbox(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _split_spaces(word: Word, index: int) -> list[Token]:
    """OCR engines often box a whole phrase; give each word its share of the box."""
    text = word.text
    x0, y0, x1, y1 = word.bbox
    n = len(text) or 1
    out: list[Token] = []
    for m in re.finditer(r"\S+", text):
        sub = Word(text=m.group(0), bbox=(x0 + (x1 - x0) * m.start() / n, y0, x0 + (x1 - x0) * m.end() / n, y1))
        out.extend(_split_word(sub, index))
    return out


def _split_word(word: Word, index: int) -> list[Token]:
    text = word.text.strip()
    x0, y0, x1, y1 = word.bbox
    if any(ch.isspace() for ch in text):
        return _split_spaces(Word(text=text, bbox=word.bbox), index)
    for pattern in (_KEY_VALUE_RE, _SLASH_WORDS_RE):
        m = pattern.match(text)
        if m and not text.lower().startswith(("http", "www", "mailto")):
            cut = len(m.group(1)) / len(text)
            mid = x0 + (x1 - x0) * cut
            return [Token(m.group(1), x0, y0, mid, y1, index), Token(m.group(2), mid, y0, x1, y1, index)]
    return [Token(text, x0, y0, x1, y1, index)]


def _is_duplicate(a: Token, b: Token) -> bool:
    # Producers fake bold by printing a word twice with a tiny offset.
    if a.text != b.text:
        return False
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w > 0.7 * (a.x1 - a.x0) and h > 0.7 * a.height


def _stacked(a: Token, b: Token) -> bool:
    """Two words over each other: most of the narrower one lies in the other's x range.

    Lines printed close together on a curved or tilted receipt have centres within half a line
    height of each other; such words belong to different rows.
    """
    overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
    return overlap > 0.5 * max(1e-4, min(a.x1 - a.x0, b.x1 - b.x0))


class PageLayout:
    """Tokens of one page grouped into rows and segments, with lookup helpers."""

    def __init__(self, words: list[Word]) -> None:
        self.words = words
        printed = [w for w in words if w.text and w.text.strip()]
        # Rows are built on the page as it reads: a page shown turned (an OCR word layer keeps
        # the boxes of the image as scanned) is turned upright first, and a tilted scan is
        # deskewed; every box written out stays where the words are on the page as displayed.
        self.turn = reading_turn(printed)
        tokens: list[Token] = []
        for i, word in enumerate(words):
            if word.text and word.text.strip():
                upright = word if not self.turn else Word(text=word.text, bbox=turn_box(word.bbox, self.turn))
                for tok in _split_word(upright, i):
                    tok.page_box = turn_box(tok.bbox, -self.turn) if self.turn else tok.bbox
                    tokens.append(tok)
        self.tokens = tokens
        self.slope = estimate_slope([turn_box(w.bbox, self.turn) for w in printed])
        if self.slope:
            for tok in tokens:
                tok.dy = self.slope * ((tok.x0 + tok.x1) / 2 - 0.5)
                tok.y0 -= tok.dy
                tok.y1 -= tok.dy
        heights = [t.height for t in tokens if t.height > 0]
        self.line_height = median(heights) if heights else 0.01
        self.rows: list[list[int]] = []
        self.segments: list[Segment] = []
        self.row_segments: list[list[int]] = []
        self._build_rows()
        self._build_segments()

    def _build_rows(self) -> None:
        order = sorted(range(len(self.tokens)), key=lambda i: (self.tokens[i].cy, self.tokens[i].x0))
        rows: list[list[int]] = []
        centres: list[float] = []
        heights: list[float] = []
        for i in order:
            tok = self.tokens[i]
            placed = False
            for r in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
                if abs(tok.cy - centres[r]) <= 0.5 * min(max(tok.height, 1e-4), heights[r]):
                    if any(_is_duplicate(self.tokens[j], tok) for j in rows[r]):
                        placed = True
                        break
                    if any(_stacked(self.tokens[j], tok) for j in rows[r]):
                        continue  # one printed line never holds two words at the same x
                    rows[r].append(i)
                    n = len(rows[r])
                    centres[r] += (tok.cy - centres[r]) / n
                    placed = True
                    break
            if not placed:
                rows.append([i])
                centres.append(tok.cy)
                heights.append(max(tok.height, 1e-4))
        order_rows = sorted(range(len(rows)), key=lambda r: centres[r])
        kept: set[int] = set()
        for r_new, r in enumerate(order_rows):
            row = sorted(rows[r], key=lambda i: self.tokens[i].x0)
            for pos, i in enumerate(row):
                self.tokens[i].row, self.tokens[i].pos = r_new, pos
                kept.add(i)
            self.rows.append(row)
        if len(kept) != len(self.tokens):
            # Dropped duplicates are removed so every token has a row.
            remap = {old: new for new, old in enumerate(sorted(kept))}
            self.tokens = [self.tokens[i] for i in sorted(kept)]
            self.rows = [[remap[i] for i in row] for row in self.rows]

    def _build_segments(self) -> None:
        for r, row in enumerate(self.rows):
            h = median(self.tokens[i].height for i in row) if row else self.line_height
            current: Segment | None = None
            seg_ids: list[int] = []
            for i in row:
                tok = self.tokens[i]
                if current is None or tok.x0 - current.x1 > SEGMENT_GAP_EM * h:
                    current = Segment(index=len(self.segments), row=r)
                    self.segments.append(current)
                    seg_ids.append(current.index)
                current.tokens.append(i)
                current.x0, current.y0 = min(current.x0, tok.x0), min(current.y0, tok.y0)
                current.x1, current.y1 = max(current.x1, tok.x1), max(current.y1, tok.y1)
                tok.seg = current.index
            self.row_segments.append(seg_ids)

    # -- lookups ---------------------------------------------------------------------------

    @cached_property
    def keys(self) -> list[str]:
        """label_token() of every token, computed once per page."""
        return [label_token(t.text) for t in self.tokens]

    @cached_property
    def key_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for i, key in enumerate(self.keys):
            if key:
                index.setdefault(key, []).append(i)
        return index

    @cached_property
    def row_tops(self) -> list[float]:
        """The top (y0, deskewed) of each row, in row order."""
        return [min(self.tokens[i].y0 for i in row) for row in self.rows]

    def segment_text(self, seg: int, start_pos: int = 0) -> str:
        toks = self.segments[seg].tokens
        return " ".join(self.tokens[i].text for i in toks[start_pos:])

    def text_of(self, token_ids: list[int]) -> str:
        return " ".join(self.tokens[i].text for i in token_ids)

    def bbox_of(self, token_ids: list[int]) -> BBox:
        return union_bbox([self.tokens[i].bbox for i in token_ids])

    @cached_property
    def _ink_advance(self) -> float | None:
        """Digit advance when this page's boxes hug the ink (OCR), None for text-layer boxes."""
        return digit_advance(self) if hugs_ink(self) else None

    def value_box(self, token_ids: list[int]) -> BBox:
        """Where a value made of these words is printed: bbox_of for text-layer words; for OCR
        ink boxes, grown to the printed line (see grounding.inkbox) so both sources agree."""
        advance = self._ink_advance
        if advance is None:
            return self.bbox_of(token_ids)
        return union_bbox([self.to_page(printed_box(self.tokens[i], advance), self.tokens[i].dy) for i in token_ids])

    def to_page(self, box: BBox, dy: float = 0.0) -> BBox:
        """A box in this layout's frame (upright, deskewed by `dy`) on the page as displayed."""
        upright = (box[0], box[1] + dy, box[2], box[3] + dy)
        return turn_box(upright, -self.turn) if self.turn else upright

    def close(self, a: int, b: int, max_gap_lines: float = RUN_GAP_LINES) -> bool:
        """Token b follows token a on a line without a column-sized gap (OCR splits '1 713,12')."""
        ta, tb = self.tokens[a], self.tokens[b]
        return ta.row == tb.row and 0 <= tb.pos - ta.pos and tb.x0 - ta.x1 <= max_gap_lines * self.line_height

    def band_right(self, tokens: list[int], min_overlap: float = 0.4) -> list[int]:
        """Tokens right of a phrase whose boxes overlap its height: the same visual line even on a
        slightly skewed scan, where a value can land in the row above or below its label."""
        x1 = max(self.tokens[t].x1 for t in tokens)
        y0 = min(self.tokens[t].y0 for t in tokens)
        y1 = max(self.tokens[t].y1 for t in tokens)
        h = max(y1 - y0, 1e-4)
        row = self.tokens[tokens[0]].row
        found: list[tuple[float, int]] = []
        for r in range(max(0, row - 2), min(len(self.rows), row + 3)):
            for t in self.rows[r]:
                tok = self.tokens[t]
                overlap = (min(y1, tok.y1) - max(y0, tok.y0)) / min(h, max(tok.height, 1e-4))
                if tok.x0 >= x1 - 1e-6 and t not in tokens and overlap >= min_overlap:
                    found.append((overlap, t))
        # Values stacked in a column beside tightly spaced labels may each overlap the label's
        # height: of tokens one above the other, the one overlapping the label most is on its line.
        out: list[int] = []
        for _, t in sorted(found, key=lambda f: (-f[0], self.tokens[f[1]].row != row)):
            tok = self.tokens[t]
            if not any(min(tok.x1, self.tokens[k].x1) - max(tok.x0, self.tokens[k].x0)
                       > 0.5 * min(tok.x1 - tok.x0, self.tokens[k].x1 - self.tokens[k].x0) for k in out):
                out.append(t)
        return sorted(out, key=lambda t: self.tokens[t].x0)

    def rows_below(self, row: int, max_gap_lines: float) -> list[int]:
        """Rows starting below `row` within max_gap_lines line heights of its bottom."""
        if row + 1 >= len(self.rows):
            return []
        bottom = max(self.tokens[i].y1 for i in self.rows[row])
        limit = bottom + max_gap_lines * self.line_height
        end = bisect_left(self.row_tops, limit, lo=row + 1)
        return list(range(row + 1, end))

    def segment_below(self, seg: int, max_gap_lines: float = 1.2, skip: Callable[[int], bool] | None = None) -> int | None:
        """The segment directly under `seg` in the same column, if the text continues there.

        `skip(segment)`: segments to look past (a row of specks between two lines).
        """
        s = self.segments[seg]
        best: tuple[float, int] | None = None
        for r in self.rows_below(s.row, max_gap_lines):
            for cand in self.row_segments[r]:
                if skip is not None and skip(cand):
                    continue
                c = self.segments[cand]
                overlap = min(s.x1, c.x1) - max(s.x0, c.x0)
                if overlap > 0 or abs(c.x0 - s.x0) < 0.01:
                    score = -overlap
                    if best is None or score < best[0]:
                        best = (score, cand)
            if best is not None:
                return best[1]
        return None
