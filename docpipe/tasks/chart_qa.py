"""`chart_qa`: charts on the page (type, data) plus answers to the run's questions."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, create_model

from docpipe.records import ChartAnswer
from docpipe.tasks import prompts
from docpipe.tasks.base import OutputProblem, PageWork, Task, validate_json
from docpipe.tasks.decoding_schema import decoding_schema


class QuestionAnswer(BaseModel):
    question: str = Field(description="The question, copied.")
    answer: str | None = Field(None, description="Short answer read from the chart, or null.")


class ChartQaTask(Task):
    name = "chart_qa"

    def __init__(self, schema_model: type[BaseModel], questions: list[str], max_new_tokens: int) -> None:
        self.schema_model = schema_model
        self.questions = list(questions)
        self.max_new_tokens = max_new_tokens
        # The output is the chart schema plus an `answers` list, so one request serves both.
        self.model = create_model(
            f"{schema_model.__name__}WithAnswers",
            __base__=schema_model,
            answers=(list[QuestionAnswer], Field(default_factory=list, description="One per question, in order.")),
        )
        schema = decoding_schema(self.model)
        answers = schema["properties"]["answers"]
        if self.questions:
            # Questions are fixed by the run: constrain them so answers line up one to one.
            answers["minItems"] = answers["maxItems"] = len(self.questions)
            answers["items"]["properties"]["question"] = {"type": "string", "enum": self.questions}
        else:
            answers["maxItems"] = 0
        self._schema = schema
        self._prompt = prompts.CHART.format(
            questions="\n".join(f"{i + 1}. {q}" for i, q in enumerate(self.questions)) or "(none)",
            json_schema=json.dumps(schema, ensure_ascii=False),
        )

    def prompt(self, work: PageWork) -> str:
        return self._prompt

    def decoding_schema(self, work: PageWork) -> dict[str, Any]:
        return self._schema

    def parse(self, work: PageWork, text: str) -> BaseModel:
        output = validate_json(self.model, text)
        asked = [a.question for a in output.answers]
        if asked != self.questions:
            raise OutputProblem(f"answers must follow the questions in order: {self.questions}")
        return output

    def store(self, work: PageWork, output: BaseModel) -> None:
        data = output.model_dump(exclude={"answers"})
        work.extraction = self.schema_model.model_validate(data)
        work.answers = [ChartAnswer(question=a.question, answer=a.answer) for a in output.answers]

    def output_json(self, output: Any) -> str | None:
        return output.model_dump_json() if isinstance(output, BaseModel) else None
