"""The offline engine: every task answered from the page's word layer and drawings, no model hub.

Values come from the schema-driven extractor (`docpipe.offline`: candidates, joint selection,
calibrated confidence), and every value is verified against the page's words by the same code
that verifies a VLM's (`grounding.verify`), so `grounded` is never set by construction. Charts
are found and read into data (vector drawings exactly, raster charts from their pixels) and
questions are answered from that data by the deterministic answerer.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, ValidationError

from docpipe.offline.extract import OfflineExtractor
from docpipe.processing.page_result import build_page_result
from docpipe.records import ErrorCategory, ErrorInfo, FieldGrounding, PageImage, PageResult, Status, TaskOutcome
from docpipe.tasks.base import PageWork

ENGINE_LABEL = "offline"
# What this engine can do, the one place that says so: a run whose pipeline needs another task is
# refused before it starts (engine_choice).
OFFLINE_TASKS = frozenset({"extract", "ocr", "chart_qa", "ground"})


class OfflinePageProcessor:
    def __init__(self, schema_model: type[BaseModel], tasks: list[str], word_engine: str,
                 questions: list[str] | None = None, doc_questions: dict[str, list[str]] | None = None) -> None:
        self.schema_model = schema_model
        self.tasks = tasks
        self.extractor = OfflineExtractor(schema_model)
        self.engine_label = ENGINE_LABEL
        self.questions = list(questions or [])
        self.doc_questions = dict(doc_questions or {})
        self._chart_reader = None

    def __call__(self, items: list[tuple[PageImage, bytes | None]]) -> list[PageResult]:
        return [self._page(page, image) for page, image in items]

    def _page(self, page: PageImage, image: bytes | None = None) -> PageResult:
        work = PageWork(page=page, image=None, questions=self.doc_questions.get(page.source_path, self.questions))
        grounding: list[FieldGrounding] = []
        if page.status == Status.failed:
            return build_page_result(work, self.engine_label, grounding)
        for task in self.tasks:
            started = time.perf_counter()
            if task == "extract":
                result = self.extractor.extract_page(page.words, page.page_index)
                work.extraction = result.extraction
                grounding = list(result.groundings)
                outcome = TaskOutcome(task=task, status=Status.ok, output_json=result.extraction.model_dump_json())
            elif task == "ocr":
                # The page text is the word layer in reading order, which every pipeline's page
                # result carries (processing/page_result.py); nothing more to compute here.
                outcome = TaskOutcome(task=task, status=Status.ok)
            elif task == "ground":
                # Offline values were verified against the words by the extractor (grounding.verify),
                # chart answers are located by the marks they were read from: nothing to ask.
                outcome = TaskOutcome(task=task, status=Status.ok)
            elif task == "chart_qa":
                outcome = self._charts(work, image)
                grounding += answer_groundings(work)
            else:
                outcome = TaskOutcome(task=task, status=Status.failed, error=ErrorInfo(
                    category=ErrorCategory.not_supported, stage=task,
                    message=f"task {task!r} needs a VLM; the offline engine cannot do it "
                            "(run with --engine vlm and a local model)"))
            outcome.latency_s = round(time.perf_counter() - started, 4)
            work.outcomes.append(outcome)
        return build_page_result(work, self.engine_label, grounding)

    def _charts(self, work: PageWork, image: bytes | None) -> TaskOutcome:
        from docpipe.charts.page import PageChartReader, chart_schema_values
        from docpipe.charts.qa import answer_question

        if self._chart_reader is None:
            self._chart_reader = PageChartReader()
        work.charts = self._chart_reader(work.page, image)
        work.answers = [answer_question(q, work.charts, words=work.page.words) for q in work.questions]
        if work.extraction is None:
            try:
                work.extraction = self.schema_model.model_validate(chart_schema_values(work.charts))
            except ValidationError:
                pass  # a user schema of another shape: its columns stay empty, the charts dataset holds the data
        unreadable = [c for c in work.charts if c.error is not None]
        output = work.extraction.model_dump_json() if work.extraction is not None else None
        if unreadable:
            first = unreadable[0].error
            assert first is not None
            message = f"{len(unreadable)} of {len(work.charts)} chart(s) could not be read; first: {first.message}"
            status = Status.partial if len(unreadable) < len(work.charts) else Status.failed
            return TaskOutcome(task="chart_qa", status=status, output_json=output,
                               error=ErrorInfo(category=ErrorCategory.unreadable_chart, message=message,
                                               stage="chart_qa"))
        return TaskOutcome(task="chart_qa", status=Status.ok, output_json=output)


def answer_groundings(work: PageWork) -> list[FieldGrounding]:
    """One grounding entry per answered question: the box around the marks the answer came from."""
    return [FieldGrounding(field=f"answers[{i}]", value=a.answer, page_index=a.page_index, bbox=a.bbox,
                           text=a.answer, score=a.confidence or 0.0, grounded=a.grounded, source="chart_marks",
                           confidence=a.confidence)
            for i, a in enumerate(work.answers) if a.error is None and a.answer is not None]
