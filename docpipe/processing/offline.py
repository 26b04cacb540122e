"""The offline engine: every task answered from the page's word layer, no model hub.

Values come from schema-driven, label-anchored extraction, so each one is grounded by
construction. Chart QA needs a VLM: pages record that as `not_supported`, never a fake answer.
"""

from __future__ import annotations

import time

from pydantic import BaseModel

from docpipe.offline.extract import OfflineExtractor
from docpipe.processing.page_result import build_page_result
from docpipe.records import ErrorCategory, ErrorInfo, FieldGrounding, PageImage, PageResult, Status, TaskOutcome
from docpipe.tasks.base import PageWork

ENGINE_LABEL = "offline"
OFFLINE_TASKS = frozenset({"extract", "ocr", "ground"})  # what this engine can do; a run refuses the rest


class OfflinePageProcessor:
    def __init__(self, schema_model: type[BaseModel], tasks: list[str], word_engine: str) -> None:
        self.schema_model = schema_model
        self.tasks = tasks
        self.extractor = OfflineExtractor(schema_model)
        self.engine_label = ENGINE_LABEL

    def __call__(self, items: list[tuple[PageImage, bytes | None]]) -> list[PageResult]:
        return [self._page(page) for page, _ in items]

    def _page(self, page: PageImage) -> PageResult:
        work = PageWork(page=page, image=None)
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
                # Offline values are located by the words they were read from: nothing to ask.
                outcome = TaskOutcome(task=task, status=Status.ok)
            else:
                outcome = TaskOutcome(task=task, status=Status.failed, error=ErrorInfo(
                    category=ErrorCategory.not_supported, stage=task,
                    message=f"task {task!r} needs a VLM; the offline engine cannot answer it "
                            "(run with --engine vlm and a local model)"))
            outcome.latency_s = round(time.perf_counter() - started, 4)
            work.outcomes.append(outcome)
        return build_page_result(work, self.engine_label, grounding)
