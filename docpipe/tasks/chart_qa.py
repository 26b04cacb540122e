"""`chart_qa` with a VLM: the model reads each chart into the same data structure the offline
readers produce (type, titles, unit, series of x/y points) and answers the questions.

The deterministic answerer (`charts.qa`) then answers the same questions from the model's own
table. When both exist and disagree (ChartQA relaxed accuracy), the answer keeps the model's text
but is flagged (`table_agrees = false`) and its confidence drops; when they agree it rises. Values
from a model carry source `model` and no mark boxes, so they are never `grounded` as marks; the
answer text is still verified against the page's words by the `ground` task.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from docpipe.charts.model import ChartAxis, ChartData, ChartPoint, ChartSeries
from docpipe.records import ChartAnswer
from docpipe.tasks import prompts
from docpipe.tasks.base import OutputProblem, PageWork, Task, validate_json
from docpipe.tasks.decoding_schema import decoding_schema

# Confidence of a model's answer by what its own table says: no calibration is possible without
# running a model, so these only order the three cases (agree > cannot tell > disagree).
CONFIDENCE_AGREES = 0.8
CONFIDENCE_UNCHECKED = 0.5
CONFIDENCE_DISAGREES = 0.2
MODEL_VALUE_CONFIDENCE = 0.5


class ModelPoint(BaseModel):
    x: str = Field(description="Category or x value as printed on the axis.")
    y: float | None = Field(None, description="The plotted value as a plain number.")


class ModelSeries(BaseModel):
    name: str | None = Field(None, description="Legend entry, or null for a single unnamed series.")
    points: list[ModelPoint] = Field(default_factory=list)


class ModelChart(BaseModel):
    chart_type: Literal["bar", "stacked_bar", "grouped_bar", "line", "scatter", "pie", "area", "other"] = "other"
    title: str | None = None
    x_title: str | None = Field(None, description="Title of the category / x axis.")
    y_title: str | None = Field(None, description="Title of the value axis.")
    unit: str | None = Field(None, description="Unit of the values (%, USD, million...), if printed.")
    series: list[ModelSeries] = Field(default_factory=list)


class QuestionAnswer(BaseModel):
    question: str = Field(description="The question, copied.")
    answer: str | None = Field(None, description="Short answer read from the chart, or null.")


class ModelChartPage(BaseModel):
    charts: list[ModelChart] = Field(default_factory=list)
    answers: list[QuestionAnswer] = Field(default_factory=list, description="One per question, in order.")


class ChartQaTask(Task):
    name = "chart_qa"

    def __init__(self, schema_model: type[BaseModel], questions: list[str], max_new_tokens: int) -> None:
        self.schema_model = schema_model
        self.questions = list(questions)  # the run's -q; a page's own questions come on its PageWork
        self.max_new_tokens = max_new_tokens
        self._schemas: dict[tuple[str, ...], dict[str, Any]] = {}
        self._schema = self._schema_for(tuple(self.questions))

    def _asked(self, work: PageWork) -> list[str]:
        return work.questions if work.questions else self.questions

    def _schema_for(self, questions: tuple[str, ...]) -> dict[str, Any]:
        if questions not in self._schemas:
            schema = decoding_schema(ModelChartPage)
            answers = schema["properties"]["answers"]
            if questions:
                # Questions are fixed by the run: constrain them so answers line up one to one.
                answers["minItems"] = answers["maxItems"] = len(questions)
                answers["items"]["properties"]["question"] = {"type": "string", "enum": list(questions)}
            else:
                answers["maxItems"] = 0
            self._schemas[questions] = schema
        return self._schemas[questions]

    def prompt(self, work: PageWork) -> str:
        asked = self._asked(work)
        return prompts.CHART.format(
            questions="\n".join(f"{i + 1}. {q}" for i, q in enumerate(asked)) or "(none)",
            json_schema=json.dumps(self.decoding_schema(work), ensure_ascii=False),
        )

    def decoding_schema(self, work: PageWork) -> dict[str, Any]:
        return self._schema_for(tuple(self._asked(work)))

    def parse(self, work: PageWork, text: str) -> BaseModel:
        output = validate_json(ModelChartPage, text)
        asked = [a.question for a in output.answers]
        if asked != self._asked(work):
            raise OutputProblem(f"answers must follow the questions in order: {self._asked(work)}")
        return output

    def store(self, work: PageWork, output: BaseModel) -> None:
        from docpipe.charts.page import chart_schema_values

        assert isinstance(output, ModelChartPage)
        page_index = work.page.page_index if work.page is not None else 0
        work.charts = [model_chart_data(chart, page_index, i) for i, chart in enumerate(output.charts)]
        try:
            work.extraction = self.schema_model.model_validate(chart_schema_values(work.charts))
        except ValidationError:
            work.extraction = None
        work.answers = [checked_answer(a.question, a.answer, work.charts, page_index) for a in output.answers]

    def output_json(self, output: Any) -> str | None:
        return output.model_dump_json() if isinstance(output, BaseModel) else None


def model_chart_data(chart: ModelChart, page_index: int, chart_index: int) -> ChartData:
    """A model's chart as ChartData (reader and sources `model`, no mark boxes)."""
    series = [ChartSeries(name=s.name, points=[ChartPoint(x=p.x, y=p.y, source="model",
                                                          confidence=MODEL_VALUE_CONFIDENCE)
                                               for p in s.points]) for s in chart.series]
    return ChartData(page_index=page_index, chart_index=chart_index, bbox=(0.0, 0.0, 1.0, 1.0),
                     chart_type=chart.chart_type, title=chart.title, reader="model",
                     x_axis=ChartAxis(title=chart.x_title, scale="category"),
                     y_axis=ChartAxis(title=chart.y_title, unit=chart.unit), series=series,
                     confidence=MODEL_VALUE_CONFIDENCE)


def checked_answer(question: str, answer: str | None, charts: list[ChartData], page_index: int) -> ChartAnswer:
    """The model's answer, checked against the answer computed from the model's own table."""
    from docpipe.charts.numbers import parse_number
    from docpipe.charts.qa import answer_question
    from docpipe.evaluate.relaxed import relaxed_match

    computed = answer_question(question, charts) if charts else None
    number = parse_number(answer) if answer else None
    base = ChartAnswer(question=question, answer=answer, value=number.value if number else None,
                       unit=number.unit if number else None, page_index=page_index)
    if answer is None:
        return base
    if computed is None or computed.error is not None:
        return base.model_copy(update={"confidence": CONFIDENCE_UNCHECKED})
    agrees = relaxed_match(answer, computed.answer)
    return base.model_copy(update={
        "chart_index": computed.chart_index, "unit": base.unit or computed.unit, "table_agrees": agrees,
        "confidence": CONFIDENCE_AGREES if agrees else CONFIDENCE_DISAGREES})
