"""The generic `page` schema offline: title by print size and position, language, document kind."""

from __future__ import annotations

import pymupdf

from docpipe.offline.extract import OfflineExtractor
from docpipe.raster.config import RasterConfig
from docpipe.raster.pdf import rasterize_pdf
from docpipe.records import DocKind, SourceDoc
from schemas.page import Page

ENGLISH = ("The committee met on Tuesday to review the budget for the coming year. Members agreed that the "
           "library will stay open longer in winter and that the new reading room should be finished before "
           "the spring. The chair thanked everyone for their work and closed the meeting at noon.")
GERMAN = ("Der Ausschuss hat sich am Dienstag getroffen, um den Haushalt für das kommende Jahr zu prüfen. Die "
          "Mitglieder waren sich einig, dass die Bibliothek im Winter länger geöffnet bleibt und dass der neue "
          "Lesesaal vor dem Frühjahr fertig sein soll.")


def _page_words(title: str | None, body: str, title_size: float = 18):
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 60), "Ref 2291/B", fontsize=8)
    if title:
        page.insert_textbox(pymupdf.Rect(72, 90, 523, 130), title, fontsize=title_size, align=1)
    page.insert_textbox(pymupdf.Rect(72, 150, 523, 760), body, fontsize=10)
    data = doc.tobytes()
    source = SourceDoc(doc_id="f" * 64, source_path="/in/p.pdf", kind=DocKind.pdf, size_bytes=len(data))
    return rasterize_pdf(source, data, RasterConfig(dpi=50, isolate=False)).pages[0].words


def test_title_language_and_kind_of_an_english_report() -> None:
    result = OfflineExtractor(Page).extract_page(_page_words("Annual Library Report", ENGLISH), 0)
    page = result.extraction
    assert page.title == "Annual Library Report"
    assert page.language == "en"
    assert page.document_type == "report"
    assert page.summary is None  # needs a language model
    fields = {g.field for g in result.groundings}
    assert fields == {"title", "document_type"}  # the language is derived: no word to ground it on


def test_german_page_without_a_heading() -> None:
    page = OfflineExtractor(Page).extract_page(_page_words(None, GERMAN), 0).extraction
    assert page.language == "de"
    assert page.title is None  # running text and a small reference line are no heading
    assert page.document_type is None


def test_too_little_text_gives_no_language() -> None:
    page = OfflineExtractor(Page).extract_page(_page_words("MEMO", "Total 12.00"), 0).extraction
    assert page.language is None
    assert page.title == "MEMO"
    assert page.document_type == "memo"
