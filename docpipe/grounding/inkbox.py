"""Ink boxes (OCR) -> the box a value occupies as printed (what a PDF text layer reports).

A PDF text layer boxes every word from the font's line metrics: ascender to descender, and
each glyph's full advance width, so '1' and 'gypsy' on one line get the same height. An OCR
engine boxes the ink: a lone '1' in a quantity column comes out a third narrower and half as
tall as the cell it was printed in, and no box drawn around the printed value overlaps it by
half. On pages whose boxes hug the ink, value boxes are therefore grown to the printed line:
the font size is estimated from each word's ink height and letter shapes, the box spans
ascender to descender around the word's baseline, and at least the word's advance width.
Boxes are only ever grown, and pages with typographic boxes are left exactly as they are.
"""

from __future__ import annotations

from statistics import median
from typing import TYPE_CHECKING

from docpipe.records import BBox

if TYPE_CHECKING:
    from docpipe.grounding.layout import PageLayout, Token

# Glyph heights in em, typical of Latin text faces.
_CAP = 0.72  # capitals, digits, ascenders
_X_HEIGHT = 0.52
_DESCENDER = 0.21
# The line box a text layer reports: ascent above and descent below the baseline.
_ASCENT = 0.95
_DESCENT = 0.23
_TALL = set("bdfhklt0123456789()[]{}/|\\$€£¥%&#@!?'\"")
_DEEP = set("gjpqy()[]{}|,;")
_NARROW = set(".,:;'|!ijlI")  # about half a digit's advance
_INK_RATIO = 0.9  # digit words at most this tall next to words with descenders: boxes hug ink


def _digits_only(text: str) -> bool:
    core = text.strip().replace(",", "").replace(".", "")
    return bool(core) and core.isdigit()


def _tall_and_deep(text: str) -> bool:
    """A word whose ink reaches both the ascender and the descender line ('Shipping', 'day)')."""
    return any(ch in _DEEP and ch not in ",;" for ch in text) and any(ch.isupper() or ch in _TALL for ch in text)


def hugs_ink(layout: PageLayout) -> bool:
    """True when word heights follow letter shapes (OCR) rather than font metrics (text layer).

    Compared within rows first, where font size is shared; the whole page only as a fallback,
    since a text layer may set its numbers smaller than its prose.
    """
    ratios: list[float] = []
    digits_all: list[float] = []
    deep_all: list[float] = []
    for row in layout.rows:
        digits = [layout.tokens[t].height for t in row if _digits_only(layout.tokens[t].text)]
        deep = [layout.tokens[t].height for t in row if _tall_and_deep(layout.tokens[t].text)]
        digits_all.extend(digits)
        deep_all.extend(deep)
        if digits and deep:
            ratios.append(median(digits) / median(deep))
    if len(ratios) >= 2:
        return median(ratios) < _INK_RATIO
    if len(digits_all) >= 3 and len(deep_all) >= 3:
        return median(digits_all) / median(deep_all) < _INK_RATIO
    return False


def digit_advance(layout: PageLayout) -> float:
    """Width of one digit in page widths, from the numbers printed on the page (0 when none)."""
    widths: list[float] = []
    for tok in layout.tokens:
        text = tok.text.strip()
        if _digits_only(text) and len(text) >= 3:
            units = sum(0.5 if ch in _NARROW else 1.0 for ch in text)
            widths.append((tok.x1 - tok.x0) / units)
    return median(widths) if widths else 0.0


def printed_box(tok: Token, advance: float) -> BBox:
    """The line box of one ink-boxed word: baseline from its letter shapes, font size from its height.
    In the layout's frame (upright, deskewed): PageLayout.to_page puts it on the page."""
    text = tok.text.strip()
    top = _CAP if any(ch.isupper() or ch in _TALL for ch in text) else _X_HEIGHT
    deep = _DESCENDER if any(ch in _DEEP for ch in text) else 0.0
    em = tok.height / (top + deep)
    y0, y1 = tok.y0, tok.y1  # in the layout's frame: the caller maps the box onto the page
    baseline = y1 - deep * em
    x0, x1 = tok.x0, tok.x1
    if advance > 0:
        width = advance * sum(0.5 if ch in _NARROW else 1.0 for ch in text)
        if width > x1 - x0:
            grow = (width - (x1 - x0)) / 2
            x0, x1 = x0 - grow, x1 + grow
    return (max(0.0, x0), max(0.0, min(y0, baseline - _ASCENT * em)),
            min(1.0, x1), min(1.0, max(y1, baseline + _DESCENT * em)))
