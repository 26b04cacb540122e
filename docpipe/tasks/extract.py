"""`extract`: the schema's fields from one page, decoding constrained to the schema."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from docpipe.tasks import prompts
from docpipe.tasks.base import PageWork, Task, validate_json
from docpipe.tasks.decoding_schema import decoding_schema, field_guide


class ExtractTask(Task):
    name = "extract"

    def __init__(self, schema_model: type[BaseModel], schema_name: str, max_new_tokens: int) -> None:
        self.model = schema_model
        self.max_new_tokens = max_new_tokens
        self._schema = decoding_schema(schema_model)
        self._prompt = prompts.EXTRACT.format(
            schema_title=schema_name.replace("_", " "),
            field_guide="\n".join(field_guide(schema_model)),
            json_schema=json.dumps(self._schema, ensure_ascii=False),
        )

    def prompt(self, work: PageWork) -> str:
        return self._prompt

    def decoding_schema(self, work: PageWork) -> dict[str, Any]:
        return self._schema

    def parse(self, work: PageWork, text: str) -> BaseModel:
        return validate_json(self.model, text)

    def store(self, work: PageWork, output: BaseModel) -> None:
        work.extraction = output
