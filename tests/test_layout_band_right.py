"""Values stacked in a column beside tightly spaced labels (a slightly tilted scan inflates the
OCR boxes, so a value's box overlaps the label of the line above): each label reads its own
line's value."""

from __future__ import annotations

from datetime import date

from docpipe.grounding.layout import PageLayout
from docpipe.offline.extract import OfflineExtractor
from docpipe.records import Word
from schemas.invoice import Invoice


def _word(text: str, x0: float, y0: float, y1: float, char: float = 0.009) -> Word:
    return Word(text=text, bbox=(x0, y0, x0 + char * len(text), y1))


def _page() -> list[Word]:
    words = [_word("Lakeside", 0.10, 0.07, 0.087, 0.015), _word("Supplies", 0.23, 0.07, 0.087, 0.015),
             _word("Ltd", 0.36, 0.07, 0.087, 0.015), _word("INVOICE", 0.60, 0.103, 0.113)]
    # label, value, label box (y0, y1), value box (y0, y1): value boxes taller than the line pitch
    rows = [("Invoice No:", "LS-2024-00912", (0.115, 0.130), (0.112, 0.128)),
            ("Invoice date:", "19 Aug 2024", (0.127, 0.142), (0.122, 0.141)),
            ("Due date:", "18 Sep 2024", (0.137, 0.151), (0.134, 0.151)),
            ("PO number:", "PO-55810", (0.153, 0.163), (0.148, 0.161))]
    for label, value, (ly0, ly1), (vy0, vy1) in rows:
        x = 0.60
        for part in label.split():
            words.append(_word(part, x, ly0, ly1))
            x += 0.009 * (len(part) + 1)
        x = 0.77
        for part in value.split():
            words.append(_word(part, x, vy0, vy1))
            x += 0.009 * (len(part) + 1)
    words += [_word("Total", 0.55, 0.40, 0.412), _word("GBP", 0.60, 0.40, 0.412), _word("£1,500.00", 0.80, 0.40, 0.412)]
    return words


def test_each_label_reads_the_value_on_its_own_line() -> None:
    got = OfflineExtractor(Invoice).extract_page(_page(), 0).extraction
    assert got.invoice_number == "LS-2024-00912"
    assert got.issue_date == date(2024, 8, 19)
    assert got.due_date == date(2024, 9, 18)


def test_band_right_keeps_one_token_of_a_stacked_column() -> None:
    layout = PageLayout(_page())
    label = [i for i, t in enumerate(layout.tokens) if t.text in ("Invoice", "No:") and t.y0 < 0.12]
    right = [layout.tokens[t].text for t in layout.band_right(label)]
    assert right == ["LS-2024-00912"]
