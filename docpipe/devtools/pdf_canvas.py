"""Drawing text and rules on a PyMuPDF page while recording where each keyed value landed.

Text goes through TextWriter with PyMuPDF's bundled base-14 fonts as real font objects: that keeps
characters such as the euro sign (absent from the base-14 Latin encoding) and is several times
faster than page.insert_text, which matters for the benchmark corpus.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import pymupdf

from docpipe.devtools.truth import DrawnBox

Color = tuple[float, float, float]
BLACK: Color = (0.0, 0.0, 0.0)
GREY: Color = (0.38, 0.38, 0.38)
LIGHT: Color = (0.82, 0.82, 0.82)
WHITE: Color = (1.0, 1.0, 1.0)

FontName = Literal["regular", "bold", "mono", "mono_bold"]
_FONT_CODES: dict[str, str] = {"regular": "helv", "bold": "hebo", "mono": "cour", "mono_bold": "cobo"}
Align = Literal["left", "right", "center"]


@lru_cache(maxsize=None)
def font(name: FontName) -> pymupdf.Font:
    return pymupdf.Font(_FONT_CODES[name])


@lru_cache(maxsize=None)
def _advance(face: FontName, char: str) -> float:
    return font(face).glyph_advance(ord(char))


def text_width(text: str, size: float, face: FontName = "regular") -> float:
    # Same sum of advances as Font.text_length, which is slow per call; the corpus measures thousands.
    return sum(_advance(face, char) for char in text) * size


class PageCanvas:
    """One page being drawn. Call finish() once: rules and fills go below the text."""

    def __init__(self, page: pymupdf.Page, page_index: int, boxes: dict[str, DrawnBox]) -> None:
        self.page = page
        self.page_index = page_index
        self.width = page.rect.width
        self.height = page.rect.height
        self._boxes = boxes
        self._shape = page.new_shape()
        self._writers: dict[Color, pymupdf.TextWriter] = {}
        self._rotated: list[tuple[float, float, str, FontName, float, Color]] = []

    def text(self, x: float, y: float, value: str, *, face: FontName = "regular", size: float = 10.0,
             color: Color = BLACK, align: Align = "left", key: str | None = None) -> tuple[float, float, float, float]:
        """Draw `value` with its baseline at y; x is its left, right or centre. Returns its box."""
        f = font(face)
        width = text_width(value, size, face)
        x0 = x if align == "left" else x - width if align == "right" else x - width / 2
        writer = self._writers.get(color)
        if writer is None:
            writer = self._writers[color] = pymupdf.TextWriter(self.page.rect)
        writer.append((x0, y), value, font=f, fontsize=size)
        rect = (x0, y - f.ascender * size, x0 + width, y - f.descender * size)
        if key is not None:
            self.record(key, rect, value)
        return rect

    def vertical_text(self, x: float, y: float, value: str, *, size: float = 10.0, color: Color = BLACK,
                      key: str | None = None) -> tuple[float, float, float, float]:
        """Text reading bottom-to-top, centred on (x, y), as on a chart's y axis."""
        f = font("regular")
        width = text_width(value, size)
        # After a 90-degree turn the baseline is vertical: ascender extends left of x_base.
        x_base = x + (f.ascender + f.descender) * size / 2
        rect = (x_base - f.ascender * size, y - width / 2, x_base - f.descender * size, y + width / 2)
        self._rotated.append((x_base, y + width / 2, value, "regular", size, color))
        if key is not None:
            self.record(key, rect, value)
        return rect

    def record(self, key: str, rect: tuple[float, float, float, float], value: str) -> None:
        previous = self._boxes.get(key)
        if previous is None:
            self._boxes[key] = DrawnBox(self.page_index, rect, value)
        else:
            self._boxes[key] = previous.merged(rect, value)

    def line(self, x0: float, y0: float, x1: float, y1: float, *, color: Color = BLACK, width: float = 0.6) -> None:
        self._shape.draw_line((x0, y0), (x1, y1))
        self._shape.finish(color=color, width=width)

    def rect(self, x0: float, y0: float, x1: float, y1: float, *, fill: Color | None = None,
             color: Color | None = None, width: float = 0.6) -> None:
        self._shape.draw_rect(pymupdf.Rect(x0, y0, x1, y1))
        self._shape.finish(color=color, fill=fill, width=width)

    def polyline(self, points: list[tuple[float, float]], *, color: Color, width: float = 1.5) -> None:
        self._shape.draw_polyline(points)
        self._shape.finish(color=color, width=width, closePath=False)

    def circle(self, x: float, y: float, radius: float, *, fill: Color, color: Color = WHITE) -> None:
        self._shape.draw_circle((x, y), radius)
        self._shape.finish(color=color, fill=fill, width=0.8)

    def finish(self) -> None:
        self._shape.commit()
        for color, writer in self._writers.items():
            writer.write_text(self.page, color=color)
        for x, y, value, face, size, color in self._rotated:
            writer = pymupdf.TextWriter(self.page.rect)
            writer.append((x, y), value, font=font(face), fontsize=size)
            writer.write_text(self.page, color=color, morph=(pymupdf.Point(x, y), pymupdf.Matrix(90)))


def fixed_metadata(doc: pymupdf.Document, title: str) -> None:
    """Fixed dates and producer so regenerated files are byte-identical."""
    stamp = "D:20240101000000Z"
    doc.set_metadata({"title": title, "author": "docpipe sample generator", "creator": "docpipe",
                      "producer": "docpipe", "creationDate": stamp, "modDate": stamp})


def pdf_bytes(doc: pymupdf.Document, *, subset: bool = True) -> bytes:
    if subset:
        doc.subset_fonts()
    return doc.tobytes(garbage=4, deflate=True, no_new_id=True, reproducible=True)
