"""WordLayerStage: which words every page gets and why, how failures and empty pages are recorded."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from docpipe.ocr.base import OcrUnavailable
from docpipe.ocr.crop_reader import read_crops
from docpipe.ocr.stage import WordLayerStage, load_engine
from docpipe.ocr.synthetic import SyntheticPage, render_lines
from docpipe.records import DocKind, ErrorCategory, ErrorInfo, PageImage, Status, Word, WordSource
from docpipe.ocr.text_layer_check import FIRST_SAMPLE, SAMPLE_LIMIT, sample_words
from docpipe.word_records import SuspectFont, TextLayerFacts, WordSourceReason, WordSourceRecord

LINES = [(0.05, 0.2, "Invoice number 4711"), (0.05, 0.5, "Total 3,234.00 EUR"), (0.05, 0.8, "Thank you")]


def _page(index: int = 0, **update: object) -> PageImage:
    page = PageImage(
        doc_id="d" * 64, source_path="/in/doc.pdf", kind=DocKind.pdf, page_index=index, page_count=3,
        total_pages=3, width_pt=595.0, height_pt=842.0, image_width=700, image_height=300,
    )
    return page.model_copy(update=update)


def _drawn() -> SyntheticPage:
    return render_lines(LINES, size=(700, 300), font_size=28)


def _text_layer(drawn: SyntheticPage, replace: dict[str, str] | None = None) -> dict[str, object]:
    """PageImage fields of a PDF text layer over `drawn`, with some words' text swapped."""
    replace = replace or {}
    words = [Word(text=replace.get(w.text, w.text), bbox=w.bbox, line_id=w.line) for w in drawn.words]
    return {"words": words, "word_source": "pdf_text",
            "text_layer": TextLayerFacts(fonts=["F"], word_font=[0] * len(words))}


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class FakeEngine:
    """Reads a page as fixed words; reads crops as the truth of the drawn page at that place."""

    name: WordSource = "rapidocr"

    def __init__(self, page_words: list[Word] | None = None, crash: bool = False,
                 crops: list[str] | None = None) -> None:
        self.page_words = page_words if page_words is not None else [Word(text="hello", bbox=(0.1, 0.1, 0.3, 0.2))]
        self.crash = crash
        self.crop_texts = crops
        self.pages = 0
        self.crop_calls = 0

    def recognize(self, image: Image.Image) -> list[Word]:
        self.pages += 1
        if self.crash:
            raise RuntimeError("onnxruntime exploded")
        return list(self.page_words)

    def recognize_crops(self, images: list[np.ndarray]) -> list[tuple[str, float]]:
        self.crop_calls += 1
        texts = self.crop_texts or []
        return [(texts[i] if i < len(texts) else "", 0.9) for i in range(len(images))]


@pytest.fixture(scope="module")
def real_stage() -> WordLayerStage:
    return WordLayerStage("rapidocr")


def test_a_text_layer_that_matches_the_pixels_is_used_and_recorded_as_verified(real_stage: WordLayerStage) -> None:
    drawn = _drawn()
    [out] = real_stage([(_page(**_text_layer(drawn)), drawn.png_bytes())])
    assert out.word_source == "pdf_text"
    record = out.word_record
    assert record is not None and record.reason == WordSourceReason.text_layer_verified
    assert record.sampled == record.agreed == FIRST_SAMPLE  # all of the first sample agreed: no more read
    assert [w.text for w in out.words] == [w.text for w in drawn.words]
    assert record.regions[0].source == "pdf_text" and out.status == Status.ok and out.error is None


def test_a_text_layer_that_lies_about_values_is_replaced_by_ocr_with_the_reason(real_stage: WordLayerStage) -> None:
    drawn = _drawn()
    page = _page(**_text_layer(drawn, {"4711": "5822", "3,234.00": "4,345.11"}))
    [out] = real_stage([(page, drawn.png_bytes())])
    record = out.word_record
    assert record is not None and record.reason == WordSourceReason.text_layer_disagrees
    assert "'4,345.11' where the page shows '3,234.00'" in record.detail
    assert record.sampled - record.agreed == 2
    assert out.word_source == "rapidocr" and "3,234.00" in [w.text for w in out.words]
    assert "4,345.11" not in [w.text for w in out.words]
    assert record.regions[0].source == "rapidocr" and record.regions[0].bbox == (0.0, 0.0, 1.0, 1.0)


