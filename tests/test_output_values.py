from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from pydantic import BaseModel, Field

from docpipe.output.arrow_values import ValueOutOfRange, check_fits, quantize_decimal, table_from_models
from schemas.invoice import Invoice, LineItem


class Stamp(BaseModel):
    at: dt.datetime
    big: int = 0
    price: Decimal | None = Field(None, max_digits=6, decimal_places=2)


def test_decimals_quantize_to_the_column_scale_half_even() -> None:
    table = table_from_models([Invoice(total=Decimal("1.23455")), Invoice(total=Decimal("1.23465")),
                               Invoice(total=Decimal("7"))], Invoice)
    assert table.schema.field("total").type == pa.decimal128(18, 4)
    assert table.column("total").to_pylist() == [Decimal("1.2346"), Decimal("1.2346"), Decimal("7.0000")]


def test_largest_fitting_decimal_is_kept() -> None:
    value = Decimal("99999999999999.9999")  # 14 integer digits + 4 places = precision 18
    assert table_from_models([Invoice(total=value)], Invoice).column("total").to_pylist() == [value]


def test_decimal_overflow_raises_naming_the_field() -> None:
    with pytest.raises(ValueOutOfRange, match=r"'total'.*integer digits"):
        table_from_models([Invoice(total=Decimal("123456789012345"))], Invoice)
    nested = Invoice(line_items=[LineItem(amount=Decimal("1")), LineItem(amount=Decimal("1e20"))])
    with pytest.raises(ValueOutOfRange, match=r"line_items\[1\]\.amount") as info:
        check_fits(nested)
    assert info.value.path == "line_items[1].amount"
    assert isinstance(info.value, ValueError)


def test_rounding_that_carries_into_a_new_digit_still_overflows() -> None:
    with pytest.raises(ValueOutOfRange):
        quantize_decimal(Decimal("9999.999"), 6, 2, "price")
    assert quantize_decimal(Decimal("9999.994"), 6, 2, "price") == Decimal("9999.99")


def test_non_finite_decimals_raise() -> None:
    with pytest.raises(ValueOutOfRange, match="'x'"):
        quantize_decimal(Decimal("NaN"), 18, 4, "x")


def test_int64_overflow_raises() -> None:
    with pytest.raises(ValueOutOfRange, match="'big'.*int64"):
        table_from_models([Stamp(at=dt.datetime(2024, 1, 1), big=2**63)], Stamp)


def test_timestamps_are_stored_in_utc_and_naive_means_utc() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    table = table_from_models([Stamp(at=dt.datetime(2024, 5, 1, 12, 0, tzinfo=plus_two)),
                               Stamp(at=dt.datetime(2024, 5, 1, 12, 0))], Stamp)
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    got = table.column("at").to_pylist()
    assert got[0] == dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.timezone.utc)
    assert got[1] == dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


def test_table_from_models_rejects_other_models() -> None:
    with pytest.raises(TypeError, match="Invoice"):
        table_from_models([LineItem()], Invoice)  # type: ignore[list-item]
