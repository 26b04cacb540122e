"""Reading order of word layers: columns, forms, turned pages."""

from __future__ import annotations

import math

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


# -- generated multi-column pages whose reading order is known --------------------------------

import random  # noqa: E402

import pymupdf  # noqa: E402
import pytest  # noqa: E402

from docpipe.devtools.column_layout import layout_page  # noqa: E402
from docpipe.evaluate.text import cer  # noqa: E402
from docpipe.ocr.reading_order import order_words  # noqa: E402


def _pdf_words(pdf: bytes) -> tuple[list[Word], tuple[float, float]]:
    """The page's text layer as docpipe reads it: words with PyMuPDF's (block, line) as lines."""
    with pymupdf.open(stream=pdf) as doc:
        page = doc[0]
        width, height = page.rect.width, page.rect.height
        ids: dict[tuple[int, int], int] = {}
        words = [
            Word(text=t, bbox=(x0 / width, y0 / height, x1 / width, y1 / height), line_id=ids.setdefault((b, n), len(ids)))
            for x0, y0, x1, y1, t, b, n, _ in page.get_text("words")
        ]
    return words, (width, height)


@pytest.mark.parametrize("kind", ["two_column", "magazine"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_layouts_read_in_their_true_order(kind: str, seed: int) -> None:
    page = layout_page(seed, kind)
    words, size = _pdf_words(page.pdf)
    random.Random(seed).shuffle(words)  # the input order must not matter
    text = " ".join(w.text for w in order_words(words, page_size=size))
    assert text == " ".join(page.text.split())
    # Without any line information from the source (each word its own "line") too.
    bare = [w.model_copy(update={"line_id": k}) for k, w in enumerate(words)]
    assert " ".join(w.text for w in order_words(bare, page_size=size)) == text


def test_magazine_blocks_come_in_reading_order() -> None:
    page = layout_page(5, "magazine")
    words, size = _pdf_words(page.pdf)
    ordered = order_words(words, page_size=size)
    text = " ".join(w.text for w in ordered)
    roles = [b.role for b in page.blocks]
    assert roles.index("sidebar") > roles.index("caption") and roles[-1] == "page_number"
    starts = [text.index(block.text) for block in page.blocks]
    assert starts == sorted(starts)
    # The table is read row by row: each row's cells are consecutive.
    for block in page.blocks:
        if block.role == "table_row":
            assert block.text in text


def test_order_words_numbers_lines_and_blocks_in_reading_order() -> None:
    page = layout_page(7, "magazine")
    words, size = _pdf_words(page.pdf)
    words.append(Word(text="  ", bbox=(0.5, 0.5, 0.51, 0.51), line_id=999))
    ordered = order_words(words, page_size=size)
    assert len(ordered) == len(words) - 1  # the blank word is dropped
    line_ids = [w.line_id for w in ordered]
    block_ids = [w.block_id for w in ordered]
    assert line_ids[0] == 0 and all(b - a in (0, 1) for a, b in zip(line_ids, line_ids[1:]))
    assert block_ids[0] == 0 and all(b - a in (0, 1) for a, b in zip(block_ids, block_ids[1:]))
    # A line never spans two blocks, and each block's lines are consecutive.
    assert len({(w.line_id, w.block_id) for w in ordered}) == len(set(line_ids))
    # The sidebar (right of x = 0.69, above the table in the generator's layout) is a block of its own.
    sidebar_blocks = {w.block_id for w in ordered if w.bbox[0] > 0.69 and 0.15 < w.bbox[1] < 0.6}
    other_blocks = {w.block_id for w in ordered if w.bbox[2] < 0.66}
    assert len(sidebar_blocks) == 1 and not sidebar_blocks & other_blocks
    # Ordering an ordered page changes nothing.
    again = order_words(ordered, page_size=size)
    assert [(w.text, w.line_id, w.block_id) for w in again] == [(w.text, w.line_id, w.block_id) for w in ordered]


def test_a_skewed_text_layer_keeps_its_rows_and_columns() -> None:
    page = layout_page(4, "two_column")
    words, size = _pdf_words(page.pdf)
    width, height = size
    angle = math.radians(2.0)
    skewed = []
    for w in words:
        x0, y0, x1, y1 = w.bbox
        cx, cy = (x0 + x1) / 2 * width - width / 2, (y0 + y1) / 2 * height - height / 2
        nx = cx * math.cos(angle) - cy * math.sin(angle) + width / 2
        ny = cx * math.sin(angle) + cy * math.cos(angle) + height / 2
        hw, hh = (x1 - x0) * width / 2, (y1 - y0) * height / 2 + (x1 - x0) * width / 2 * math.sin(angle)
        skewed.append(w.model_copy(update={"bbox": ((nx - hw) / width, (ny - hh) / height, (nx + hw) / width, (ny + hh) / height)}))
    text = " ".join(w.text for w in order_words(skewed, page_size=size))
    assert cer(text, page.text) < 0.01


def test_ocr_of_a_rendered_magazine_page_follows_the_columns() -> None:
    from PIL import Image

    from docpipe.ocr.rapid import RapidOcrConfig, RapidOcrEngine

    page = layout_page(11, "magazine")
    with pymupdf.open(stream=page.pdf) as doc:
        pix = doc[0].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
        image = Image.frombytes("L", (pix.width, pix.height), pix.samples).convert("RGB")
    words = RapidOcrEngine(RapidOcrConfig(threads=2)).recognize(image)
    assert cer(" ".join(w.text for w in words), page.text) < 0.05


def _figure_beside_a_column() -> tuple[list[tuple[str, float, float]], list[str], list[str]]:
    """A figure's axis labels in the left column, then its caption and text; the right column's
    text holds a displayed formula whose number sits level with a row of the labels. Lines are
    at most 30 characters (0.37 of the page wide), so the gutter at 0.46-0.55 stays empty."""
    left: list[tuple[str, float, float]] = []
    for k in range(6):  # label rows fall between the right column's text lines
        y = 0.111 + 0.04 * k
        left += [(f"0.{k}", 0.09, y), (f"T={k}0K", 0.20, y), (f"-0.{k}", 0.33, y)]
    caption = ["FIG. 3. Spin angle against", "energy for four angles beta"]
    body = ["the symmetry is broken by the", "clusters close to the limit"]
    left += [(t, 0.08, 0.36 + 0.02 * k) for k, t in enumerate(caption + body)]
    right_text = ["where the potential is the sum", "of the scalar one and the", "T(E) = V + V G(E) T(E)", "(36)",
                  "where the last expression is", "valid for large values of V"]
    right_text += [f"and the column goes on {k:02d}" for k in range(12)]
    ys = [0.10, 0.12, 0.145, 0.158, 0.18, 0.20] + [0.22 + 0.02 * k for k in range(12)]
    right = [(t, 0.55 if t != "(36)" else 0.86, y) for t, y in zip(right_text, ys, strict=True)]
    return left + right, [t for t, _, _ in left], right_text


def test_a_figure_beside_a_column_is_read_before_the_column_not_across_it() -> None:
    lines, left, right = _figure_beside_a_column()
    text = reading_order_text(_page(lines))
    # Each line of the left column (labels, caption, text) comes before the right column's text.
    first_right = text.index(right[0])
    assert all(text.index(t) < first_right for t in left[-4:])
    assert [text.index(t) for t in right] == sorted(text.index(t) for t in right)
    assert text.index("(36)") > text.index("T(E) = V + V G(E) T(E)")
