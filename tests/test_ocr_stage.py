"""WordLayerStage: which pages get OCR, and how a failing page is recorded."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from docpipe.ocr.base import OcrUnavailable
from docpipe.ocr.stage import WordLayerStage, load_engine
from docpipe.ocr.synthetic import render_lines
from docpipe.records import DocKind, ErrorCategory, ErrorInfo, PageImage, Status, Word, WordSource


def _page(index: int = 0, **update: object) -> PageImage:
    page = PageImage(
        doc_id="d" * 64,
        source_path="/in/scan.png",
        kind=DocKind.png,
        page_index=index,
        page_count=3,
        total_pages=3,
        width_pt=595.0,
        height_pt=842.0,
        image_width=700,
        image_height=200,
    )
    return page.model_copy(update=update)


def _png(text: str = "Total 42.00 EUR") -> bytes:
    return render_lines([(0.05, 0.3, text)], size=(700, 200), font_size=32).png_bytes()


class FakeEngine:
    """Reads every page as one fixed word, or crashes on the pages it is told to."""

    name: WordSource = "rapidocr"

    def __init__(self, crash_on: set[tuple[int, int]] = frozenset()) -> None:
        self.crash_on = crash_on
        self.calls = 0

    def recognize(self, image: Image.Image) -> list[Word]:
        self.calls += 1
        if image.size in self.crash_on:
            raise RuntimeError("onnxruntime exploded")
        return [Word(text="hello", bbox=(0.1, 0.1, 0.3, 0.2), conf=0.9)]


@pytest.fixture(scope="module")
def real_stage() -> WordLayerStage:
    return WordLayerStage("rapidocr")


def test_real_engine_adds_words_to_a_scanned_page(real_stage: WordLayerStage) -> None:
    [out] = real_stage([(_page(), _png())])
    assert out.word_source == "rapidocr"
    assert [w.text for w in out.words] == ["Total", "42.00", "EUR"]
    assert out.status == Status.ok and out.error is None


def test_real_engine_crash_inside_onnxruntime_is_recorded(
    real_stage: WordLayerStage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def _boom(*args: object, **kwargs: object) -> None:
        raise MemoryError("recogniser out of memory")

    monkeypatch.setattr(real_stage.engine._rec, "session", _boom)
    [out] = real_stage([(_page(), _png())])
    assert out.words == [] and out.word_source is None and out.status == Status.ok
    assert out.error is not None and out.error.category == ErrorCategory.ocr
    assert "MemoryError" in out.error.message


def test_pages_with_a_word_layer_or_without_image_pass_through_unchanged() -> None:
    engine = FakeEngine()
    stage = WordLayerStage(engine)
    text_page = _page(0, word_source="pdf_text", words=[Word(text="pdf", bbox=(0, 0, 0.1, 0.1))])
    no_image = _page(1, status=Status.failed, error=ErrorInfo(category=ErrorCategory.render, message="boom"))
    scanned = _page(2)
    out = stage([(text_page, _png()), (no_image, None), (scanned, _png())])
    assert out[0] == text_page and out[1] == no_image
    assert out[2].word_source == "rapidocr" and [w.text for w in out[2].words] == ["hello"]
    assert [p.page_index for p in out] == [0, 1, 2]
    assert engine.calls == 1


def test_a_crash_on_one_page_is_recorded_and_the_batch_goes_on() -> None:
    stage = WordLayerStage(FakeEngine(crash_on={(300, 300)}))
    bad = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(bad, format="PNG")
    out = stage([(_page(0), bad.getvalue()), (_page(1), _png()), (_page(2), b"not an image at all")])
    assert len(out) == 3
    crashed, fine, garbage = out
    assert crashed.status == Status.ok and crashed.words == [] and crashed.word_source is None
    assert crashed.error is not None and crashed.error.category == ErrorCategory.ocr
    assert "onnxruntime exploded" in crashed.error.message and crashed.error.stage == "word_layer"
    assert fine.error is None and fine.word_source == "rapidocr"
    assert garbage.error is not None and garbage.error.category == ErrorCategory.ocr


def test_an_earlier_error_is_not_overwritten() -> None:
    earlier = ErrorInfo(category=ErrorCategory.render, message="low resolution render")
    stage = WordLayerStage(FakeEngine(crash_on={(700, 200)}))
    [out] = stage([(_page(error=earlier, status=Status.partial), _png())])
    assert out.error == earlier and out.status == Status.partial


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(OcrUnavailable):
        load_engine("easyocr")


def test_a_new_word_layer_version_changes_the_work_key(tmp_path, monkeypatch) -> None:
    import docpipe.config as config_module
    from docpipe.config import RunConfig, load_pipeline

    config = RunConfig(inputs=["x"], out_dir=tmp_path, pipeline=load_pipeline("invoice", tmp_path))
    before = config.options_hash()
    monkeypatch.setattr(config_module, "WORD_LAYER_VERSION", "test-next")
    assert config.options_hash() != before
