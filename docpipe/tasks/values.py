"""Flattening a validated schema instance into (path, value, kind) for grounding."""

from __future__ import annotations

import datetime as dt
import types
import typing
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

_KINDS = {"identifier", "date", "amount", "name", "address", "text", "currency"}


class FlatValue(typing.NamedTuple):
    path: str  # "total", "line_items[2].amount"
    value: str  # as it would be printed canonically: Decimal/date via str(), text as is
    kind: str
    labels: tuple[str, ...] = ()  # how documents label the field, for grounding tie-breaks


def field_labels(model: type[BaseModel], name: str) -> tuple[str, ...]:
    extra = model.model_fields[name].json_schema_extra
    labels = extra.get("labels") if isinstance(extra, dict) else None
    return tuple(str(label) for label in labels) if isinstance(labels, list) else ()


def field_kind(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    declared = extra.get("kind")
    if isinstance(declared, str) and declared in _KINDS:
        return declared
    base = _unwrap_optional(info.annotation)
    if base is Decimal or base in (int, float):
        return "amount"
    if base is dt.date or base is dt.datetime:
        return "date"
    return "text"


def _unwrap_optional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return args[0] if len(args) == 1 else annotation
    return annotation


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
    for name in model.model_fields:
        value = getattr(instance, name)
        path = f"{prefix}{name}"
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    out.extend(flatten_values(item, prefix=f"{path}[{index}]."))
                else:
                    text = _as_text(item)
                    if text is not None:
                        out.append(FlatValue(f"{path}[{index}]", text, field_kind(model, name), field_labels(model, name)))
        elif isinstance(value, BaseModel):
            out.extend(flatten_values(value, prefix=f"{path}."))
        else:
            text = _as_text(value)
            if text is not None:
                out.append(FlatValue(path, text, field_kind(model, name), field_labels(model, name)))
    return out
