"""Pipeline task names → Task objects, in the order they must run on a page."""

from __future__ import annotations

from docpipe.engines.base import Engine
from docpipe.schema_registry import LoadedSchema
from docpipe.tasks import prompts
from docpipe.tasks.base import Task
from docpipe.tasks.chart_qa import ChartQaTask
from docpipe.tasks.decoding_schema import decoding_schema
from docpipe.tasks.extract import ExtractTask
from docpipe.tasks.ground import GroundTask
from docpipe.tasks.ocr_text import OcrTextTask

# Values must exist before `ground` can box them.
_ORDER = {"ocr": 0, "extract": 1, "chart_qa": 2, "ground": 3}


def build_tasks(names: list[str], schema: LoadedSchema, questions: list[str], max_new_tokens: int,
                engine: Engine) -> list[Task]:
    tasks: list[Task] = []
    for name in sorted(names, key=_ORDER.__getitem__):
        if name == "ocr":
            tasks.append(OcrTextTask(max_new_tokens))
        elif name == "extract":
            tasks.append(ExtractTask(schema.model, schema.name, max_new_tokens))
        elif name == "chart_qa":
            tasks.append(ChartQaTask(schema.model, questions, max_new_tokens))
        elif name == "ground":
            sizer = getattr(engine, "model_input_size", None)
            tasks.append(GroundTask(engine.info.box_format, max_new_tokens, sizer))
    return tasks


def pipeline_prompt_hash(names: list[str], schema: LoadedSchema, questions: list[str], box_format: str) -> str:
    """Changes whenever a prompt text, the schema, the questions or the box convention change."""
    import json

    return prompts.prompt_hash(
        ",".join(sorted(names)), json.dumps(decoding_schema(schema.model), sort_keys=True),
        "\n".join(questions), box_format,
    )
