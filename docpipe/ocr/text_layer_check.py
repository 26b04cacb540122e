"""Does a PDF text layer say what the rendered page shows? OCR a sample of its word boxes and compare.

The sample is small and aimed where lies hide: words drawn in fonts whose ToUnicode map
contradicts the font program (containing the contradicted characters), invisible words (the OCR
layer of a scan), then words with digits (values) and a spread of the rest, a few from each font.
Only words the bundled recognisers read reliably are sampled: 2 to 16 letters or digits, Latin
script, not tiny. Each sampled word is cut from the rendered page (slightly padded), turned
upright and read by the OCR engine without detection (docpipe/ocr/crop_reader.py).

A word agrees when its letters and digits, case-folded, equal the OCR reading's, or appear inside
it (a padded crop may catch a neighbour's edge or a table rule, read as '1' or 'I'), or when its
digits read exactly and its letters within one edit per five letters (recognisers drop or merge
letters; a layer that lies about values changes digits, or letters wholesale). The text layer
disagrees with the page when
* a word of a suspect font disagrees (the font map and the pixels both say the layer is wrong), or
* in some font, among its words with digits or among its other words, at least `_GROUP_MIN_BAD`
  sampled words disagree and they are at least half of that sample (a font that lies about its
  digits lies about every amount, while its letters may be honest), or
* among invisible words (an OCR layer, which is itself a reading of the pixels) at least
  `_GROUP_MIN_BAD` disagree and they are at least `_INVISIBLE_BAD_SHARE` of their sample: a
  scanner's OCR layer that misreads one word in seven is worse than reading the page again, or
* at least `_PAGE_MIN_BAD` words disagree and they are at least a third of the whole sample.
A single misread never condemns a page; a font that lies about its digits does.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from PIL import Image

from docpipe.ocr.base import OcrEngine
from docpipe.ocr.crop_reader import read_crops
from docpipe.ocr.geometry import rotate_image
from docpipe.records import Word
from docpipe.word_records import TextLayerFacts

INVISIBLE = "(invisible)"  # the group of invisible words, judged apart from the fonts
# Words per page, suspect-font words not counted. Recognising a word crop costs ~15-20 ms of CPU
# with the bundled recogniser, so 12 words keep the check near 0.2 CPU-s per page (README).
SAMPLE_LIMIT = 12
# Words read first on a page whose facts raise no doubt; the rest only if one of them disagrees.
FIRST_SAMPLE = 6
_SUSPECT_LIMIT = 8
_PER_GROUP = 6
_INVISIBLE_PER_GROUP = 10
_MAX_KEY = 16  # longer words (URLs, IBANs) cost a long crop and say no more than a short one
_GROUP_MIN_BAD = 2
_INVISIBLE_BAD_SHARE = 0.15
_PAGE_MIN_BAD = 3
_MIN_HEIGHT_PX = 14  # text smaller than this in the rendered image is read too unreliably to judge a layer
_MAX_HEIGHT_PX = 240
_PAD_Y = 0.15  # crop padding, as a share of the word's height
_PAD_X = 0.2


@dataclass
class Verification:
    sampled: int
    agreed: int
    disagrees: bool
    detail: str


def comparison_key(text: str) -> str:
    """Letters and digits only, NFKC and case-folded: '3,234.00' -> '323400', 'Total:' -> 'total'."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def words_agree(layer: str, read: str) -> bool:
    """Does the OCR reading `read` of a word's box confirm the text layer's `layer`?

    Digits must read exactly (values are what a lying layer changes); letters may differ by the
    slips recognisers make (a doubled letter read once, one letter dropped), at most one edit per
    five letters."""
    a, b = comparison_key(layer), comparison_key(read)
    if not a:
        return False
    if a == b or (len(a) >= 2 and a in b):
        return True
    if [ch for ch in a if ch.isdigit()] != [ch for ch in b if ch.isdigit()]:
        return False
    letters_a = "".join(ch for ch in a if not ch.isdigit())
    letters_b = "".join(ch for ch in b if not ch.isdigit())
    return edit_distance(letters_a, letters_b) <= max(1, len(letters_a) // 5)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), Wagner-Fischer."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def verify_text_layer(words: list[Word], facts: TextLayerFacts | None, image: Image.Image,
                      engine: OcrEngine, limit: int = SAMPLE_LIMIT) -> Verification:
    """OCR a sample of `words` (boxes 0-1 of `image`) and judge the text layer. Engine errors propagate.

    Sequential: a page whose facts raise no doubt (no suspect font, no invisible words, no
    unmapped glyphs) first reads only `FIRST_SAMPLE` words; when they all agree the layer is
    taken as verified. Any disagreement, or any doubt from the facts, reads the whole sample of
    `limit` words (plus suspect-font words) and judges on all of them.
    """
    facts = facts or TextLayerFacts()
    order = sample_words(words, facts, image.size, limit)
    if not order:
        return Verification(0, 0, False, "no word the OCR engine can check")
    doubtful = bool(facts.suspect_fonts or facts.invisible_words or facts.unmapped_share > 0)
    first = order if doubtful else order[:FIRST_SAMPLE]
    readings = _read(words, facts, image, engine, first)
    if len(first) < len(order) and not all(words_agree(words[i].text, r) for i, r in zip(first, readings)):
        readings += _read(words, facts, image, engine, order[len(first):])
        first = order
    return _judge(words, facts, first, readings)


