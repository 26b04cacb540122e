"""Where an answer that uses no marks (a chart title, an axis title) is printed on the page.

An answer computed from marks is grounded on those marks (`charts/qa.py`); an answer that is a
piece of text the reader took from the page is grounded only when that text is found among the
page's words. `find_printed` looks for it as a run of consecutive words (in the word layer's
reading order) whose letters and digits, case-folded and without diacritics, spell exactly the
answer's letters and digits; spacing and punctuation are ignored because OCR splits and joins
words differently from how a title was typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docpipe.grounding.textnorm import fold
from docpipe.records import BBox, Word

_NOT_ALNUM = re.compile(r"[^\w]+|_", re.UNICODE)
EXTRA_WORDS = 3  # a run may hold this many more words than the answer has (OCR splits words)


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", fold(text))


def find_printed(text: str, words: Sequence[Word]) -> BBox | None:
    """The box around the first run of `words` that spells `text`, else None.

    `words` are the page's word layer in reading order; boxes are `[x0, y0, x1, y1]` fractions of
    the displayed page, origin top-left, and the result is their union. Text with no letter or
    digit is never found (there is nothing to compare).
    """
    target = _key(text)
    if not target:
        return None
    keys = [_key(w.text) for w in words]
    longest = len(text.split()) + EXTRA_WORDS
    for start, first in enumerate(keys):
        if not first or not target.startswith(first):
            continue
        spelled = ""
        for end in range(start, min(len(keys), start + longest)):
            spelled += keys[end]
            if spelled == target:
                run = words[start:end + 1]
                return (min(w.bbox[0] for w in run), min(w.bbox[1] for w in run),
                        max(w.bbox[2] for w in run), max(w.bbox[3] for w in run))
            if not target.startswith(spelled):
                break
    return None
