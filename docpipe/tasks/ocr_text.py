"""`ocr`: the page's text in reading order, transcribed by the VLM (free text, no schema)."""

from __future__ import annotations

from docpipe.tasks import prompts
from docpipe.tasks.base import OutputProblem, PageWork, Task


class OcrTextTask(Task):
    name = "ocr"

    def __init__(self, max_new_tokens: int) -> None:
        self.max_new_tokens = max_new_tokens

    def prompt(self, work: PageWork) -> str:
        return prompts.OCR

    def parse(self, work: PageWork, text: str) -> str:
        cleaned = text.strip()
        if not cleaned and work.page.words:
            raise OutputProblem("the transcription is empty but the page has text")
        return cleaned

    def store(self, work: PageWork, output: str) -> None:
        work.ocr_text = output
