"""OCR ink boxes are grown to the printed line; text-layer boxes are left exactly as they are."""

from __future__ import annotations

from docpipe.grounding.inkbox import hugs_ink
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.verify import GroundingQuery, box_overlap, verify_on_page
from docpipe.devtools.synthetic_words import synthetic_page
from docpipe.offline.extract import OfflineExtractor
from docpipe.records import Word
from schemas.invoice import Invoice

EM = 0.0125  # font size in page heights
ADVANCE = 0.0075  # one digit's advance in page widths
# Where a renderer puts a line of text: ascender to descender around the baseline.
ASCENT, DESCENT = 1.0, 0.22


def _ink_word(x: float, baseline: float, text: str) -> Word:
    """An OCR-style box: hugging the letters' ink, so its height depends on their shapes."""
    tall = any(ch.isupper() or ch.isdigit() or ch in "bdfhklt" for ch in text)
    deep = any(ch in "gjpqy" for ch in text)
    top = baseline - (0.72 if tall else 0.52) * EM
    bottom = baseline + (0.21 if deep else 0.0) * EM
    width = ADVANCE * len(text)
    if text == "1":
        return Word(text=text, bbox=(x + 0.3 * ADVANCE, top, x + 0.8 * ADVANCE, bottom))  # a thin stroke
    return Word(text=text, bbox=(x + 0.04 * ADVANCE, top, x + width - 0.04 * ADVANCE, bottom))


def _printed_cell(x: float, baseline: float, text: str) -> tuple[float, float, float, float]:
    return (x, baseline - ASCENT * EM, x + ADVANCE * len(text), baseline + DESCENT * EM)


def _ocr_line(baseline: float, cells: list[tuple[float, str]]) -> list[Word]:
    words: list[Word] = []
    for x, phrase in cells:
        for part in phrase.split(" "):
            words.append(_ink_word(x, baseline, part))
            x += ADVANCE * (len(part) + 1)
    return words


def _ocr_invoice() -> list[Word]:
    rows = [
        (0.10, [(0.08, "Invoice No: HLD-1187"), (0.55, "Date: 2024-11-07")]),
        (0.30, [(0.08, "Description"), (0.55, "Qty"), (0.68, "Rate"), (0.84, "Amount")]),
        (0.33, [(0.08, "Brand workshop (half day)"), (0.56, "1"), (0.68, "650.00"), (0.84, "650.00")]),
        (0.36, [(0.08, "Typography package"), (0.56, "2"), (0.68, "120.00"), (0.84, "240.00")]),
        (0.39, [(0.08, "Shipping to Cambridge"), (0.56, "1"), (0.68, "14.50"), (0.84, "14.50")]),
        (0.45, [(0.60, "Total"), (0.84, "904.50")]),
    ]
    return [w for baseline, cells in rows for w in _ocr_line(baseline, cells)]


def test_text_layer_boxes_are_kept_as_they_are() -> None:
    words = synthetic_page([(0.1, 0.1, "Shipping 1 650.00 (half day)"), (0.1, 0.12, "Qty 12 gypsy 3")])
    layout = PageLayout(words)
    assert not hugs_ink(layout)
    for i in range(len(layout.tokens)):
        assert layout.value_box([i]) == layout.bbox_of([i])


def test_ocr_ink_boxes_grow_to_the_printed_cell() -> None:
    layout = PageLayout(_ocr_invoice())
    assert hugs_ink(layout)
    ones = [i for i, t in enumerate(layout.tokens) if t.text == "1"]
    assert len(ones) == 2
    for i in ones:
        tok = layout.tokens[i]
        printed = _printed_cell(0.56, round(tok.y1, 4), "1")
        assert box_overlap(layout.bbox_of([i]), printed)[0] < 0.5  # the ink alone misses the cell
        assert box_overlap(layout.value_box([i]), printed)[0] >= 0.6
        ink, grown = layout.bbox_of([i]), layout.value_box([i])
        assert grown[0] <= ink[0] and grown[1] <= ink[1] and grown[2] >= ink[2] and grown[3] >= ink[3]
    amount = next(i for i, t in enumerate(layout.tokens) if t.text == "904.50")
    assert box_overlap(layout.value_box([amount]), _printed_cell(0.84, 0.45, "904.50"))[0] >= 0.75


def test_offline_and_verified_groundings_use_the_printed_box_on_ocr_pages() -> None:
    words = _ocr_invoice()
    result = OfflineExtractor(Invoice).extract_page(words, 0)
    assert [i.quantity for i in result.extraction.line_items] == [1, 2, 1]
    by_field = {g.field: g for g in result.groundings}
    for n, baseline in ((0, 0.33), (2, 0.39)):
        g = by_field[f"line_items[{n}].quantity"]
        assert box_overlap(g.bbox, _printed_cell(0.56, baseline, "1"))[0] >= 0.6, g
    checked = verify_on_page([GroundingQuery(field="total", value="904.50", kind="amount", labels=["total"])], words, 0)
    assert box_overlap(checked[0].bbox, _printed_cell(0.84, 0.45, "904.50"))[0] >= 0.75
