"""A native page with a pasted scan: the text layer is kept, the scan's region is OCR'd and its words
land where the scan shows them."""

from __future__ import annotations

import io
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw, ImageFont

from docpipe.discover import discover
from docpipe.ocr.stage import WordLayerStage
from docpipe.raster.config import RasterConfig
from docpipe.raster.rasterizer import Rasterizer
from docpipe.word_records import WordSourceReason

IMAGE_RECT = (60.0, 420.0, 540.0, 560.0)  # points on an A4 page


def _pasted_scan_pdf(path: Path) -> Path:
    scan = Image.new("L", (960, 280), 250)
    draw = ImageDraw.Draw(scan)
    font = ImageFont.load_default(size=44)
    draw.text((40, 50), "Delivery note 4711", font=font, fill=20)
    draw.text((40, 160), "Received by Jones", font=font, fill=20)
    buffer = io.BytesIO()
    scan.save(buffer, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 100), "Invoice 77", fontsize=20)
    page.insert_text((60, 140), "Total 12.00 EUR", fontsize=14)
    page.insert_image(pymupdf.Rect(*IMAGE_RECT), stream=buffer.getvalue())
    doc.save(path)
    return path


def test_a_pasted_scan_is_ocrd_in_its_region_beside_the_text_layer(tmp_path: Path) -> None:
    (doc,) = discover([str(_pasted_scan_pdf(tmp_path / "pasted.pdf"))])
    with Rasterizer(RasterConfig(isolate=False)) as rasterizer:
        (output,) = rasterizer([doc])
    [page] = WordLayerStage("rapidocr")([(output.pages[0], output.images[0])])
    record = page.word_record
    assert record is not None and record.reason == WordSourceReason.images_without_text
    assert page.word_source == "pdf_text+rapidocr" and record.sampled == record.agreed > 0
    x0, y0, x1, y1 = IMAGE_RECT[0] / 595, IMAGE_RECT[1] / 842, IMAGE_RECT[2] / 595, IMAGE_RECT[3] / 842
    [region] = [r for r in record.regions if r.source == "rapidocr"]
    assert abs(region.bbox[0] - x0) < 0.01 and abs(region.bbox[3] - y1) < 0.01 and region.word_count == 6
    texts = [w.text for w in page.words]
    assert texts[:5] == ["Invoice", "77", "Total", "12.00", "EUR"]  # the text layer, kept as it is
    ocr = {w.text: w for w in page.words[5:]}
    assert {"Delivery", "note", "4711", "Received", "Jones"} <= set(ocr)
    for word in ocr.values():  # OCR boxes mapped from the region back onto the page
        assert x0 - 0.005 <= word.bbox[0] < word.bbox[2] <= x1 + 0.005
        assert y0 - 0.005 <= word.bbox[1] < word.bbox[3] <= y1 + 0.005
    assert ocr["4711"].bbox[1] < ocr["Jones"].bbox[1]  # first scan line above the second
    assert len({w.line_id for w in page.words}) == 4  # line ids stay unique across the two sources
