"""What a schema says about its fields: kind, printed labels, type, nested tables.

Works for any pydantic model. Fields without json_schema_extra get a kind from their type and
name, and a label from their name ('invoice_number' -> 'invoice number').
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

_ID_NAME = re.compile(r"(^|_)(number|no|nr|num|id|code|ref|reference|iban|vat|tax_id)($|_)")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    labels: tuple[str, ...]
    description: str = ""
    python_type: Any = str
    is_list: bool = False
    item_model: type[BaseModel] | None = None
    item_fields: tuple[FieldSpec, ...] = field(default_factory=tuple)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is_list) for Optional[X], X | None, list[X]."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
        return str, False
    if origin in (list, tuple, set):
        args = typing.get_args(annotation)
        inner, _ = _unwrap(args[0]) if args else (str, False)
        return inner, True
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation, False


def name_to_label(name: str) -> str:
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", words).strip().lower()


def infer_kind(name: str, py: Any, is_list: bool) -> str:
    lowered = name.lower()
    if is_list and isinstance(py, type) and issubclass(py, BaseModel):
        return "table"
    if py in (Decimal, float, int):
        return "amount"
    if py in (date, datetime):
        return "date"
    if "currency" in lowered:
        return "currency"
    if "address" in lowered or lowered.endswith("street"):
        return "address"
    if _ID_NAME.search(lowered):
        return "identifier"
    if "name" in lowered or lowered in {"seller", "vendor", "supplier", "buyer", "customer", "merchant", "issuer"}:
        return "name"
    return "text"


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """One spec per field of `model`, tables with their row fields."""
    specs: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        py, is_list = _unwrap(info.annotation)
        extra = _extra(info)
        kind = str(extra.get("kind") or infer_kind(name, py, is_list))
        labels: list[str] = [str(x) for x in extra.get("labels", []) if str(x).strip()]
        derived = name_to_label(name)
        if info.title:
            labels.append(info.title)
        if derived not in (lab.lower() for lab in labels):
            labels.append(derived)
        item_model: type[BaseModel] | None = None
        items: tuple[FieldSpec, ...] = ()
        if isinstance(py, type) and issubclass(py, BaseModel):
            item_model = py
            items = tuple(field_specs(py))
            if kind != "table" and is_list:
                kind = "table"
        if isinstance(py, type) and issubclass(py, Enum) and kind not in ("table",):
            kind = "text"
        specs.append(FieldSpec(
            name=name, kind=kind, labels=tuple(dict.fromkeys(labels)), description=info.description or "",
            python_type=py, is_list=is_list, item_model=item_model, item_fields=items,
        ))
    return specs


def spec_by_path(specs: list[FieldSpec], path: str) -> FieldSpec | None:
    """'line_items[2].amount' -> the spec of LineItem.amount."""
    parts = [re.sub(r"\[\d+\]$", "", p) for p in path.split(".")]
    current = specs
    found: FieldSpec | None = None
    for part in parts:
        found = next((s for s in current if s.name == part), None)
        if found is None:
            return None
        current = list(found.item_fields)
    return found
