"""The VLM chart path: the model's table is checked by the deterministic answerer (agreement raises,
disagreement lowers confidence and flags), and the plumbing with a tiny random model (validity only:
its output is meaningless)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docpipe.records import DocKind, PageImage, Status
from docpipe.schema_registry import load_schema
from docpipe.tasks.base import PageWork
from docpipe.tasks.chart_qa import CONFIDENCE_AGREES, CONFIDENCE_DISAGREES, ChartQaTask

TABLE = {"chart_type": "bar", "title": "Revenue", "y_title": "USD m", "unit": None,
         "series": [{"name": None, "points": [{"x": "North", "y": 42.5}, {"x": "South", "y": 31.0}]}]}


def page(doc_id: str = "d", index: int = 3) -> PageImage:
    return PageImage(doc_id=doc_id, source_path="x.png", kind=DocKind.png, page_index=index, page_count=4,
                     total_pages=4, width_pt=100, height_pt=100)


def stored(answers: list[dict], questions: list[str]) -> PageWork:
    task = ChartQaTask(load_schema("chart").model, [], 256)
    work = PageWork(page=page(), image=b"", questions=questions)
    task.store(work, task.parse(work, json.dumps({"charts": [TABLE], "answers": answers})))
    return work


def test_agreeing_answer_is_confident_and_disagreeing_one_is_flagged() -> None:
    questions = ["What is the highest value?", "Which region is lowest?"]
    work = stored([{"question": questions[0], "answer": "42.5"}, {"question": questions[1], "answer": "North"}],
                  questions)
    agree, disagree = work.answers
    assert agree.table_agrees is True and agree.confidence == CONFIDENCE_AGREES and agree.value == 42.5
    assert disagree.table_agrees is False and disagree.confidence == CONFIDENCE_DISAGREES
    assert disagree.answer == "North"  # the model's answer is kept, flagged, never replaced
    assert agree.page_index == 3 and agree.chart_index == 0


def test_model_table_becomes_chart_data_and_schema_values() -> None:
    work = stored([{"question": "What is the highest value?", "answer": "42.5"}], ["What is the highest value?"])
    chart = work.charts[0]
    assert chart.reader == "model" and {p.source for p in chart.series[0].points} == {"model"}
    assert all(p.bbox is None for p in chart.series[0].points)
    assert work.extraction.charts[0].series[0].points[1].value == 31.0


def test_each_page_is_asked_its_own_document_questions() -> None:
    task = ChartQaTask(load_schema("chart").model, ["Common?"], 256)
    own = PageWork(page=page(), image=b"", questions=["Own question?"])
    schema = task.decoding_schema(own)
    assert schema["properties"]["answers"]["items"]["properties"]["question"]["enum"] == ["Own question?"]
    assert "Own question?" in task.prompt(own) and "Common?" not in task.prompt(own)


def test_tiny_random_model_plumbing(tiny_llava_dir: Path) -> None:
    from PIL import Image
    import io

    from docpipe.engines.hf import HFEngine
    from docpipe.processing.vlm import VlmPageProcessor

    engine = HFEngine(str(tiny_llava_dir), device="cpu", batch_size=2)
    task = ChartQaTask(load_schema("chart").model, ["What is the highest value?"], 64)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, format="PNG")
    processor = VlmPageProcessor(engine, [task], questions=["What is the highest value?"],
                                 doc_questions={"other": ["Asked of one document?"]})
    results = processor([(page("d", 0), buffer.getvalue()), (page("other", 0), buffer.getvalue())])
    for result in results:
        outcome = result.tasks[0]
        assert outcome.task == "chart_qa" and outcome.status in (Status.ok, Status.partial, Status.failed)
        if outcome.status is Status.failed:
            assert outcome.error.category.value in {"token_budget", "invalid_output"} and outcome.raw_output
        else:
            assert len(result.answers) == 1 and all(c.reader == "model" for c in result.charts)