def test_one_misread_word_does_not_condemn_a_text_layer(real_stage: WordLayerStage) -> None:
    drawn = _drawn()
    [out] = real_stage([(_page(**_text_layer(drawn, {"4711": "4717"})), drawn.png_bytes())])
    record = out.word_record
    assert record is not None and record.reason == WordSourceReason.text_layer_verified
    # The disagreement in the first sample made the check read every checkable word.
    assert record.sampled == sum(len(w.text) >= 2 for w in drawn.words) > FIRST_SAMPLE
    assert out.word_source == "pdf_text" and record.agreed == record.sampled - 1


def test_the_sample_takes_fonts_in_turn_digits_first() -> None:
    words = [Word(text=f"word{i}" if i % 3 else f"{i}00", bbox=(0.1, 0.05 * i, 0.2, 0.05 * i + 0.03))
             for i in range(18)]
    facts = TextLayerFacts(fonts=["A", "B"], word_font=[0] * 12 + [1] * 6)
    order = sample_words(words, facts, (1000, 1000))
    assert len(order) == SAMPLE_LIMIT and len(set(order)) == len(order)
    fonts = [facts.word_font[i] for i in order[:FIRST_SAMPLE]]
    assert fonts == [0, 1, 0, 1, 0, 1]  # any prefix is spread over the fonts
    assert words[order[0]].text[0].isdigit() and words[order[1]].text[0].isdigit()
    suspect = facts.model_copy(update={"suspect_fonts": [SuspectFont(name="B", glyphs_checked=9,
                                                                     glyphs_contradicted=3, chars="5")]})
    assert words[sample_words(words, suspect, (1000, 1000))[0]].text == "1500"  # contradicted characters first


def test_an_image_input_is_ocrd_and_a_blank_page_is_not_an_error() -> None:
    engine = FakeEngine()
    stage = WordLayerStage(engine)
    blank = _png(Image.new("RGB", (700, 300), "white"))
    scan = _page(0, kind=DocKind.png)
    [read, empty] = stage([(scan, _drawn().png_bytes()), (_page(1, kind=DocKind.png), blank)])
    assert read.word_source == "rapidocr" and read.word_record.reason == WordSourceReason.no_text_layer
    assert empty.words == [] and empty.word_source is None and empty.status == Status.ok and empty.error is None
    assert empty.word_record.reason == WordSourceReason.blank_page and empty.word_record.source == "none"
    assert engine.pages == 1  # the blank page costs no OCR


def test_a_text_layer_on_a_page_without_ink_is_not_what_the_page_shows() -> None:
    drawn = _drawn()
    engine = FakeEngine(crops=[])  # every crop of the white page reads as nothing
    blank = _png(Image.new("RGB", (700, 300), "white"))
    [out] = WordLayerStage(engine)([(_page(**_text_layer(drawn)), blank)])
    assert out.word_record.reason == WordSourceReason.text_layer_disagrees
    assert out.words == [] and out.word_source is None and engine.pages == 0  # no OCR of a blank page
    assert out.status == Status.ok and out.error is None  # and no ink means no no_text warning


def test_ink_without_words_is_a_no_text_warning_never_silent() -> None:
    stage = WordLayerStage(FakeEngine(page_words=[]))
    [out] = stage([(_page(kind=DocKind.png), _drawn().png_bytes())])
    assert out.words == [] and out.status == Status.partial
    assert out.error is not None and out.error.category == ErrorCategory.no_text and out.error.stage == "word_layer"
    assert "no_text_layer" in out.error.message


def test_ocr_never_keeps_the_text_layer_unchecked_and_never_calls_the_engine() -> None:
    drawn = _drawn()
    engine = FakeEngine()
    stage = WordLayerStage(engine, mode="never")
    lying = _page(0, **_text_layer(drawn, {"3,234.00": "4,345.11"}))
    [kept, scan] = stage([(lying, drawn.png_bytes()), (_page(1, kind=DocKind.png), drawn.png_bytes())])
    assert engine.pages == 0 and engine.crop_calls == 0
    assert kept.word_record.reason == WordSourceReason.ocr_disabled and "4,345.11" in [w.text for w in kept.words]
    assert scan.words == [] and scan.error is not None and scan.error.category == ErrorCategory.no_text


