"""`ground`: ask the model where each extracted value / answer is printed on the page.

The model's boxes are only a proposal: docpipe.processing.grounding verifies each against the
page's words and snaps or rejects it.
"""

from __future__ import annotations

from typing import Any

from docpipe.tasks import prompts
from docpipe.tasks.base import OutputProblem, PageWork, Task, compact_json
from docpipe.tasks.boxes import to_page_box
from docpipe.tasks.json_output import JsonOutputError, parse_json_text
from docpipe.tasks.values import FlatValue, flatten_values

MAX_BOXES_ASKED = 64  # boxes asked of the model per page: keeps the answer within a bounded token budget


def values_to_ground(work: PageWork) -> list[FlatValue]:
    """Every value of the page: all of them are verified against the words, none is dropped."""
    values: list[FlatValue] = []
    if work.extraction is not None:
        values.extend(flatten_values(work.extraction))
    for index, answer in enumerate(work.answers):
        if answer.answer:
            values.append(FlatValue(f"answers[{index}]", answer.answer, "text"))
    return values


def values_to_ask(work: PageWork) -> list[FlatValue]:
    """The values whose boxes the model is asked for: at most MAX_BOXES_ASKED.

    Answers and top-level fields come first, table cells after, so a long table costs its own
    last cells a model box, never a total or an answer. Values left out are still verified
    against the words (they only lack the model's proposal).
    """
    values = values_to_ground(work)
    ranked = sorted(range(len(values)), key=lambda i: (not values[i].path.startswith("answers["),
                                                       "[" in values[i].path, i))
    keep = set(ranked[:MAX_BOXES_ASKED])
    return [v for i, v in enumerate(values) if i in keep]


class GroundTask(Task):
    name = "ground"

    def __init__(self, box_format: str, max_new_tokens: int,
                 model_input_size: Any = None) -> None:
        self.box_format = box_format
        self.max_new_tokens = max_new_tokens
        # Callable (image_w, image_h) -> model input (w, h), for families that box in input pixels.
        self.model_input_size = model_input_size

    def applies(self, work: PageWork) -> bool:
        return work.image is not None and bool(values_to_ask(work))

    def prompt(self, work: PageWork) -> str:
        listing = "\n".join(f"- {v.path}: {compact_json(v.value)}" for v in values_to_ask(work))
        return prompts.GROUND.format(
            box_convention=prompts.box_convention(self.box_format),
            values=listing,
            json_schema=compact_json(self.decoding_schema(work)),
        )

    def decoding_schema(self, work: PageWork) -> dict[str, Any]:
        box = {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}
        paths = [v.path for v in values_to_ask(work)]
        return {
            "type": "object",
            "properties": {p: {"anyOf": [box, {"type": "null"}]} for p in paths},
            "required": paths,
            "additionalProperties": False,
        }

    def parse(self, work: PageWork, text: str) -> dict[str, Any]:
        try:
            data = parse_json_text(text)
        except JsonOutputError as exc:
            raise OutputProblem(str(exc)) from exc
        if not isinstance(data, dict):
            raise OutputProblem("expected a JSON object mapping each value to a box")
        wanted = {v.path for v in values_to_ask(work)}
        missing = sorted(wanted - set(data))
        if missing:
            raise OutputProblem(f"missing boxes for: {', '.join(missing[:10])}")
        return {k: data[k] for k in wanted}

    def store(self, work: PageWork, output: dict[str, Any]) -> None:
        size = (work.page.image_width, work.page.image_height)
        input_size = self.model_input_size(*size) if self.model_input_size else None
        for path, raw in output.items():
            box = to_page_box(raw, self.box_format, size, input_size)
            if box is not None:
                work.vlm_boxes[path] = box

    def output_json(self, output: Any) -> str | None:
        return compact_json(output)
