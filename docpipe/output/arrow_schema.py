"""Arrow schemas derived from pydantic annotations, never from data.

Deriving from the model (not from the values of one batch) is what keeps every Parquet part of a
dataset on the same column types: a batch whose `total` happens to be all-null must still write
decimal128, not null, or readers that unify parts would fail or widen types.

Mapping (annotation -> Arrow):

- str -> string; int -> int64; float -> float64; bool -> bool; bytes -> binary
- Decimal -> decimal128(precision, scale): (max_digits, decimal_places) when both are set in
  Field(); (14 + decimal_places, decimal_places) with only decimal_places; (max_digits + 4, 4) with
  only max_digits (pydantic lets every digit sit before the point); else (18, 4). Past 38 digits:
  decimal256.
- date -> date32; datetime -> timestamp("us", tz="UTC") (naive datetimes are taken as UTC)
- Enum -> string (the member's value). Not dictionary<int32, string>: dictionary columns whose
  dictionaries differ between Parquet parts are awkward to unify across readers (pyarrow dataset,
  polars, DuckDB disagree on how they surface them), while Parquet already dictionary-encodes
  repetitive strings on disk, so plain string costs nothing in size and behaves the same everywhere.
  Enums whose values are all ints map to int64.
- Literal[...] of str -> string (of int -> int64, of bool -> bool)
- X | None / Optional[X] -> nullable X; any other union -> TypeError
- list[X] -> list<X>; tuple[X, ...] and fixed tuples of one type, e.g. the bbox
  tuple[float, float, float, float] -> list<float64>. Not fixed_size_list: Parquet stores both the
  same way, but readers surface fixed_size_list differently (polars Array, DuckDB ARRAY, pandas
  object arrays) and rewriting through some tools silently turns it into list; the length is
  already enforced by the pydantic model.
- nested BaseModel -> struct (recursive models -> TypeError)
- dict / Mapping / Any / set / anything else -> TypeError naming the field (typed boundaries).

Column names are the names model_dump(by_alias=True) produces (serialization alias, alias, name),
so columns match the JSON Schema the model was asked to fill. Field descriptions go into the
Arrow field metadata under "description" (and json_schema_extra["kind"] under "kind").
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Union

import pyarrow as pa
from pydantic import BaseModel
from pydantic.fields import FieldInfo

DEFAULT_DECIMAL_PRECISION = 18
DEFAULT_DECIMAL_SCALE = 4
TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")

# Order matters: bool before int (bool is an int subclass); datetime is handled before date.
_SCALARS: tuple[tuple[type, pa.DataType], ...] = (
    (bool, pa.bool_()),
    (int, pa.int64()),
    (float, pa.float64()),
    (str, pa.string()),
    (bytes, pa.binary()),
    (dt.date, pa.date32()),
)


def column_name(name: str, info: FieldInfo) -> str:
    """The key model_dump(by_alias=True) uses for this field."""
    return info.serialization_alias or info.alias or name


def dumped_fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """(column name, field info) for every field model_dump emits, in declaration order."""
    return [(column_name(name, info), info) for name, info in model.model_fields.items() if not info.exclude]


@functools.cache
def arrow_schema_for(model: type[BaseModel]) -> pa.Schema:
    """The Arrow schema of `model`'s model_dump(mode="python", by_alias=True) rows (cached per model)."""
    return pa.schema(arrow_fields_for(model, path="", stack=()))


def arrow_fields_for(model: type[BaseModel], *, path: str = "", stack: tuple[type, ...] = ()) -> list[pa.Field]:
    if model in stack:
        raise TypeError(f"field {path or model.__name__!r}: recursive model {model.__name__} has no Arrow type")
    fields: list[pa.Field] = []
    for name, info in dumped_fields(model):
        field_path = f"{path}.{name}" if path else name
        arrow_type, nullable = _arrow_type(info.annotation, list(info.metadata), field_path, (*stack, model))
        fields.append(pa.field(name, arrow_type, nullable=nullable, metadata=_field_metadata(info)))
    return fields


def _field_metadata(info: FieldInfo) -> dict[str, str] | None:
    meta: dict[str, str] = {}
    if info.description:
        meta["description"] = info.description
    extra = info.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("kind"), str):
        meta["kind"] = typing.cast(str, extra["kind"])
    return meta or None


