"""The word-layer stage: OCR for rasterized pages that have no text layer yet."""

from __future__ import annotations

import logging
from typing import Literal

from docpipe.ocr.base import OcrEngine, OcrUnavailable, decode_page_image
from docpipe.ocr.rapid import RapidOcrConfig
from docpipe.ocr.tesseract import TesseractConfig
from docpipe.records import ErrorCategory, ErrorInfo, PageImage

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
    """Adds OCR words to pages without a word layer; one PageImage out per input, same order.

    Pages that already have a word layer (PDF text, or OCR from an earlier run) and pages without
    an image pass through unchanged. A page whose OCR fails keeps its status and gets an
    `ocr` error; nothing is raised for a bad page.
    """

    def __init__(
        self,
        engine: str | OcrEngine = "rapidocr",
        rapid: RapidOcrConfig | None = None,
        tesseract: TesseractConfig | None = None,
    ) -> None:
        # An engine object may be passed in directly (tests, or a caller sharing one engine).
        self.engine: OcrEngine = (
            load_engine(engine, rapid=rapid, tesseract=tesseract) if isinstance(engine, str) else engine
        )

    def __call__(self, items: list[tuple[PageImage, bytes | None]]) -> list[PageImage]:
        return [self._one(page, data) for page, data in items]

    def _one(self, page: PageImage, data: bytes | None) -> PageImage:
        if page.word_source is not None or not data:
            return page
        try:
            image = decode_page_image(data)
        except Exception as exc:  # any undecodable image is this page's problem only
            return _failed(page, f"page image could not be decoded: {exc}")
        try:
            words = self.engine.recognize(image)
        except Exception as exc:
            log.warning("OCR failed on %s: %s", page.key, exc)
            return _failed(page, f"{self.engine.name} failed: {type(exc).__name__}: {exc}")
        return page.model_copy(update={"words": words, "word_source": self.engine.name})


def _failed(page: PageImage, message: str) -> PageImage:
    if page.error is not None:  # an earlier stage's error explains the page better; keep it
        return page
    return page.model_copy(update={"error": ErrorInfo(category=ErrorCategory.ocr, message=message, stage=STAGE)})
