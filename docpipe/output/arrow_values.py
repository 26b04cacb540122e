"""Python values (from model_dump) -> exactly the Arrow types arrow_schema derived.

pyarrow would reject an over-wide Decimal with a bare "Rescaling Decimal value would cause data
loss" and no column name; one bad value then kills a whole commit batch with nothing to act on.
Conforming values first gives an error naming the field path (e.g. "line_items[3].amount"), so the
caller can turn it into a failed-document row, and makes the rounding rule explicit: Decimals are
quantized to the column scale with ROUND_HALF_EVEN (banker's rounding, the accounting default);
digits in front of the decimal point are never dropped - a value that needs more integer digits
than precision - scale raises ValueOutOfRange.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from enum import Enum
from functools import lru_cache
from typing import Any

import pyarrow as pa
from pydantic import BaseModel

from docpipe.output.arrow_schema import arrow_schema_for

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class ValueOutOfRange(ValueError):
    """A value cannot be stored in its column without loss; the message names the field path."""

    def __init__(self, path: str, detail: str, *, row: str | None = None) -> None:
        where = f"row {row!r}, field {path!r}" if row is not None else f"field {path!r}"
        super().__init__(f"{where}: {detail}")
        self.path = path
        self.detail = detail
        self.row = row


def conform_row(row: Mapping[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """One row dict with every value converted for its schema field; missing keys become None."""
    return {f.name: conform_value(row.get(f.name), f, f.name) for f in schema}


def conform_value(value: Any, field: pa.Field, path: str) -> Any:
    try:
        return _field_converter(field)(value)
    except _Bad as bad:
        raise ValueOutOfRange(path + "".join(reversed(bad.where)), bad.detail) from None


class _Bad(Exception):
    """Raised inside converters; `where` collects the path below the field, innermost first."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.where: list[str] = []


# Converters are built once per Arrow type (a few dozen per schema) and then applied to every
# value: deciding the conversion per value (type tests, path strings) was most of the driver's
# CPU in a cluster run with many grounding entries per document. Paths are only built on error.
def _field_converter(field: pa.Field):
    return _nullable(field.nullable, _converter(field.type))


def _nullable(nullable: bool, convert):
    def converted(value: Any) -> Any:
        if value is None:
            if not nullable:
                raise _Bad("is null but the column is declared non-null")
            return None
        return convert(value)
    return converted


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


@lru_cache(maxsize=4096)
def _converter(arrow_type: pa.DataType):
    if pa.types.is_decimal(arrow_type):
        precision, scale = arrow_type.precision, arrow_type.scale

        def decimal(value: Any) -> Decimal:
            try:
                return quantize_decimal(_plain(value), precision, scale, "")
            except ValueOutOfRange as exc:
                raise _Bad(exc.detail) from None
        return decimal
    if pa.types.is_integer(arrow_type):
        def integer(value: Any) -> int:
            value = _plain(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Bad(f"expected an int, got {type(value).__name__}")
            if not _INT64_MIN <= value <= _INT64_MAX:
                raise _Bad(f"{value} does not fit int64")
            return value
        return integer
    if pa.types.is_timestamp(arrow_type):
        def timestamp(value: Any) -> dt.datetime:
            try:
                return _utc(_plain(value), "")
            except ValueOutOfRange as exc:
                raise _Bad(exc.detail) from None
        return timestamp
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        item = _field_converter(arrow_type.value_field)

        def sequence(value: Any) -> list[Any]:
            value = _plain(value)
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                raise _Bad(f"expected a list, got {type(value).__name__}")
            out = []
            for index, element in enumerate(value):
                try:
                    out.append(item(element))
                except _Bad as bad:
                    bad.where.append(f"[{index}]")
                    raise
            return out
        return sequence
    if pa.types.is_struct(arrow_type):
        fields = [(f.name, _field_converter(f)) for f in (arrow_type.field(i) for i in range(arrow_type.num_fields))]

        def struct(value: Any) -> dict[str, Any]:
            value = _plain(value)
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="python", by_alias=True)
            if not isinstance(value, Mapping):
                raise _Bad(f"expected a struct, got {type(value).__name__}")
            out = {}
            for name, convert in fields:
                try:
                    out[name] = convert(value.get(name))
                except _Bad as bad:
                    bad.where.append(f".{name}")
                    raise
            return out
        return struct
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        def text(value: Any) -> str:
            value = _plain(value)
            if not isinstance(value, str):
                raise _Bad(f"expected a str, got {type(value).__name__}")
            return value
        return text
    return _plain


def quantize_decimal(value: Any, precision: int, scale: int, path: str) -> Decimal:
    """`value` rounded to `scale` places; raises when it needs more than precision digits."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueOutOfRange(path, f"{value!r} is not a decimal number") from exc
    if not number.is_finite():
        raise ValueOutOfRange(path, f"{number} cannot be stored in decimal({precision}, {scale})")
    try:
        # A roomy context: the default 28 digits would reject values decimal(38, s) can hold.
        with localcontext() as ctx:
            ctx.prec = 100
            quantized = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:  # the decimal context's own precision overflowed
        raise ValueOutOfRange(path, f"{number} does not fit decimal({precision}, {scale})") from exc
    digits = len(quantized.as_tuple().digits)
    if quantized != 0 and digits > precision:
        raise ValueOutOfRange(
            path, f"{number} needs {digits - scale} integer digits; decimal({precision}, {scale}) allows "
            f"{precision - scale}"
        )
    return quantized


def _utc(value: Any, path: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValueOutOfRange(path, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:  # naive datetimes are taken as UTC (documented in arrow_schema)
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def table_from_rows(rows: Sequence[Mapping[str, Any]], schema: pa.Schema,
                    *, key_column: str | None = None) -> pa.Table:
    """A table with exactly `schema` (metadata included) from plain row dicts.

    key_column names the column whose value identifies a row in ValueOutOfRange messages.
    """
    conformed = []
    for row in rows:
        try:
            conformed.append(conform_row(row, schema))
        except ValueOutOfRange as exc:
            if key_column is None:
                raise
            raise ValueOutOfRange(exc.path, exc.detail, row=str(row.get(key_column))) from exc
    return pa.Table.from_pylist(conformed, schema=schema)


def table_from_models(instances: Sequence[BaseModel], model: type[BaseModel],
                      *, metadata: Mapping[str, str] | None = None) -> pa.Table:
    """model_dump each instance and build a table with the schema derived from `model`."""
    schema = arrow_schema_for(model)
    if metadata:
        schema = schema.with_metadata(dict(metadata))
    for instance in instances:
        if not isinstance(instance, model):
            raise TypeError(f"expected {model.__name__} instances, got {type(instance).__name__}")
    return table_from_rows([i.model_dump(mode="python", by_alias=True) for i in instances], schema)


def check_fits(instance: BaseModel) -> None:
    """Raise ValueOutOfRange when `instance` has a value its derived columns cannot hold.

    Cheap enough to call per document before a commit, so an out-of-range value becomes that
    document's error (errors are data) instead of failing the commit of a whole batch.
    """
    conform_row(instance.model_dump(mode="python", by_alias=True), arrow_schema_for(type(instance)))