def _read(words: list[Word], facts: TextLayerFacts, image: Image.Image, engine: OcrEngine,
          picked: list[int]) -> list[str]:
    turns = dict(facts.turned_words)
    crops = [_crop(image, words[i].bbox, turns.get(i, 0)) for i in picked]
    return [text for text, _conf in read_crops(engine, crops)]


def _judge(words: list[Word], facts: TextLayerFacts, picked: list[int], readings: list[str]) -> Verification:
    groups: dict[str, list[bool]] = defaultdict(list)
    suspect_names = {s.name for s in facts.suspect_fonts}
    invisible = set(facts.invisible_words)
    bad_examples: list[str] = []
    suspect_bad = 0
    for index, text in zip(picked, readings):
        ok = words_agree(words[index].text, text)
        font = _font_of(facts, index)
        digits = any(ch.isdigit() for ch in words[index].text)
        groups[INVISIBLE if index in invisible else f"{font} ({'digits' if digits else 'letters'})"].append(ok)
        if not ok:
            suspect_bad += font in suspect_names
            if len(bad_examples) < 2:
                bad_examples.append(f"{words[index].text!r} where the page shows {text!r}")
    sampled = len(picked)
    agreed = sum(ok for oks in groups.values() for ok in oks)
    bad = sampled - agreed
    lying_groups = [name for name, oks in groups.items()
                    if oks.count(False) >= _GROUP_MIN_BAD
                    and oks.count(False) >= len(oks) * (_INVISIBLE_BAD_SHARE if name == INVISIBLE else 0.5)]
    disagrees = (suspect_bad > 0 or bool(lying_groups)
                 or (bad >= _PAGE_MIN_BAD and bad * 3 >= sampled))
    detail = f"{agreed} of {sampled} sampled text-layer words read the same on the rendered page"
    if bad_examples:
        detail += "; e.g. " + ", ".join(bad_examples)
    if disagrees and lying_groups:
        named = ("invisible text" if g == INVISIBLE else f"font {g}" for g in sorted(lying_groups))
        detail += " (" + ", ".join(named) + ")"
    elif disagrees and suspect_bad:
        detail += f" (suspect font {', '.join(sorted(suspect_names))})"
    return Verification(sampled, agreed, disagrees, detail)


