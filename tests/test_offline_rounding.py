"""Which total when a receipt rounds: the amount after the rounding adjustment is what is due.

Generated OCR word layers (`tests/test_offline_receipt_header.py`'s helpers): a total, a
rounding line, then the rounded amount under labels receipts use for it ('Nett Total', 'Total
After Rounding', 'Rounding' itself), paid in cash. Names, numbers and labels are made up.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from docpipe.grounding.amounts import read_amount
from docpipe.records import Word
from tests.test_offline_receipt_header import extract, money_block, stack


def _receipt(rows: list[tuple[str, str]]) -> list[Word]:
    words: list[Word] = []
    y = stack(words, ["KEDAI SERI MAJU SDN BHD", "(123456-K)", "12, Jalan Merak 3/4,", "81200 Johor Bahru, Johor",
                      "TAX INVOICE", "DATE: 14/03/2018 11:02"])
    money_block(words, [("Rice 1", "4.15"), ("Vege 1", "4.33")] + rows, y + 0.02)
    return words


@pytest.mark.parametrize("rows", [
    [("Total Amount:", "RM8.48"), ("Rounding:", "RM0.02"), ("Nett Total:", "RM8.50"), ("CASH", "RM10.00"),
     ("Change", "RM1.50")],
    [("Total Sales Incl. GST", "8.48"), ("Rounding Adjustment", "0.02"), ("Total After Rounding", "8.50"),
     ("CASH", "8.50")],
    [("Total Sales (Inclusive GST)", "RM 8.48"), ("Rounding Adjustment", "RM .02"), ("Rounding", "RM 8.50"),
     ("CASH", "RM 8.50"), ("CHANGE", "RM .00")],
])
def test_the_amount_after_rounding_is_the_total(rows: list[tuple[str, str]]) -> None:
    assert extract(_receipt(rows)).total == Decimal("8.50")


def test_without_a_rounding_line_the_total_stays_the_printed_total() -> None:
    rows = [("Total Amount:", "RM8.48"), ("CASH", "RM10.00"), ("Change", "RM1.52")]
    assert extract(_receipt(rows)).total == Decimal("8.48")


@pytest.mark.parametrize("text, value", [(".05", "0.05"), ("RM .00", "0.00"), ("-.02", "-0.02")])
def test_cents_printed_without_the_leading_zero_are_amounts(text: str, value: str) -> None:
    reading = read_amount(text)
    assert reading is not None and reading.value == Decimal(value)


@pytest.mark.parametrize("text", [".5", ".012", "."])
def test_other_leading_dot_numbers_are_not_amounts(text: str) -> None:
    assert read_amount(text) is None


def test_a_total_after_adjustment_label_names_the_total_even_when_the_first_total_is_garbled() -> None:
    rows = [("Sub-total Total Sales Incl GST", "18.126.11 20.11"), ("Rounding Adj", "-0.01"),
            ("Total After Adj Incl GST", "26.10"), ("CASH", "50.00"), ("Change Amt", "23.90"),
            ("* Total", "24.63")]
    assert extract(_receipt(rows)).total == Decimal("26.10")


def test_what_was_paid_is_the_total_under_a_net_total_label() -> None:
    """'NET TOTAL' after the service charge and tax, equal to cash minus change: the total."""
    rows = [("SUB TOTAL", "150.00"), ("SERVICE CHARGE 10%", "15.00"), ("GST 6%", "9.90"), ("NET TOTAL", "174.90"),
            ("CASH", "200.00"), ("CHANGE", "25.10")]
    assert extract(_receipt(rows)).total == Decimal("174.90")


def test_an_invoices_net_total_stays_the_net_when_the_payment_is_the_gross() -> None:
    rows = [("Net total", "100.00"), ("VAT 20%", "20.00"), ("Total", "120.00"), ("Cash", "150.00"),
            ("Change", "30.00")]
    got = extract(_receipt(rows))
    assert got.total == Decimal("120.00")
