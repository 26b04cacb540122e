"""What a task is: a prompt, an output model, and how its validated output lands on the page.

Tasks build engine requests and read engine responses; they never call an engine themselves,
so the processor can batch one task's requests across many pages.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from docpipe.engines.base import ChatMessage, EngineRequest, ImagePart, TextPart
from docpipe.charts.model import ChartData
from docpipe.records import BBox, ChartAnswer, PageImage, TaskOutcome
from docpipe.tasks import prompts
from docpipe.tasks.json_output import JsonOutputError, parse_json_text


@dataclass
class PageWork:
    """Mutable per-page state while the tasks of one batch run."""

    page: PageImage
    image: bytes | None
    extraction: BaseModel | None = None
    answers: list[ChartAnswer] = field(default_factory=list)
    ocr_text: str | None = None
    vlm_boxes: dict[str, BBox] = field(default_factory=dict)
    outcomes: list[TaskOutcome] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)  # asked of this page's document (chart_qa)
    charts: list[ChartData] = field(default_factory=list)  # read by chart_qa


class OutputProblem(Exception):
    """The model's text is not a valid output; `detail` is what a repair prompt tells it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Task(ABC):
    name: str
    max_new_tokens: int = 1024

    def applies(self, work: PageWork) -> bool:
        return work.image is not None

    @abstractmethod
    def prompt(self, work: PageWork) -> str: ...

    def decoding_schema(self, work: PageWork) -> dict[str, Any] | None:
        """JSON Schema to constrain decoding to; None for free text."""
        return None

    @abstractmethod
    def parse(self, work: PageWork, text: str) -> Any:
        """Validated output, or OutputProblem."""

    @abstractmethod
    def store(self, work: PageWork, output: Any) -> None: ...

    def output_json(self, output: Any) -> str | None:
        if isinstance(output, BaseModel):
            return output.model_dump_json()
        return None

    def request(self, work: PageWork, request_id: str) -> EngineRequest:
        return EngineRequest(
            request_id=request_id,
            images=[work.image] if work.image is not None else [],
            messages=base_messages(self.prompt(work)),
            json_schema=self.decoding_schema(work),
            max_new_tokens=self.max_new_tokens,
        )

    def repair_request(self, work: PageWork, request_id: str, previous: str, problem: str) -> EngineRequest:
        messages = base_messages(self.prompt(work))
        messages.append(ChatMessage(role="assistant", content=[TextPart(text=previous)]))
        messages.append(ChatMessage(role="user", content=[TextPart(
            text=prompts.REPAIR.format(previous=previous[:4000], errors=problem[:2000]))]))
        return EngineRequest(
            request_id=request_id,
            images=[work.image] if work.image is not None else [],
            messages=messages,
            json_schema=self.decoding_schema(work),
            max_new_tokens=self.max_new_tokens,
        )


def base_messages(user_text: str) -> list[ChatMessage]:
    return [
        ChatMessage(role="system", content=[TextPart(text=prompts.SYSTEM)]),
        ChatMessage(role="user", content=[ImagePart(index=0), TextPart(text=user_text)]),
    ]


def validate_json(model: type[BaseModel], text: str) -> BaseModel:
    """Parse and validate, turning every failure into an OutputProblem a repair prompt can use."""
    try:
        data = parse_json_text(text)
    except JsonOutputError as exc:
        raise OutputProblem(str(exc)) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:20]]
        raise OutputProblem("\n".join(lines)) from exc


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