def sample_words(words: list[Word], facts: TextLayerFacts, size: tuple[int, int],
                 limit: int = SAMPLE_LIMIT) -> list[int]:
    """Indexes of the words to OCR, most telling first, no duplicates: suspect-font words holding
    the contradicted characters (up to `_SUSPECT_LIMIT`, on top of `limit`), then the groups
    (invisible words, each font) taken in turn, each group's words with digits before its others,
    so that any prefix of the list is spread over the groups."""
    width, height = size
    checkable = [i for i, w in enumerate(words) if _checkable(w, width, height)]
    if not checkable:
        return []
    suspect = {s.name: set(s.chars) for s in facts.suspect_fonts}
    chosen = _spread([i for i in checkable if set(words[i].text) & suspect.get(_font_of(facts, i), set())],
                     _SUSPECT_LIMIT)
    taken = set(chosen)
    invisible = set(facts.invisible_words)
    by_group: dict[str, list[int]] = defaultdict(list)
    for i in checkable:
        if i not in taken:
            by_group[INVISIBLE if i in invisible else _font_of(facts, i)].append(i)
    queues: list[list[int]] = []
    for name, members in by_group.items():
        cap = _INVISIBLE_PER_GROUP if name == INVISIBLE else _PER_GROUP
        digits = _spread([i for i in members if any(ch.isdigit() for ch in words[i].text)], cap // 2)
        others = _spread([i for i in members if i not in set(digits)], cap - len(digits))
        queues.append(digits + others)
    budget = limit + len(chosen)
    while len(chosen) < budget and any(queues):
        for queue in queues:
            if queue and len(chosen) < budget:
                chosen.append(queue.pop(0))
    taken = set(chosen)
    if len(chosen) < budget:
        chosen += _spread([i for i in checkable if i not in taken], budget - len(chosen))
    return chosen


def _checkable(word: Word, width: int, height: int) -> bool:
    key = comparison_key(word.text)
    if not 2 <= len(key) <= _MAX_KEY or not all(_latin_or_digit(ch) for ch in key):
        return False
    x0, y0, x1, y1 = word.bbox
    across = min((y1 - y0) * height, (x1 - x0) * width)  # the text's height, whichever way it runs
    return _MIN_HEIGHT_PX <= across <= _MAX_HEIGHT_PX


def _latin_or_digit(ch: str) -> bool:
    if "0" <= ch <= "9" or "a" <= ch <= "z":
        return True
    return unicodedata.name(ch, "").startswith("LATIN")


def _font_of(facts: TextLayerFacts, index: int) -> str:
    if index < len(facts.word_font) and 0 <= facts.word_font[index] < len(facts.fonts):
        return facts.fonts[facts.word_font[index]]
    return "(unknown)"


def _spread(indexes: list[int], count: int) -> list[int]:
    """`count` items spread evenly over `indexes` (all when there are fewer)."""
    if count <= 0 or not indexes:
        return []
    if len(indexes) <= count:
        return list(indexes)
    positions = np.linspace(0, len(indexes) - 1, count).round().astype(int)
    return [indexes[p] for p in dict.fromkeys(positions.tolist())]


def _crop(image: Image.Image, bbox: tuple[float, float, float, float], turn: int) -> np.ndarray:
    width, height = image.size
    x0, y0, x1, y1 = bbox[0] * width, bbox[1] * height, bbox[2] * width, bbox[3] * height
    across = min(x1 - x0, y1 - y0)  # the word's height, whichever way it runs
    pad_y, pad_x = _PAD_Y * across + 1, _PAD_X * across + 1
    if turn % 180:
        pad_x, pad_y = pad_y, pad_x
    box = (max(0, int(x0 - pad_x)), max(0, int(y0 - pad_y)),
           min(width, int(np.ceil(x1 + pad_x))), min(height, int(np.ceil(y1 + pad_y))))
    crop = np.asarray(image.crop(box).convert("RGB"))
    return rotate_image(crop, turn) if turn else crop
