"""What the raster stage records about a PDF text layer: normalised words, invisible text, fonts whose
ToUnicode map contradicts the font program, turned text and images (docpipe/raster/text_layer.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from docpipe.devtools.lying_pdfs import bad_ocr_layer_pdf, parse_tounicode, shifted_tounicode_pdf, \
    stamped_scan_pdf, tounicode_cmap
from docpipe.discover import discover
from docpipe.raster.config import RasterConfig
from docpipe.raster.fonts import FontPrograms
from docpipe.raster.rasterizer import Rasterizer
from docpipe.raster.text_layer import read_text_layer
from docpipe.records import PageImage

REPO = Path(__file__).resolve().parents[1]


def _read(data: bytes):
    doc = pymupdf.open(stream=data, filetype="pdf")
    page = doc[0]
    return read_text_layer(page, page.rect.width, page.rect.height, FontPrograms(doc))


def _rasterized(tmp_path: Path, data: bytes) -> PageImage:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    (doc,) = discover([str(path)])
    with Rasterizer(RasterConfig(isolate=False)) as rasterizer:
        (output,) = rasterizer([doc])
    return output.pages[0]


def test_a_shifted_tounicode_map_makes_its_font_suspect_and_only_that_font() -> None:
    words, facts = _read(shifted_tounicode_pdf())
    assert facts is not None
    assert "4,345.11" in [w.text for w in words]  # the lie is in the text layer...
    [suspect] = facts.suspect_fonts
    assert suspect.name == "Helvetica-Bold"
    assert suspect.glyphs_contradicted >= 2 and set(suspect.chars) <= set("0123456789")
    assert "in the font" in suspect.example
    total = [i for i, w in enumerate(words) if w.text == "4,345.11"][0]
    assert facts.fonts[facts.word_font[total]] == "Helvetica-Bold"


def test_honest_generated_invoices_have_no_suspect_font() -> None:
    for name in ("invoice_acme.pdf", "invoice_mueller_2p.pdf", "chart_bar.pdf"):
        doc = pymupdf.open(REPO / "sample_docs" / name)
        programs = FontPrograms(doc)
        for page in doc:
            words, facts = read_text_layer(page, page.rect.width, page.rect.height, programs)
            assert words and facts is not None
            assert facts.suspect_fonts == [] and facts.invisible_words == [], name
            assert all(f >= 0 for f in facts.word_font)


def test_an_invisible_ocr_layer_over_a_scan_is_recorded() -> None:
    words, facts = _read(bad_ocr_layer_pdf())
    assert facts is not None and len(words) > 50
    assert facts.invisible_words == list(range(len(words)))
    assert facts.image_share > 0.95 and facts.image_regions[0][2] - facts.image_regions[0][0] > 0.95
    assert "INV-2O24-Oll7" in [w.text for w in words]


def test_a_stamp_on_a_scan_is_a_few_visible_words_over_one_page_sized_image() -> None:
    words, facts = _read(stamped_scan_pdf())
    assert [w.text for w in words] == ["RECEIVED", "2024-03-14", "Page", "1", "of", "1"]
    assert facts is not None and facts.invisible_words == [] and facts.image_share > 0.95


def test_words_are_normalised_and_keep_their_raw_text_and_turned_text_is_marked() -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    writer = pymupdf.TextWriter(page.rect)
    writer.append((72, 100), "Back O\ufb03ce Rech\u00adnung", font=pymupdf.Font("helv"), fontsize=12)
    writer.write_text(page)
    page.insert_text((300, 500), "Sideways text", fontsize=12, rotate=90)
    words, facts = _read(doc.tobytes())
    assert [w.text for w in words] == ["Back", "Office", "Rechnung", "Sideways", "text"]
    assert words[1].raw == "O\ufb03ce" and words[0].raw is None
    assert facts is not None and dict(facts.turned_words) == {3: 90, 4: 90}


def test_a_rotated_page_reports_its_upright_turn_and_displayed_boxes(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 100), "Invoice 42", fontsize=20)
    page.set_rotation(90)
    record = _rasterized(tmp_path, doc.tobytes())
    assert record.text_layer is not None
    assert dict(record.text_layer.turned_words) == {0: 270, 1: 270}
    x0, y0, x1, y1 = record.words[0].bbox
    assert y1 - y0 > x1 - x0  # on the displayed (landscape) page the word runs downwards


def test_image_regions_are_in_the_displayed_frame(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=600)
    page.insert_text((50, 100), "Hello world", fontsize=12)
    buffer = io.BytesIO()
    Image.new("L", (100, 50), 60).save(buffer, format="PNG")
    page.insert_image(pymupdf.Rect(200, 300, 300, 350), stream=buffer.getvalue())
    page.set_rotation(90)
    record = _rasterized(tmp_path, doc.tobytes())
    assert record.text_layer is not None
    [region] = record.text_layer.image_regions
    # Unrotated (200, 300)-(300, 350) on a 400x600 page; turned 90 degrees clockwise the page is
    # 600 wide and 400 high and the image sits at x 250..300, y 200..300.
    assert region == pytest.approx((250 / 600, 200 / 400, 300 / 600, 300 / 400), abs=1e-3)
    assert record.text_layer.image_share == pytest.approx(50 * 100 / (400 * 600), abs=0.01)


def test_tounicode_cmaps_round_trip() -> None:
    cmap = {1: " ", 0x14: "3", 0x15: "4", 0x6D: "fi"}
    assert parse_tounicode(tounicode_cmap(cmap)) == cmap
    text = "2 beginbfrange\n<0010> <0012> <0030>\n<0020> <0021> [<0041> <00660069>]\nendbfrange"
    assert parse_tounicode(text) == {0x10: "0", 0x11: "1", 0x12: "2", 0x20: "A", 0x21: "fi"}
