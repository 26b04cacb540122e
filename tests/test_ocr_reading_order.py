"""Reading order of word layers: columns, forms, turned pages."""

from __future__ import annotations

from docpipe.ocr.geometry import rotate_bbox
from docpipe.ocr.layout import LineBox, assign_blocks, reading_order
from docpipe.ocr.reading_order import reading_order_text, text_rotation
from docpipe.records import Word


def _line(text: str, x: float, y: float, line_id: int, char_w: float = 0.012, h: float = 0.015) -> list[Word]:
    words = []
    for token in text.split():
        w = char_w * len(token)
        words.append(Word(text=token, bbox=(x, y, x + w, y + h), line_id=line_id))
        x += w + char_w
    return words


def _page(lines: list[tuple[str, float, float]]) -> list[Word]:
    words: list[Word] = []
    for k, (text, x, y) in enumerate(lines):
        words += _line(text, x, y, k)
    return words


LEFT = ["alpha one two three four", "alpha five six seven eight", "alpha nine ten eleven twelve"]
RIGHT = ["beta one two three four", "beta five six seven eight", "beta nine ten eleven twelve"]


def _two_columns(title: bool = True, footer: bool = True) -> list[tuple[str, float, float]]:
    lines: list[tuple[str, float, float]] = []
    if title:
        lines.append(("Annual Report Of The Example Company For Everyone", 0.08, 0.05))
    # Baselines of both columns line up: a plain top-to-bottom sort would interleave them.
    for k in range(3):
        lines.append((RIGHT[k], 0.55, 0.10 + 0.02 * k))
        lines.append((LEFT[k], 0.08, 0.10 + 0.02 * k))
    if footer:
        lines.append(("Page one of the report printed for everyone to read today", 0.08, 0.30))
    return lines


def test_two_columns_are_read_one_after_the_other() -> None:
    text = reading_order_text(_page(_two_columns()))
    assert text.splitlines() == [
        "Annual Report Of The Example Company For Everyone",
        *LEFT,
        *RIGHT,
        "Page one of the report printed for everyone to read today",
    ]


def test_two_columns_without_title_or_footer() -> None:
    assert reading_order_text(_page(_two_columns(False, False))).splitlines() == [*LEFT, *RIGHT]


def test_form_rows_are_read_across_not_as_columns() -> None:
    rows = [("Invoice no:", "INV-42"), ("Date:", "2024-03-12"), ("Total:", "99.00 EUR")]
    lines = []
    for k, (label, value) in enumerate(rows):
        lines.append((value, 0.6, 0.1 + 0.03 * k))
        lines.append((label, 0.1, 0.1 + 0.03 * k))
    assert reading_order_text(_page(lines)).splitlines() == [
        "Invoice no: INV-42",
        "Date: 2024-03-12",
        "Total: 99.00 EUR",
    ]


def test_upside_down_page_reads_in_written_order() -> None:
    words = _page(_two_columns(title=True, footer=False))
    turned = [w.model_copy(update={"bbox": rotate_bbox(w.bbox, 180)}) for w in words]
    assert text_rotation([[w for w in turned if w.line_id == k] for k in range(7)]) == 180
    assert reading_order_text(turned) == reading_order_text(words)


def test_sideways_page_reads_in_written_order() -> None:
    words = _page([("first line of text here", 0.1, 0.1), ("second line of text here", 0.1, 0.13)])
    for degrees in (90, 270):
        turned = [w.model_copy(update={"bbox": rotate_bbox(w.bbox, degrees)}) for w in words]
        assert reading_order_text(turned) == "first line of text here\nsecond line of text here"


def test_empty_and_blank_word_layers() -> None:
    assert reading_order_text([]) == ""
    assert reading_order_text([Word(text="  ", bbox=(0, 0, 0.1, 0.1))]) == ""


def test_blocks_group_close_overlapping_rows() -> None:
    lines = [LineBox(0.1, 0.10, 0.5, 0.12, 4), LineBox(0.1, 0.13, 0.5, 0.15, 4), LineBox(0.1, 0.40, 0.5, 0.42, 4)]
    rows = reading_order(lines)
    assert rows == [[0], [1], [2]]
    assert assign_blocks(lines, rows) == [0, 0, 1]
