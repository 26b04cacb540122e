"""Synthetic word layers for tests: phrases placed at known positions, and where they landed.

Not a PDF or OCR reader (the product's one word reader is `raster/pdf.py`, OCR is `ocr/`); these
build `Word` lists directly so extraction and grounding tests know every value's true box.
"""

from __future__ import annotations

from docpipe.records import BBox, Word


def phrase_words(x: float, y: float, text: str, char_w: float = 0.007, height: float = 0.011,
                 line_id: int = 0, block_id: int = 0) -> list[Word]:
    """Words of a phrase printed at (x, y), one character `char_w` wide (fractions of the page)."""
    words: list[Word] = []
    cx = x
    for part in text.split(" "):
        if part:
            w = len(part) * char_w
            words.append(Word(text=part, bbox=(cx, y, cx + w, y + height), line_id=line_id, block_id=block_id))
            cx += w
        cx += char_w
    return words


def synthetic_page(phrases: list[tuple[float, float, str]], char_w: float = 0.007) -> list[Word]:
    """A word layer from (x, y, text) phrases; each phrase gets its own line id."""
    words: list[Word] = []
    for n, (x, y, text) in enumerate(phrases):
        words.extend(phrase_words(x, y, text, char_w=char_w, line_id=n))
    return words


def phrase_box(x: float, y: float, text: str, char_w: float = 0.007, height: float = 0.011) -> BBox:
    """Where synthetic_page puts a phrase: the box a correct grounding should reproduce."""
    words = phrase_words(x, y, text, char_w=char_w, height=height)
    return (words[0].bbox[0], y, words[-1].bbox[2], y + height)
