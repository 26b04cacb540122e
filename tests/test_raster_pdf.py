from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

from docpipe.discover import discover
from docpipe.raster.config import RasterConfig
from docpipe.raster.rasterizer import Rasterizer
from docpipe.raster.result import RasterOutput
from docpipe.records import ErrorCategory, SourceDoc, Status, Word


def _text_pdf(path: Path, pages: int = 2, rotate: int = 0, size: tuple[float, float] = (595, 842)) -> Path:
    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page(width=size[0], height=size[1])
        page.insert_text((72, 100), f"Invoice {number + 1}", fontsize=24)
        page.insert_text((300, 500), "Total 42.00 EUR", fontsize=18)
        if rotate:
            page.set_rotation(rotate)
    doc.save(path)
    return path


def _rasterize(path: Path, **config: object) -> RasterOutput:
    (doc,) = discover([str(path)])
    with Rasterizer(RasterConfig(isolate=False, **config)) as rasterizer:  # type: ignore[arg-type]
        (output,) = rasterizer([doc])
    return output


def _pixels(data: bytes | None) -> np.ndarray:
    assert data is not None
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


def _ink_inside(pixels: np.ndarray, word: Word) -> float:
    """Fraction of the dark pixels of the word's box region that the box holds, with padding."""
    height, width = pixels.shape
    x0, y0, x1, y1 = word.bbox
    box = pixels[int(y0 * height) : int(np.ceil(y1 * height)), int(x0 * width) : int(np.ceil(x1 * width))]
    return float((box < 128).mean()) if box.size else 0.0


def _ink_covered_by_words(pixels: np.ndarray, words: list[Word]) -> float:
    """Share of all dark pixels of the page that fall inside some word box (slightly padded)."""
    height, width = pixels.shape
    mask = np.zeros_like(pixels, dtype=bool)
    for word in words:
        x0, y0, x1, y1 = word.bbox
        mask[
            max(0, int(y0 * height) - 2) : int(np.ceil(y1 * height)) + 2,
            max(0, int(x0 * width) - 2) : int(np.ceil(x1 * width)) + 2,
        ] = True
    dark = pixels < 128
    return float((dark & mask).sum() / max(1, dark.sum()))


def test_two_page_text_pdf(tmp_path: Path) -> None:
    output = _rasterize(_text_pdf(tmp_path / "two.pdf"), max_pixels=600_000)
    assert output.status is Status.ok and output.error is None
    assert [p.page_index for p in output.pages] == [0, 1]
    for number, (page, image) in enumerate(zip(output.pages, output.images, strict=True), start=1):
        assert (page.width_pt, page.height_pt) == pytest.approx((595, 842))
        assert page.page_count == page.total_pages == 2
        assert page.image_width * page.image_height <= 600_000
        pixels = _pixels(image)
        assert pixels.shape == (page.image_height, page.image_width)
        assert page.word_source == "pdf_text"
        assert [w.text for w in page.words] == ["Invoice", str(number), "Total", "42.00", "EUR"]
        for word in page.words:
            assert 0 <= word.bbox[0] < word.bbox[2] <= 1 and 0 <= word.bbox[1] < word.bbox[3] <= 1
            assert _ink_inside(pixels, word) > 0.05
        assert _ink_covered_by_words(pixels, page.words) > 0.98
        lines = [word.line_id for word in page.words]
        assert lines[0] == lines[1] != lines[2] == lines[3] == lines[4]


def test_render_uses_dpi_when_under_the_cap(tmp_path: Path) -> None:
    output = _rasterize(_text_pdf(tmp_path / "a.pdf", pages=1, size=(144, 72)), dpi=150)
    page = output.pages[0]
    assert (page.image_width, page.image_height) == (300, 150)


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_page_words_match_rendered_positions(tmp_path: Path, rotate: int) -> None:
    output = _rasterize(_text_pdf(tmp_path / "rot.pdf", pages=1, rotate=rotate))
    page = output.pages[0]
    assert page.rotation == rotate
    if rotate in (90, 270):
        assert (page.width_pt, page.height_pt) == pytest.approx((842, 595))
        assert page.image_width > page.image_height
    pixels = _pixels(output.images[0])
    assert page.words
    for word in page.words:
        assert _ink_inside(pixels, word) > 0.05
    assert _ink_covered_by_words(pixels, page.words) > 0.98


def test_encrypted_pdf_needs_the_password(tmp_path: Path) -> None:
    path = tmp_path / "secret.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "classified")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="s3cret", owner_pw="owner-pw")
    locked = _rasterize(path, passwords=["wrong"])
    assert locked.status is Status.failed and not locked.pages
    assert locked.error is not None and locked.error.category is ErrorCategory.encrypted
    assert "1 supplied password" in locked.error.message
    opened = _rasterize(path, passwords=["wrong", "s3cret"])
    assert opened.status is Status.ok
    assert [w.text for w in opened.pages[0].words] == ["classified"]


def test_passwords_stay_out_of_the_config_repr() -> None:
    assert "s3cret" not in repr(RasterConfig(passwords=["s3cret"]))


