"""Multi-column pages with a known reading order, for reading-order tests and measurements.

Each page is drawn line by line with our own word wrapping, so the text of every block, and the
order a reader takes them in, is known exactly:

* `two_column`: a title across the page, two justified text columns, a page number;
* `magazine`: a title, a deck line, two text columns and a shaded sidebar on the right; the
  second column holds a figure (an empty frame) with a caption under it; below the columns a
  table with a caption, read row by row; a page number.

The reading order is the order of `LayoutPage.blocks`: title, deck, first column, second column
down to the figure, the caption, the rest of the second column, the sidebar, the table caption,
the table rows (header first, each row left to right), the page number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

import pymupdf

from docpipe.devtools.pdf_canvas import font, text_width

LayoutKind = Literal["two_column", "magazine"]

_WORDS = (
    "the council agreed on a new plan for the harbour district after months of debate about "
    "housing traffic and the future of the old market hall residents asked for more green space "
    "while traders wanted longer opening hours and better access for deliveries engineers "
    "presented three designs for the bridge and the committee chose the lightest one because it "
    "needs fewer supports in the river the budget covers repairs to the quay walls new lighting "
    "and a cycle path along the water the first works start in spring and should finish before "
    "the summer festival when thousands of visitors are expected in the town centre"
).split()


@dataclass
class Block:
    role: str  # title, deck, column, caption, sidebar, table_caption, table_row, page_number
    text: str


@dataclass
class LayoutPage:
    pdf: bytes
    kind: LayoutKind
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The page's text in reading order, blocks separated by newlines."""
        return "\n".join(b.text for b in self.blocks)


def _sentences(rng: random.Random, n_words: int) -> list[str]:
    words: list[str] = []
    while len(words) < n_words:
        length = rng.randint(6, 14)
        sentence = [rng.choice(_WORDS) for _ in range(length)]
        sentence[0] = sentence[0].capitalize()
        sentence[-1] += "."
        words.extend(sentence)
    return words[:n_words]


def _wrap(words: list[str], width: float, size: float) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    space = text_width(" ", size)
    used = 0.0
    for word in words:
        w = text_width(word, size)
        if lines[-1] and used + space + w > width:
            lines.append([])
            used = 0.0
        used += (space if lines[-1] else 0.0) + w
        lines[-1].append(word)
    return [line for line in lines if line]


class _Writer:
    def __init__(self, page: pymupdf.Page) -> None:
        self.page = page
        self.writer = pymupdf.TextWriter(page.rect)

    def line(self, x: float, baseline: float, words: list[str], size: float, width: float | None = None,
             face: str = "regular") -> None:
        """One line; with `width`, justified to it (spaces stretched) unless it is a last line."""
        f = font(face)  # type: ignore[arg-type]
        if width is None or len(words) < 2:
            self.writer.append((x, baseline), " ".join(words), font=f, fontsize=size)
            return
        natural = sum(text_width(w, size, face) for w in words)  # type: ignore[arg-type]
        gap = (width - natural) / (len(words) - 1)
        cx = x
        for word in words:
            self.writer.append((cx, baseline), word, font=f, fontsize=size)
            cx += text_width(word, size, face) + gap  # type: ignore[arg-type]

    def finish(self) -> None:
        self.writer.write_text(self.page)


def _column(out: _Writer, words: list[str], x: float, top: float, width: float, size: float, lines: int,
            justify: bool = True) -> tuple[list[str], list[str], float]:
    """Draw up to `lines` lines of `words` in a column; returns (drawn words, rest, next top)."""
    wrapped = _wrap(words, width, size)
    drawn = wrapped[:lines]
    lead = size * 1.3
    for k, line in enumerate(drawn):
        last = k == len(wrapped) - 1
        out.line(x, top + size + k * lead, line, size, None if (last or not justify) else width)
    used = [w for line in drawn for w in line]
    return used, words[len(used):], top + len(drawn) * lead


