"""Word layer from a PDF page's text, for development and tests (the raster stage builds the
product's word layer). Boxes are normalised to the page as displayed."""

from __future__ import annotations

from typing import Any

from docpipe.records import Word


def words_from_pdf_page(page: Any) -> list[Word]:
    """`page` is a pymupdf.Page; words in PyMuPDF order with (block, line) turned into ids."""
    rect = page.rect
    width, height = rect.width or 1.0, rect.height or 1.0
    words: list[Word] = []
    line_ids: dict[tuple[int, int], int] = {}
    for x0, y0, x1, y1, text, block_no, line_no, _word_no in page.get_text("words", sort=False):
        if page.rotation:
            p0 = page.rotation_matrix * (x0, y0)
            p1 = page.rotation_matrix * (x1, y1)
            x0, x1 = sorted((p0.x, p1.x))
            y0, y1 = sorted((p0.y, p1.y))
        line_id = line_ids.setdefault((block_no, line_no), len(line_ids))
        box = (
            max(0.0, min(1.0, x0 / width)), max(0.0, min(1.0, y0 / height)),
            max(0.0, min(1.0, x1 / width)), max(0.0, min(1.0, y1 / height)),
        )
        words.append(Word(text=text, bbox=box, line_id=line_id, block_id=block_no))
    return words


def phrase_words(x: float, y: float, text: str, char_w: float = 0.007, height: float = 0.011,
                 line_id: int = 0, block_id: int = 0) -> list[Word]:
    """Words of a phrase printed at (x, y), one character `char_w` wide: synthetic pages for tests."""
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


def phrase_box(x: float, y: float, text: str, char_w: float = 0.007, height: float = 0.011) -> tuple[float, float, float, float]:
    """Where synthetic_page puts a phrase: the box a correct grounding should reproduce."""
    words = phrase_words(x, y, text, char_w=char_w, height=height)
    return (words[0].bbox[0], y, words[-1].bbox[2], y + height)