def test_ocr_always_reads_every_page_with_ink() -> None:
    drawn = _drawn()
    engine = FakeEngine()
    stage = WordLayerStage(engine, mode="always")
    [out] = stage([(_page(**_text_layer(drawn)), drawn.png_bytes())])
    assert engine.pages == 1 and engine.crop_calls == 0
    assert out.word_source == "rapidocr" and out.word_record.reason == WordSourceReason.ocr_forced
    assert out.word_record.ocr_mode == "always" and out.word_record.text_layer_words == len(drawn.words)


def test_a_text_layer_of_unmapped_glyphs_is_replaced_without_verification() -> None:
    drawn = _drawn()
    engine = FakeEngine()
    fields = _text_layer(drawn)
    fields["text_layer"] = TextLayerFacts(fonts=["F"], word_font=[0] * len(drawn.words), unmapped_share=0.8)
    [out] = WordLayerStage(engine)([(_page(**fields), drawn.png_bytes())])
    assert out.word_record.reason == WordSourceReason.text_layer_unusable and engine.crop_calls == 0


def test_decided_pages_and_pages_without_image_pass_through_unchanged() -> None:
    engine = FakeEngine()
    stage = WordLayerStage(engine)
    decided = _page(0, word_source="pdf_text", words=[Word(text="pdf", bbox=(0, 0, 0.1, 0.1))],
                    word_record=WordSourceRecord(source="pdf_text", reason=WordSourceReason.text_layer_verified))
    no_image = _page(1, status=Status.failed, error=ErrorInfo(category=ErrorCategory.render, message="boom"))
    out = stage([(decided, _drawn().png_bytes()), (no_image, None)])
    assert out == [decided, no_image] and engine.pages == engine.crop_calls == 0


def test_a_crash_on_one_page_is_recorded_and_the_batch_goes_on() -> None:
    drawn = _drawn()
    crashing = WordLayerStage(FakeEngine(crash=True))
    [crashed] = crashing([(_page(0, kind=DocKind.png), drawn.png_bytes())])
    assert crashed.words == [] and crashed.word_source is None
    assert crashed.word_record is not None and crashed.word_record.reason == WordSourceReason.ocr_failed
    assert crashed.error is not None and crashed.error.category == ErrorCategory.ocr
    assert "onnxruntime exploded" in crashed.error.message and crashed.error.stage == "word_layer"
    fine, garbage = WordLayerStage(FakeEngine())([(_page(1, kind=DocKind.png), drawn.png_bytes()),
                                                  (_page(2), b"not an image at all")])
    assert fine.error is None and fine.word_source == "rapidocr"
    assert garbage.error is not None and garbage.error.category == ErrorCategory.ocr


def test_a_text_layer_whose_check_crashes_is_kept_with_the_error() -> None:
    drawn = _drawn()

    class Broken(FakeEngine):
        def recognize_crops(self, images: list[np.ndarray]) -> list[tuple[str, float]]:
            raise RuntimeError("recogniser gone")

    [out] = WordLayerStage(Broken())([(_page(**_text_layer(drawn)), drawn.png_bytes())])
    assert out.word_source == "pdf_text" and len(out.words) == len(drawn.words)
    assert out.word_record.reason == WordSourceReason.ocr_failed and out.word_record.source == "pdf_text"
    assert out.error is not None and out.error.category == ErrorCategory.ocr and "recogniser gone" in out.error.message


def test_an_earlier_error_is_not_overwritten() -> None:
    earlier = ErrorInfo(category=ErrorCategory.render, message="low resolution render")
    stage = WordLayerStage(FakeEngine(crash=True))
    [out] = stage([(_page(error=earlier, status=Status.partial, kind=DocKind.png), _drawn().png_bytes())])
    assert out.error == earlier and out.status == Status.partial


class MosaicEngine:
    """No recognize_crops: reads a mosaic as one word per band of dark rows, named by band order."""

    name: WordSource = "tesseract"

    def recognize(self, image: Image.Image) -> list[Word]:
        dark = (np.asarray(image.convert("L")) < 128).any(axis=1)
        words, y, height = [], 0, len(dark)
        while y < height:
            if dark[y]:
                start = y
                while y < height and dark[y]:
                    y += 1
                words.append(Word(text=f"w{len(words)}", bbox=(0.1, start / height, 0.2, y / height)))
            y += 1
        return words


