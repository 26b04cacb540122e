"""A page's word layer as output: words in reading order, and plain text with hyphenation joined.

Used by every pipeline when it builds a page's result (`pages.words`, `pages.ocr_text`), so the
text and the words always come from the same reading order (docpipe/ocr/reading_order.py).
"""

from __future__ import annotations

from docpipe.ocr import reading_order
from docpipe.records import Word
from docpipe.word_text import join_hyphenated_lines


def ordered_words(words: list[Word], page_size: tuple[float, float] | None = None) -> list[Word]:
    """The words in reading order with `line_id`/`block_id` numbered 0, 1, 2... in that order.

    `page_size`: (width, height) of the displayed page in any unit (None: portrait assumed).
    """
    return reading_order.order_words(words, page_size)


def page_text(words: list[Word], page_size: tuple[float, float] | None = None) -> str:
    """Plain page text: one line per visual row in reading order, words hyphenated across a line
    end joined ("docu-" + "ment" -> "document")."""
    return join_hyphenated_lines(reading_order.reading_order_text(words, page_size))