def test_truncated_pdf_is_repaired_or_reported(tmp_path: Path) -> None:
    data = _text_pdf(tmp_path / "full.pdf", pages=3).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) * 2 // 3])
    output = _rasterize(cut)
    # MuPDF rebuilds the lost xref from the objects it can still find; what survived renders.
    assert output.mupdf_warnings > 0
    assert output.pages and output.status in (Status.ok, Status.partial)
    for page, image in zip(output.pages, output.images, strict=True):
        assert (page.status is Status.ok) == (image is not None)


def test_zero_page_pdf_is_no_pages(tmp_path: Path) -> None:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 3\n0000000000 65535 f \n"
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path = tmp_path / "zero.pdf"
    path.write_bytes(bytes(body))
    output = _rasterize(path)
    assert output.status is Status.failed and output.pages == []
    assert output.error is not None and output.error.category is ErrorCategory.no_pages


def test_garbage_after_pdf_header_is_an_error_row(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    output = _rasterize(path)
    assert output.status is Status.failed and output.pages == [] and output.images == []
    assert output.error is not None
    assert output.error.category in (ErrorCategory.corrupt, ErrorCategory.no_pages)
    assert output.error.message


def test_a_pdf_cut_short_is_corrupt_not_pageless(tmp_path: Path) -> None:
    # The first object of a file cut off before its page tree: MuPDF repairs it and finds no page.
    path = tmp_path / "cut.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Length 7680 >>\nstream\n" + bytes(range(256)) * 30
                     + b"\nendstream\nendobj\n")
    output = _rasterize(path)
    assert output.status is Status.failed and output.pages == []
    assert output.error is not None and output.error.category is ErrorCategory.corrupt
    assert "cut short" in output.error.message


def test_huge_mediabox_stays_under_the_pixel_cap(tmp_path: Path) -> None:
    output = _rasterize(_text_pdf(tmp_path / "huge.pdf", pages=1, size=(14400, 14400)))
    page = output.pages[0]
    assert output.status is Status.ok
    assert page.image_width * page.image_height <= RasterConfig().max_pixels
    assert (page.width_pt, page.height_pt) == pytest.approx((14400, 14400))
    assert _pixels(output.images[0]).size == page.image_width * page.image_height


def test_max_pages_truncates_and_flags_the_document(tmp_path: Path) -> None:
    output = _rasterize(_text_pdf(tmp_path / "five.pdf", pages=5), max_pages=2)
    assert output.status is Status.partial
    assert output.error is not None and output.error.category is ErrorCategory.too_many_pages
    assert [(p.page_count, p.total_pages) for p in output.pages] == [(2, 5), (2, 5)]
    assert all(p.doc_error == output.error for p in output.pages)


def test_jpeg_output_format(tmp_path: Path) -> None:
    output = _rasterize(_text_pdf(tmp_path / "j.pdf", pages=1), image_format="jpeg")
    assert output.images[0] is not None and output.images[0][:3] == b"\xff\xd8\xff"


def test_file_changed_or_removed_after_discovery_is_vanished(tmp_path: Path) -> None:
    changed = _text_pdf(tmp_path / "changed.pdf", pages=1)
    removed = _text_pdf(tmp_path / "removed.pdf", pages=1, size=(300, 300))
    docs = discover([str(changed), str(removed)])
    changed.write_bytes(changed.read_bytes() + b"\n% appended later\n")
    removed.unlink()
    with Rasterizer(RasterConfig(isolate=False)) as rasterizer:
        outputs = rasterizer(docs)
    assert [o.error.category if o.error else None for o in outputs] == [ErrorCategory.vanished] * 2
    assert all(o.status is Status.failed and not o.pages for o in outputs)


def test_discovery_errors_pass_through_unchanged(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    docs: list[SourceDoc] = discover([str(empty)])
    with Rasterizer(RasterConfig(isolate=False)) as rasterizer:
        (output,) = rasterizer(docs)
    assert output.error == docs[0].error and output.status is Status.failed


def test_a_page_that_lost_some_of_its_content_streams_is_corrupt_not_read(tmp_path: Path) -> None:
    # Six content streams on one page, the file cut inside them: MuPDF repairs the file and the
    # page opens, but the cut-off streams are gone ('cannot load content stream part 4/6').
    doc = pymupdf.open()
    page = doc.new_page()
    for i in range(6):
        page.insert_text((72, 72 + 20 * i), f"Line {i} of the page " * 3)  # one content stream each
    data = doc.tobytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    output = _rasterize(cut)
    assert output.status is Status.failed
    [lost] = output.pages
    assert lost.error is not None and lost.error.category is ErrorCategory.corrupt
    assert "of its 6 content parts" in lost.error.message and "damaged or truncated" in lost.error.message
    # the whole file reads, and a file cut only in its trailer keeps every part
    assert _rasterize(_write(tmp_path / "whole.pdf", data)).status is Status.ok
    assert _rasterize(_write(tmp_path / "tail.pdf", data[: data.rindex(b"startxref")])).status is Status.ok


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