def layout_page(seed: int, kind: LayoutKind = "magazine") -> LayoutPage:
    """An A4 page of `kind` with seeded random text, and its blocks in reading order."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    out = _Writer(page)
    blocks: list[Block] = []
    margin, gutter, size = 48.0, 22.0, 10.0

    title = " ".join(w.capitalize() for w in rng.sample(_WORDS, 6))
    out.line(margin, 78, title.split(), 20, face="bold")
    blocks.append(Block("title", title))
    top = 104.0
    if kind == "magazine":
        deck = " ".join(_sentences(rng, 14))
        out.line(margin, top + 11, deck.split(), 11)
        blocks.append(Block("deck", deck))
        top += 30.0

    if kind == "two_column":
        col_w = (595 - 2 * margin - gutter) / 2
        rest = _sentences(rng, 2000)
        for k in range(2):
            used, rest, _ = _column(out, rest, margin + k * (col_w + gutter), top, col_w, size, 48)
            blocks.append(Block("column", " ".join(used)))
    else:
        side_w = 120.0
        body_w = 595 - 2 * margin - side_w - gutter
        col_w = (body_w - gutter) / 2
        rest = _sentences(rng, 2000)
        used, rest, _ = _column(out, rest, margin, top, col_w, size, 34)
        blocks.append(Block("column", " ".join(used)))
        x2 = margin + col_w + gutter
        used, rest, y = _column(out, rest, x2, top, col_w, size, 12)
        blocks.append(Block("column", " ".join(used)))
        # A figure (an empty frame) and its caption inside the second column.
        frame = pymupdf.Rect(x2, y + 8, x2 + col_w, y + 128)
        page.draw_rect(frame, color=(0.3, 0.3, 0.3), fill=(0.93, 0.93, 0.93), width=0.8)
        caption = ["Figure", f"{rng.randint(1, 9)}:"] + _sentences(rng, 12)
        used, _, y = _column(out, caption, x2, frame.y1 + 6, col_w, 8.5, 4, justify=False)
        blocks.append(Block("caption", " ".join(used)))
        bottom = top + 34 * size * 1.3
        remaining = int((bottom - (y + 8)) / (size * 1.3))
        used, rest, _ = _column(out, rest, x2, y + 8, col_w, size, max(1, remaining))
        blocks.append(Block("column", " ".join(used)))
        # The sidebar: a shaded box at the right, smaller type.
        sx = margin + body_w + gutter
        side_words = ["In", "brief:"] + _sentences(rng, 400)
        box = pymupdf.Rect(sx - 6, top - 6, sx + side_w + 6, top + 300)
        page.draw_rect(box, color=None, fill=(0.88, 0.9, 0.95))
        used, _, _ = _column(out, side_words, sx, top, side_w, 9, 24, justify=False)
        blocks.append(Block("sidebar", " ".join(used)))
        # A table under the columns, with its caption above it.
        ty = top + 34 * size * 1.3 + 24
        tcap = ["Table", f"{rng.randint(1, 9)}:"] + _sentences(rng, 8)
        out.line(margin, ty, tcap, 9)
        blocks.append(Block("table_caption", " ".join(tcap)))
        header = ["Item", "Quantity", "Price", "Amount"]
        xs = [margin, margin + 200, margin + 300, margin + 400]
        rows = [header] + [
            [f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}", str(q), f"{p:.2f}", f"{q * p:.2f}"]
            for q, p in ((rng.randint(1, 9), rng.randint(100, 9999) / 100) for _ in range(5))
        ]
        for r, row in enumerate(rows):
            baseline = ty + 20 + r * 15
            for x, cell in zip(xs, row, strict=True):
                out.line(x, baseline, cell.split(), 9, face="bold" if r == 0 else "regular")
            blocks.append(Block("table_row", " ".join(row)))
    number = str(rng.randint(2, 99))
    out.line(595 / 2 - 5, 842 - 30, [number], 9)
    blocks.append(Block("page_number", number))
    out.finish()
    data = doc.tobytes()
    doc.close()
    return LayoutPage(pdf=data, kind=kind, blocks=blocks)
