from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Annotated, Any, Literal, Optional

import pyarrow as pa
import pytest
from pydantic import BaseModel, Field, condecimal

from docpipe.output.arrow_schema import arrow_schema_for
from schemas.chart import ChartPage
from schemas.invoice import Invoice

DEC = pa.decimal128(18, 4)


def _meta(field: pa.Field) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}


def test_invoice_columns_one_by_one() -> None:
    schema = arrow_schema_for(Invoice)
    expected = {
        "invoice_number": pa.string(), "issue_date": pa.date32(), "due_date": pa.date32(),
        "seller_name": pa.string(), "seller_address": pa.string(), "buyer_name": pa.string(),
        "buyer_address": pa.string(), "currency": pa.string(), "subtotal": DEC, "discount_total": DEC,
        "tax_total": DEC, "total": DEC,
    }
    assert schema.names == [*expected, "line_items"]
    for name, arrow_type in expected.items():
        field = schema.field(name)
        assert field.type == arrow_type, name
        assert field.nullable, name
        assert _meta(field)["description"] == Invoice.model_fields[name].description
    assert _meta(schema.field("total"))["kind"] == "amount"

    items = schema.field("line_items")
    assert not items.nullable  # list with default_factory, not Optional
    assert pa.types.is_list(items.type)
    assert not items.type.value_field.nullable
    struct = items.type.value_type
    assert pa.types.is_struct(struct)
    assert [struct.field(i).name for i in range(struct.num_fields)] == ["description", "quantity", "unit_price", "amount"]
    assert struct.field("description").type == pa.string()
    for name in ("quantity", "unit_price", "amount"):
        assert struct.field(name).type == DEC
        assert struct.field(name).nullable
    assert _meta(struct.field("amount"))["description"] == "Line total, without currency symbol."
    assert _meta(items)["description"] == "Billed lines in the order printed."


def test_enum_and_required_fields_in_nested_structs() -> None:
    chart = arrow_schema_for(ChartPage).field("charts").type.value_type
    assert chart.field("chart_type").type == pa.string()
    assert not chart.field("chart_type").nullable
    point = chart.field("series").type.value_type.field("points").type.value_type
    assert point.field("label").type == pa.string() and not point.field("label").nullable
    assert point.field("value").type == pa.float64() and point.field("value").nullable


class Color(str, Enum):
    red = "red"
    blue = "blue"


class Level(IntEnum):
    low = 1
    high = 2


class Inner(BaseModel):
    x: int


class Everything(BaseModel):
    s: str
    i: int
    f: float
    b: bool
    raw: bytes
    d: dt.date
    ts: dt.datetime
    money: Decimal = Field(max_digits=10, decimal_places=2)
    places_only: Decimal | None = Field(None, decimal_places=6)
    digits_only: Decimal | None = Field(None, max_digits=6)
    big: Decimal | None = Field(None, max_digits=50, decimal_places=10)
    constrained: condecimal(max_digits=8, decimal_places=3) | None = None  # type: ignore[valid-type]
    amounts: list[Annotated[Decimal, Field(max_digits=9, decimal_places=1)]] = []
    color: Color
    level: Level
    lit: Literal["a", "b"]
    lit_none: Literal["a", None] = None
    opt: Optional[int] = None  # noqa: UP045 - the typing.Optional spelling must work too
    bbox: tuple[float, float, float, float] | None = None
    many: tuple[int, ...] = ()
    inner: Inner | None = None
    inners: list[Inner] = []
    aliased: str = Field("", alias="renamed")


def test_type_mapping() -> None:
    schema = arrow_schema_for(Everything)
    types = {f.name: f.type for f in schema}
    assert types["s"] == pa.string()
    assert types["i"] == pa.int64()
    assert types["f"] == pa.float64()
    assert types["b"] == pa.bool_()
    assert types["raw"] == pa.binary()
    assert types["d"] == pa.date32()
    assert types["ts"] == pa.timestamp("us", tz="UTC")
    assert types["money"] == pa.decimal128(10, 2)
    assert types["places_only"] == pa.decimal128(20, 6)
    assert types["digits_only"] == pa.decimal128(10, 4)
    assert types["big"] == pa.decimal256(50, 10)
    assert types["constrained"] == pa.decimal128(8, 3)
    assert types["amounts"].value_type == pa.decimal128(9, 1)
    assert types["color"] == pa.string()
    assert types["level"] == pa.int64()
    assert types["lit"] == pa.string()
    assert types["lit_none"] == pa.string() and schema.field("lit_none").nullable
    assert types["opt"] == pa.int64() and schema.field("opt").nullable
    assert types["bbox"] == pa.list_(pa.field("item", pa.float64(), nullable=False))
    assert schema.field("bbox").nullable
    assert types["many"].value_type == pa.int64()
    assert types["inner"] == pa.struct([pa.field("x", pa.int64(), nullable=False)])
    assert types["inners"].value_type == types["inner"]
    assert "renamed" in schema.names and "aliased" not in schema.names
    assert not schema.field("s").nullable and not schema.field("color").nullable


class WithDict(BaseModel):
    name: str | None = None
    extra: dict[str, str] | None = None


class WithNestedDict(BaseModel):
    items: list[WithDict] = []


class WithUnion(BaseModel):
    v: int | str


class WithAny(BaseModel):
    v: Any


class WithSet(BaseModel):
    v: set[str]


class WithMixedTuple(BaseModel):
    v: tuple[int, str]


class Node(BaseModel):
    children: list[Node] = []


@pytest.mark.parametrize(("model", "needle"), [
    (WithDict, "'extra'"),
    (WithNestedDict, "'items[].extra'"),
    (WithUnion, "'v'"),
    (WithAny, "'v'"),
    (WithSet, "'v'"),
    (WithMixedTuple, "'v'"),
    (Node, "children"),
])
def test_unrepresentable_fields_raise_naming_the_field(model: type[BaseModel], needle: str) -> None:
    with pytest.raises(TypeError, match=needle.replace("[", r"\[").replace("]", r"\]")) as info:
        arrow_schema_for(model)
    if model is WithDict:
        assert "dict fields are not allowed" in str(info.value)