def _arrow_type(annotation: Any, metadata: list[Any], path: str, stack: tuple[type, ...]) -> tuple[pa.DataType, bool]:
    """(Arrow type, nullable) for one annotation; metadata carries Field() constraints (Decimal digits)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *extras = typing.get_args(annotation)
        for extra in extras:
            # Field(...) inside Annotated arrives as a FieldInfo whose own metadata holds the constraints.
            metadata = [*metadata, *(extra.metadata if isinstance(extra, FieldInfo) else [extra])]
        return _arrow_type(inner, metadata, path, stack)
    if origin is Union or origin is types.UnionType:
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) != 1:
            raise TypeError(f"field {path!r}: union {annotation!r} has no single Arrow type; use one type or X | None")
        arrow_type, _ = _arrow_type(members[0], metadata, path, stack)
        return arrow_type, True
    if annotation is None or annotation is type(None):
        raise TypeError(f"field {path!r}: a field that is always None has no Arrow type")
    if origin is Literal:
        values = typing.get_args(annotation)
        return _literal_type(values, path), None in values
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return _list_of(item, metadata, path, stack), False
    if origin is tuple:
        return _tuple_type(typing.get_args(annotation), metadata, path, stack), False
    if origin is not None:
        _reject(annotation, origin, path)
    if isinstance(annotation, type):
        return _class_type(annotation, metadata, path, stack), False
    raise TypeError(f"field {path!r}: annotation {annotation!r} has no Arrow type")


def _class_type(cls: type, metadata: list[Any], path: str, stack: tuple[type, ...]) -> pa.DataType:
    if issubclass(cls, BaseModel):
        return pa.struct(arrow_fields_for(cls, path=path, stack=stack))
    if issubclass(cls, Enum):
        return _enum_type(cls, path)
    if issubclass(cls, Decimal):
        return decimal_type(metadata)
    if issubclass(cls, dt.datetime):  # before date: datetime is a date subclass
        return TIMESTAMP_TYPE
    if cls in (list, tuple):
        raise TypeError(f"field {path!r}: bare {cls.__name__} needs an item type, e.g. list[str]")
    _reject(cls, cls, path)
    for base, arrow_type in _SCALARS:
        if issubclass(cls, base):
            return arrow_type
    raise TypeError(
        f"field {path!r}: type {cls.__name__} has no Arrow mapping "
        "(supported: str, int, float, bool, bytes, Decimal, date, datetime, Enum, Literal, list, tuple, BaseModel)"
    )


def _reject(annotation: Any, origin: Any, path: str) -> None:
    if isinstance(origin, type) and issubclass(origin, (dict, Mapping)):
        raise TypeError(
            f"field {path!r}: dict fields are not allowed in output schemas (typed boundaries); "
            "declare a BaseModel for the structure or a list of them instead"
        )
    if isinstance(origin, type) and issubclass(origin, (set, frozenset)):
        raise TypeError(f"field {path!r}: sets have no stable order; use list[...] instead")
    if annotation is Any or annotation is object:
        raise TypeError(f"field {path!r}: Any/object has no Arrow type; declare the real type")
    if typing.get_origin(annotation) is not None:
        raise TypeError(f"field {path!r}: generic {annotation!r} has no Arrow type")


def _list_of(item: Any, metadata: list[Any], path: str, stack: tuple[type, ...]) -> pa.DataType:
    # Decimal constraints written on a list field (condecimal items) apply to its items.
    item_type, item_nullable = _arrow_type(item, _decimal_constraints(metadata), f"{path}[]", stack)
    return pa.list_(pa.field("item", item_type, nullable=item_nullable))


def _tuple_type(args: tuple[Any, ...], metadata: list[Any], path: str, stack: tuple[type, ...]) -> pa.DataType:
    if len(args) == 2 and args[1] is Ellipsis:
        return _list_of(args[0], metadata, path, stack)
    if not args or any(arg != args[0] for arg in args):
        raise TypeError(f"field {path!r}: tuple{list(args)!r} mixes types; only tuples of one type map to a list")
    return _list_of(args[0], metadata, path, stack)


def _literal_type(values: tuple[Any, ...], path: str) -> pa.DataType:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {str}:
        return pa.string()
    if kinds == {bool}:
        return pa.bool_()
    if kinds == {int}:
        return pa.int64()
    raise TypeError(f"field {path!r}: Literal{list(values)!r} must hold values of one type (str, int or bool)")


def _enum_type(cls: type[Enum], path: str) -> pa.DataType:
    values = [member.value for member in cls]
    if all(isinstance(v, str) for v in values):
        return pa.string()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    raise TypeError(f"field {path!r}: enum {cls.__name__} must have all-str or all-int values")


def _decimal_constraints(metadata: list[Any]) -> list[Any]:
    return [m for m in metadata if getattr(m, "max_digits", None) is not None
            or getattr(m, "decimal_places", None) is not None]


def decimal_type(metadata: list[Any]) -> pa.DataType:
    """decimal128 (or decimal256 past 38 digits) honouring max_digits / decimal_places."""
    max_digits: int | None = None
    places: int | None = None
    for item in metadata:
        max_digits = getattr(item, "max_digits", None) or max_digits
        found = getattr(item, "decimal_places", None)
        places = found if found is not None else places
    integer_digits = DEFAULT_DECIMAL_PRECISION - DEFAULT_DECIMAL_SCALE
    if max_digits is None and places is None:
        precision, scale = DEFAULT_DECIMAL_PRECISION, DEFAULT_DECIMAL_SCALE
    elif max_digits is None:
        scale = typing.cast(int, places)
        precision = integer_digits + scale
    elif places is None:
        # Any split of max_digits is valid to pydantic: keep room for all of them before the point.
        scale = DEFAULT_DECIMAL_SCALE
        precision = max_digits + scale
    else:
        precision, scale = max_digits, places
    if scale > precision:
        raise TypeError(f"decimal_places={scale} exceeds max_digits={precision}")
    return pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)
