"""Flattening a validated schema instance into (path, value, kind) for grounding."""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from docpipe.fields import DERIVED_KINDS, FieldSpec, field_specs


class FlatValue(typing.NamedTuple):
    path: str  # "total", "line_items[2].amount"
    value: str  # as it would be printed canonically: Decimal/date via str(), text as is
    kind: str
    labels: tuple[str, ...] = ()  # how documents label the field, for grounding tie-breaks


def _specs(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """The one field model's specs by name: kinds and labels come from `docpipe.fields` only."""
    return {spec.name: spec for spec in field_specs(model)}


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Enum):
        return None  # enums are categories the model chose, not text printed on the page
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def flatten_values(instance: BaseModel, prefix: str = "") -> list[FlatValue]:
    """Every printed scalar in the instance, in field order, lists expanded with their index."""
    out: list[FlatValue] = []
    model = type(instance)
    specs = _specs(model)
    for name in model.model_fields:
        spec = specs[name]
        if spec.kind in DERIVED_KINDS:
            continue  # a judgement about the page (its language), not a value printed on it
        value = getattr(instance, name)
        path = f"{prefix}{name}"
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    out.extend(flatten_values(item, prefix=f"{path}[{index}]."))
                else:
                    text = _as_text(item)
                    if text is not None:
                        out.append(FlatValue(f"{path}[{index}]", text, spec.kind, spec.labels))
        elif isinstance(value, BaseModel):
            out.extend(flatten_values(value, prefix=f"{path}."))
        else:
            text = _as_text(value)
            if text is not None:
                out.append(FlatValue(path, text, spec.kind, spec.labels))
    return out
