"""Normalising the text of words where they enter docpipe, and joining hyphenated lines.

Every word reaches docpipe through one of two doors: the PDF text layer (`raster/pdf.py`) or an
OCR engine (`ocr/stage.py`). Both pass their words through `normalize_words` once, so values,
grounding and `ocr_text` never see ligature code points (U+FB03 'ﬃ' becomes 'ffi'), full-width
forms, soft hyphens or zero-width characters. The source's own text is kept in `Word.raw` when it
differed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from docpipe.records import Word

# Invisible characters that only carry layout hints: soft hyphen, zero-width space/joiners,
# word joiner, byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
# A line that ends in a letter and a hyphen, followed by a line that starts with a lower-case
# letter: a word hyphenated at the line end. (Upper-case continuations, as in "Hewlett-\nPackard",
# keep their hyphen and line break.)
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010]\n(?=[^\W\d_])")


def normalize_text(text: str) -> str:
    """Unicode NFKC, without soft hyphens and zero-width characters, runs of whitespace as one space."""
    folded = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return _SPACES.sub(" ", folded).strip()


def normalize_words(words: Iterable[Word]) -> list[Word]:
    """Words with normalised text; `raw` keeps the source's text where it changed.

    A word whose text normalises to nothing (a lone soft hyphen) is dropped.
    """
    out: list[Word] = []
    for word in words:
        text = normalize_text(word.text)
        if not text:
            continue
        if text == word.text:
            out.append(word)
        else:
            out.append(word.model_copy(update={"text": text, "raw": word.raw if word.raw is not None else word.text}))
    return out


def join_hyphenated_lines(text: str) -> str:
    """Join words split by a hyphen at a line end: "docu-\\nment" becomes "document".

    Only a hyphen directly after a letter at the end of a line, with the next line starting
    with a lower-case letter, is taken as hyphenation.
    """
    return _LINE_END_HYPHEN.sub(lambda m: "" if _next_is_lower(text, m.end()) else m.group(0), text)


def _next_is_lower(text: str, index: int) -> bool:
    return index < len(text) and text[index].islower()


def look_alike_corrected(word: Word) -> bool:
    """Whether the word's text differs from its source's text by more than normalisation: the word
    layer corrected look-alike characters (`docpipe.ocr.misreads`: '88O1' -> '8801')."""
    return word.raw is not None and normalize_text(word.raw) != word.text