def test_crops_are_read_as_one_mosaic_by_engines_without_a_crop_reader() -> None:
    crops = []
    for h in (20, 35, 12):
        crop = np.full((h, 60, 3), 255, dtype=np.uint8)
        crop[2:-2, 5:50] = 0
        crops.append(crop)
    assert read_crops(MosaicEngine(), crops) == [("w0", 1.0), ("w1", 1.0), ("w2", 1.0)]
    assert read_crops(MosaicEngine(), []) == []


def test_real_engine_reads_a_scanned_page(real_stage: WordLayerStage) -> None:
    [out] = real_stage([(_page(kind=DocKind.png), _drawn().png_bytes())])
    assert out.word_source == "rapidocr" and out.word_record.reason == WordSourceReason.no_text_layer
    assert [w.text for w in out.words] == [t for _, _, line in LINES for t in line.split()]
    assert out.status == Status.ok and out.error is None


def test_real_engine_crash_inside_onnxruntime_is_recorded(
    real_stage: WordLayerStage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def _boom(*args: object, **kwargs: object) -> None:
        raise MemoryError("recogniser out of memory")

    monkeypatch.setattr(real_stage.engine._rec, "session", _boom)  # as if onnxruntime ran out of memory
    [out] = real_stage([(_page(kind=DocKind.png), _drawn().png_bytes())])
    assert out.words == [] and out.word_source is None
    assert out.error is not None and out.error.category == ErrorCategory.ocr
    assert "MemoryError" in out.error.message


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(OcrUnavailable):
        load_engine("easyocr")


def test_tesseract_checks_a_text_layer_through_a_mosaic_of_its_word_crops() -> None:
    drawn = _drawn()
    stage = WordLayerStage("tesseract")
    assert not hasattr(stage.engine, "recognize_crops")  # the mosaic path, with a real engine
    honest, lying = stage([(_page(0, **_text_layer(drawn)), drawn.png_bytes()),
                           (_page(1, **_text_layer(drawn, {"4711": "5822", "3,234.00": "4,345.11"})),
                            drawn.png_bytes())])
    assert honest.word_record.reason == WordSourceReason.text_layer_verified and honest.word_source == "pdf_text"
    assert honest.word_record.agreed >= honest.word_record.sampled - 1
    assert lying.word_record.reason == WordSourceReason.text_layer_disagrees and lying.word_source == "tesseract"


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_rotated_pdf_page_is_checked_with_its_words_turned_upright(real_stage: WordLayerStage, tmp_path,
                                                                      rotation: int) -> None:
    import pymupdf

    from docpipe.discover import discover
    from docpipe.raster.config import RasterConfig
    from docpipe.raster.rasterizer import Rasterizer

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for k, line in enumerate(("Invoice number 4711 dated 2024-03-05", "Total amount 3,234.00 EUR",
                              "Payment within thirty days")):
        page.insert_text((72, 100 + 40 * k), line, fontsize=14)
    page.set_rotation(rotation)
    doc.save(tmp_path / "turned.pdf")
    (source,) = discover([str(tmp_path / "turned.pdf")])
    with Rasterizer(RasterConfig(isolate=False)) as rasterizer:
        (output,) = rasterizer([source])
    [out] = real_stage([(output.pages[0], output.images[0])])
    record = out.word_record
    assert record.reason == WordSourceReason.text_layer_verified and record.sampled == record.agreed == FIRST_SAMPLE


def test_digits_must_read_exactly_letters_may_slip() -> None:
    from docpipe.ocr.text_layer_check import edit_distance, words_agree

    assert words_agree("3,234.00", "3,234.00") and words_agree("(18)", "1(18)1")  # a neighbour's edge
    assert not words_agree("4,345.11", "3,234.00") and not words_agree("2O24", "2024")
    assert not words_agree("l,645.OO", "1,645.00")  # the classic OCR-layer confusions are not slips
    assert words_agree("agrees", "agres") and words_agree("Confidential", "Cofidential")
    assert not words_agree("Total", "Tqubm") and not words_agree("will", "il")
    assert edit_distance("kitten", "sitting") == 3 and edit_distance("", "ab") == 2


def test_a_new_word_layer_version_changes_the_work_key(tmp_path, monkeypatch) -> None:
    import docpipe.config as config_module
    from docpipe.config import RunConfig, load_pipeline

    config = RunConfig(inputs=["x"], out_dir=tmp_path, pipeline=load_pipeline("invoice", tmp_path))
    before = config.options_hash()
    monkeypatch.setattr(config_module, "WORD_LAYER_VERSION", "test-next")
    assert config.options_hash() != before
