"""Chart regions: vector clusters on PDF pages (none on invoices), raster chart images, the
drawing primitives carried on PageImage (only when asked), and --questions-file matching."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from docpipe.charts.detect import detect_charts, looks_like_chart, raster_chart_boxes
from docpipe.config import ConfigError
from docpipe.question_sets import load_questions_file, questions_per_document
from docpipe.raster.config import RasterConfig
from docpipe.raster.pdf import rasterize_pdf
from docpipe.records import DocKind, SourceDoc, Word
from tests.chartgen import case, pdf_bytes

SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


def pages_of(data: bytes, drawings: bool = True):
    doc = SourceDoc(doc_id="x", source_path="x.pdf", kind=DocKind.pdf, size_bytes=len(data))
    return rasterize_pdf(doc, data, RasterConfig(isolate=False, drawings=drawings)).pages


def test_drawings_are_carried_only_when_a_task_reads_charts() -> None:
    data = (SAMPLES / "chart_bar.pdf").read_bytes()
    assert pages_of(data, drawings=False)[0].drawings is None
    drawings = pages_of(data)[0].drawings
    assert drawings is not None and not drawings.truncated
    fills = [p for p in drawings.paths if p.paint == "fill" and p.fill == "#336bb0"]
    assert len(fills) == 5  # the five bars
    for path in drawings.paths:
        x0, y0, x1, y1 = path.bbox
        assert -1e-6 <= x0 <= x1 <= 1 + 1e-6 and -1e-6 <= y0 <= y1 <= 1 + 1e-6


def test_rotated_page_drawings_are_in_displayed_coordinates() -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=200)
    page.draw_rect(pymupdf.Rect(10, 20, 50, 60), fill=(1, 0, 0), color=None)
    page.set_rotation(90)
    path = next(p for p in pages_of(doc.tobytes())[0].drawings.paths if p.fill == "#ff0000")
    # Rotated 90 degrees clockwise: displayed page is 200 x 400, the rect moves to the top right.
    x0, y0, x1, y1 = path.bbox
    assert (round(x0 * 200), round(y0 * 400), round(x1 * 200), round(y1 * 400)) == (140, 10, 180, 50)


def test_one_region_per_chart_in_reading_order_and_none_on_invoices() -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for i, kind in enumerate(("bar", "line")):
        chart = pymupdf.open(stream=pdf_bytes(case(kind, 0)), filetype="pdf")
        page.show_pdf_page(pymupdf.Rect(60, 60 + 380 * i, 540, 380 + 380 * i), chart, 0)
    page.insert_text((60, 40), "Quarterly report with two figures and some prose around them.")
    regions = detect_charts(pages_of(doc.tobytes())[0])
    assert [r.chart_index for r in regions] == [0, 1] and {r.source for r in regions} == {"vector"}
    assert regions[0].bbox[3] <= regions[1].bbox[1] + 0.01  # first above second
    for name in ("invoice_acme.pdf", "invoice_mueller_2p.pdf"):
        for page_image in pages_of((SAMPLES / name).read_bytes()):
            assert detect_charts(page_image) == []


def test_a_chart_image_is_one_region_and_a_blank_image_is_not_a_chart() -> None:
    words = [Word(text="Sales", bbox=(0.4, 0.02, 0.6, 0.06))]
    image = np.full((300, 400, 3), 255, np.uint8)
    assert raster_chart_boxes(words, image) == [(0.0, 0.0, 1.0, 1.0)]
    image[250, 40:380] = 0  # x axis
    image[20:250, 40] = 0  # y axis
    image[100:250, 80:120] = (200, 40, 40)
    assert looks_like_chart(image)
    assert not looks_like_chart(np.full((300, 400, 3), 255, np.uint8))


def test_questions_file_lines_match_by_relative_path_or_name(tmp_path: Path) -> None:
    (tmp_path / "in" / "q3").mkdir(parents=True)
    docs = [SourceDoc(doc_id="a", source_path=str(tmp_path / "in" / "q3" / "report.pdf"), kind=DocKind.pdf,
                      size_bytes=1),
            SourceDoc(doc_id="b", source_path=str(tmp_path / "in" / "chart.png"), kind=DocKind.png, size_bytes=1)]
    qfile = tmp_path / "questions.jsonl"
    qfile.write_text("\n".join(json.dumps(x) for x in [
        {"file": "q3/report.pdf", "question": "What is the total?"},
        {"file": "chart.png", "qa": [{"question": "Which is highest?", "answer": "ignored"}]},
        {"file": "chart.png", "questions": ["Which is highest?", "How many bars are there?"]},
        {"file": "missing.pdf", "question": "Anything?"},
    ]) + "\n")
    per_doc, unmatched = questions_per_document(load_questions_file(qfile), docs, [str(tmp_path / "in")],
                                                ["Common?"])
    assert per_doc == {docs[0].source_path: ["Common?", "What is the total?"],
                       docs[1].source_path: ["Common?", "Which is highest?", "How many bars are there?"]}
    assert unmatched == ["missing.pdf"]


def test_a_malformed_questions_file_names_the_line(tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text('{"file": "a.pdf", "question": "ok?"}\n{"file": "b.pdf"}\n')
    with pytest.raises(ConfigError, match=r"q.jsonl:2"):
        load_questions_file(qfile)


def test_offline_processor_reads_and_answers_a_chart_page() -> None:
    import typing

    from docpipe.config import TaskName
    from docpipe.processing.offline import OFFLINE_TASKS, OfflinePageProcessor
    from docpipe.schema_registry import load_schema

    assert OFFLINE_TASKS == set(typing.get_args(TaskName))  # chart_qa no longer needs a VLM
    page = pages_of((SAMPLES / "chart_bar.pdf").read_bytes())[0]
    processor = OfflinePageProcessor(load_schema("chart").model, ["chart_qa", "ground"], "rapidocr",
                                     questions=["Which region had the highest revenue?", "Why?"])
    result = processor([(page, None)])[0]
    assert [c.reader for c in result.charts] == ["vector"]
    best, refused = result.answers
    assert best.answer == "East" and best.grounded and best.chart_index == 0
    assert refused.error.category.value == "unsupported_question"
    assert result.status.value == "ok"  # reading worked; unanswered questions are judged per document
    grounding = {g.field: g for g in result.grounding}
    assert grounding["answers[0]"].source == "chart_marks" and grounding["answers[0]"].grounded
    assert "answers[1]" not in grounding
    assert json.loads(result.tasks[0].output_json)["charts"][0]["title"] == "Revenue by Region, 2023"
