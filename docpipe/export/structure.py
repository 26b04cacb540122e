"""A page's words as blocks of lines of words in pixel boxes: the shape hOCR and ALTO share.

Words arrive in reading order with their `block` and `line` numbers (pages.words); blocks and
lines keep the order of their first word. Boxes become whole pixels of the page image, origin
top-left: (left, top, right, bottom), right and bottom exclusive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from docpipe.export.pages import ExportPage
from docpipe.output.rows import PageWord

PixelBox = tuple[int, int, int, int]


@dataclass
class Line:
    words: list[tuple[PageWord, PixelBox]] = field(default_factory=list)

    @property
    def box(self) -> PixelBox:
        return envelope([b for _, b in self.words])


@dataclass
class Block:
    lines: list[Line] = field(default_factory=list)

    @property
    def box(self) -> PixelBox:
        return envelope([line.box for line in self.lines])


def page_blocks(page: ExportPage) -> list[Block]:
    width, height = page.size()
    blocks: dict[int, Block] = {}
    lines: dict[tuple[int, int], Line] = {}
    for word in page.words:
        block = blocks.setdefault(word.block, Block())
        line = lines.get((word.block, word.line))
        if line is None:
            line = lines[(word.block, word.line)] = Line()
            block.lines.append(line)
        line.words.append((word, pixel_box(word.bbox, width, height)))
    return list(blocks.values())


def pixel_box(bbox: tuple[float, float, float, float], width: int, height: int) -> PixelBox:
    x0, y0, x1, y1 = bbox
    left, top = max(0, math.floor(x0 * width)), max(0, math.floor(y0 * height))
    right, bottom = min(width, math.ceil(x1 * width)), min(height, math.ceil(y1 * height))
    return left, top, max(right, left + 1), max(bottom, top + 1)


def envelope(boxes: list[PixelBox]) -> PixelBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
