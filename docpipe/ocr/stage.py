"""The word-layer stage: every rasterized page gets its words, from its text layer, OCR or both."""

from __future__ import annotations

import logging
from typing import Literal

from docpipe.ocr.base import OcrEngine, OcrUnavailable, decode_page_image
from docpipe.ocr.page_ink import PageInk
from docpipe.ocr.rapid import RapidOcrConfig
from docpipe.ocr.tesseract import TesseractConfig
from docpipe.ocr.word_choice import PDF_TEXT, WordChooser
from docpipe.records import ErrorCategory, ErrorInfo, PageImage, Status
from docpipe.word_records import OcrMode, WordSourceReason, WordSourceRecord

log = logging.getLogger(__name__)

EngineName = Literal["rapidocr", "tesseract"]
ENGINES: tuple[EngineName, ...] = ("rapidocr", "tesseract")
STAGE = "word_layer"


def load_engine(
    engine: str,
    rapid: RapidOcrConfig | None = None,
    tesseract: TesseractConfig | None = None,
) -> OcrEngine:
    """Build an engine by name; raises OcrUnavailable (a fatal config error) when it cannot run."""
    if engine == "rapidocr":
        from docpipe.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine(rapid)
    if engine == "tesseract":
        from docpipe.ocr.tesseract import TesseractEngine

        return TesseractEngine(tesseract)
    raise OcrUnavailable(f"unknown OCR engine {engine!r}; choose one of {', '.join(ENGINES)}")


class WordLayerStage:
    """Decides every page's words (word_choice.py); one PageImage out per input, same order.

    Each page leaves with `words`, `word_source` (the plain source string) and `word_record` (what
    was used where, and why). A page with visible ink and no words gets a `no_text` warning
    (status partial); a blank page is not an error. Pages without an image, and pages this stage
    already decided, pass through unchanged. A page whose OCR fails keeps its text layer (if any)
    and gets an `ocr` error; nothing is raised for a bad page.
    """

    def __init__(
        self,
        engine: str | OcrEngine = "rapidocr",
        rapid: RapidOcrConfig | None = None,
        tesseract: TesseractConfig | None = None,
        mode: OcrMode = "auto",
    ) -> None:
        # An engine object may be passed in directly (tests, or a caller sharing one engine).
        self.engine: OcrEngine = (
            load_engine(engine, rapid=rapid, tesseract=tesseract) if isinstance(engine, str) else engine
        )
        self.mode: OcrMode = mode
        self.chooser = WordChooser(self.engine, mode)

    def __call__(self, items: list[tuple[PageImage, bytes | None]]) -> list[PageImage]:
        return [self._one(page, data) for page, data in items]

    def _one(self, page: PageImage, data: bytes | None) -> PageImage:
        if page.word_record is not None or not data:
            return page
        try:
            image = decode_page_image(data)
        except Exception as exc:  # any undecodable image is this page's problem only
            return _failed(page, f"page image could not be decoded: {exc}")
        ink = PageInk(image)
        try:
            choice = self.chooser.choose(page, image, ink)
        except Exception as exc:
            log.warning("OCR failed on %s: %s", page.key, exc)
            kept = page.words if page.word_source == PDF_TEXT else []
            record = WordSourceRecord(
                source=PDF_TEXT if kept else "none", reason=WordSourceReason.ocr_failed, ocr_mode=self.mode,
                detail=f"{self.engine.name} failed: {type(exc).__name__}", text_layer_words=len(kept))
            failed = page.model_copy(update={"words": kept, "word_source": PDF_TEXT if kept else None,
                                             "word_record": record})
            return _failed(failed, f"{self.engine.name} failed: {type(exc).__name__}: {exc}")
        record = choice.record
        update: dict = {"words": choice.words, "word_source": record.source if choice.words else None,
                        "word_record": record}
        if not choice.words and ink.has_ink and page.error is None:
            update["status"] = Status.partial
            update["error"] = ErrorInfo(
                category=ErrorCategory.no_text, stage=STAGE,
                message=f"the page shows ink but no words were read ({record.reason.value}: {record.detail})")
        return page.model_copy(update=update)


def _failed(page: PageImage, message: str) -> PageImage:
    if page.error is not None:  # an earlier stage's error explains the page better; keep it
        return page
    return page.model_copy(update={"error": ErrorInfo(category=ErrorCategory.ocr, message=message, stage=STAGE)})
