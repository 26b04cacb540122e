"""The JSON Schema that constrains decoding, derived from a pydantic output model.

pydantic's own JSON Schema is written for validation, not generation. For decoding we want:
every key present (null when absent) so the model cannot stop early or invent keys, no `$ref`
indirection, numbers for Decimal (pydantic offers "number or numeric string"), and a strict
YYYY-MM-DD pattern for dates. Free-text strings stay unconstrained: over-constraining them
degrades what a model writes.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

_DROP_KEYS = {"title", "default", "examples", "kind", "labels", "format"}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_NUMBER = {"type": "number"}


def _decimal_union(options: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """pydantic writes Decimal as "number or numeric string"; keep only the number branch."""
    types = [o.get("type") for o in options if isinstance(o, dict)]
    if "number" in types and "string" in types and set(types) <= {"number", "string", "null"}:
        return [dict(_NUMBER)] + ([{"type": "null"}] if "null" in types else [])
    return None


def _simplify(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    if depth > 32:
        raise ValueError("schema nests deeper than 32 levels (recursive models are not supported)")
    if isinstance(node, list):
        return [_simplify(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
        return _simplify(merged, defs, depth + 1)
    if node.get("format") == "date" and node.get("type") == "string":
        out = dict(_DATE)
        if "description" in node:
            out["description"] = node["description"]
        return out
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP_KEYS or key == "$defs" or (key == "required" and isinstance(value, bool)):
            continue  # docpipe's own hints (kind, labels, a field's "required": true) are not decoding rules
        if key == "properties":
            # Keys here are field names (a field may be called "title"), not schema keywords.
            out[key] = {name: _simplify(sub, defs, depth + 1) for name, sub in value.items()}
        elif key in ("anyOf", "oneOf") and _decimal_union(value) is not None:
            out[key] = _decimal_union(value)
        else:
            out[key] = _simplify(value, defs, depth + 1)
    if out.get("type") == "object" and "properties" in out:
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def decoding_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Self-contained JSON Schema for constrained decoding of `model`."""
    schema = copy.deepcopy(model.model_json_schema())
    defs = schema.pop("$defs", {})
    return _simplify(schema, defs)


def field_guide(model: type[BaseModel], prefix: str = "") -> list[str]:
    """One line per field: path, type hint and description, for the prompt."""
    lines: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        inner = _list_item_model(annotation)
        description = info.description or ""
        if inner is not None:
            lines.append(f"- {path}: list, one entry per row. {description}".rstrip())
            lines.extend(field_guide(inner, prefix=f"{path}[]."))
        else:
            lines.append(f"- {path}: {_type_hint(annotation)}. {description}".rstrip())
    return lines


def _list_item_model(annotation: Any) -> type[BaseModel] | None:
    args = getattr(annotation, "__args__", ())
    origin = getattr(annotation, "__origin__", None)
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0]
    return None


def _type_hint(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "")
    if "Decimal" in text:
        return "number without currency symbol or null"
    if "date" in text:
        return "date YYYY-MM-DD or null"
    if "bool" in text:
        return "true/false or null"
    if "int" in text or "float" in text:
        return "number or null"
    return "text or null"
