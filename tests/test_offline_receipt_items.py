"""Receipts and invoices a fresh user tried: a currency printed after the amount with a decimal
comma, a pre-tax amount labelled 'Net' / 'Netto', and a receipt's item lines (no table header).
Every document is generated (docpipe.devtools.receipt_layout / invoice_layout), so its truth is
known; each goes through the product's word reader, the offline page processor and the merge."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest
from pydantic import BaseModel

from docpipe.devtools.hard_cases import base_invoice, base_receipt, invoice_pdf, receipt_pdf, scan_png
from docpipe.devtools.sample_invoices import ENGLISH_US, GERMAN
from docpipe.fields import amounts_agree, consistency_rule
from docpipe.grounding.amounts import read_amount
from docpipe.grounding.currency import detect_currency
from docpipe.grounding.normalize import values_equal
from schemas.invoice import Invoice
from schemas.receipt import Receipt
from test_offline_hard_cases import run_offline


def _euro_receipt(**changes):
    """A receipt whose page names no currency field: only its amounts carry the currency."""
    return replace(base_receipt(), currency="EUR", currency_after_total=False, cash=D("2000.00"),
                   items=(base_receipt().items[0], replace(base_receipt().items[1], unit_price=D("1459.00"))),
                   **changes)


# -- 1. currency before or after the amount, either decimal convention --------------------------

@pytest.mark.parametrize("prefix,suffix,numbers,currency", [
    ("", " €", "de", "EUR"), ("", "€", "de", "EUR"), ("€ ", "", "de", "EUR"), ("", " EUR", "en", "EUR"),
    ("EUR", "", "en", "EUR"), ("", " CHF", "de", "CHF"), ("£", "", "en", "GBP"), ("", " Euro", "de", "EUR")])
def test_currency_printed_with_the_amounts_is_the_documents_currency(prefix, suffix, numbers, currency,
                                                                      tmp_path: Path) -> None:
    spec = replace(_euro_receipt(), amount_prefix=prefix, amount_suffix=suffix, numbers=numbers, currency=currency)
    merged = run_offline(receipt_pdf(spec), "cur.pdf", Receipt, tmp_path)
    assert merged.values.total == spec.total and spec.total > 1000  # thousands separators printed
    assert merged.values.currency == currency
    g = next(g for g in merged.grounding if g.field == "currency")
    assert g.grounded and g.bbox is not None


def test_currency_after_the_amount_on_a_scan(tmp_path: Path) -> None:
    from docpipe.ocr.stage import WordLayerStage

    spec = replace(_euro_receipt(), amount_suffix=" €", numbers="de")
    merged = run_offline(scan_png(receipt_pdf(spec), dpi=200, degrees=0.8), "cur.png", Receipt, tmp_path,
                         ocr=WordLayerStage("rapidocr"))
    assert (merged.values.total, merged.values.currency) == (spec.total, "EUR")


def test_amount_and_currency_readings() -> None:
    """A whole price written with a dash for its cents is money, not a negative number; a word
    that is an amount with its currency glued on names the page's currency."""
    for text, value, code in (("CHF 12.-", D("12"), "CHF"), ("12.- CHF", D("12"), "CHF"), ("1.505,- €", D("1505"), "EUR"),
                              ("12,--", D("12"), None), ("1.505,31 €", D("1505.31"), "EUR")):
        reading = read_amount(text)
        assert reading is not None and (reading.value, reading.currency, reading.strong) == (value, code, True), text
    assert read_amount("12.00-").value == D("-12.00")  # a trailing minus stays a minus
    for word, code in (("EUR1505.31", "EUR"), ("1505.31EUR", "EUR"), ("1.505,31\u00a0€", "EUR"), ("CHF12.-", "CHF")):
        assert detect_currency(["Total", word]) == (code, 1), word
    for mark in ("€*", "EUR.", "Euro", "EUROS"):  # a tax-class star, a sentence's end, the word
        assert detect_currency(["Total", "1.505,31", mark]) == ("EUR", 2), mark
    assert detect_currency(["Europa", "Park", "12.50"]) == (None, None)
    assert detect_currency(["INV2018", "12.50"]) == (None, None)


# -- 2. 'Net' / 'Netto' is the subtotal, never the total ----------------------------------------

@pytest.mark.parametrize("words,subtotal,tax,total", [
    (ENGLISH_US, "Net", "VAT {rate}%", "Total"), (ENGLISH_US, "NET", "TAX", "TOTAL"),
    (ENGLISH_US, "Nett", "GST", "Total"), (ENGLISH_US, "Net", "Sales tax", "Invoice total"),
    (GERMAN, "Netto", "MwSt. {rate} %", "Brutto"), (GERMAN, "Netto", "USt {rate} %", "Gesamt")])
def test_invoice_net_tax_total(words, subtotal, tax, total, tmp_path: Path) -> None:
    spec = replace(base_invoice(), words=replace(words, subtotal=subtotal, tax=tax, total=total),
                   notes=("Payment terms: Net 30 days.",))
    merged = run_offline(invoice_pdf(spec), "net.pdf", Invoice, tmp_path)
    want = spec.expected()
    got = merged.values
    assert (got.subtotal, got.tax_total, got.total) == (D(want["subtotal"]), D(want["tax_total"]), D(want["total"]))
    grounded = {g.field: g.grounded for g in merged.grounding}
    assert grounded["subtotal"] and grounded["tax_total"] and grounded["total"]


class _ReceiptWithTax(BaseModel):
    total: D | None = None
    subtotal: D | None = None
    tax: D | None = None

    @consistency_rule("subtotal + tax = total")
    def _adds_up(self) -> bool | None:
        if None in (self.subtotal, self.tax, self.total):
            return None
        return amounts_agree(self.subtotal + self.tax, self.total)


@pytest.mark.parametrize("subtotal,tax,total", [
    ("NET", "VAT {rate}%", "TOTAL"), ("Net amount", "VAT", "Total"), ("Netto", "MwSt {rate}%", "Brutto"),
    ("Netto", "MwSt {rate}%", "SUMME"), ("Total HT", "TVA {rate}%", "Total TTC"), ("NET", "GST", "AMOUNT")])
def test_receipt_net_line_is_not_the_total(subtotal, tax, total, tmp_path: Path) -> None:
    """The built-in receipt schema has no subtotal: the net line must not become its total. A
    schema that asks for subtotal and tax gets them from the same lines."""
    spec = replace(base_receipt(), subtotal_label=subtotal, tax_label=tax, total_label=total, currency_after_total=False)
    pdf = receipt_pdf(spec)
    assert run_offline(pdf, "net.pdf", Receipt, tmp_path).values.total == spec.total
    got = run_offline(pdf, "net2.pdf", _ReceiptWithTax, tmp_path).values
    assert (got.subtotal, got.tax, got.total) == (spec.subtotal, spec.tax, spec.total)


# -- 3. receipt item lines -----------------------------------------------------------------------

def _check_items(merged, spec) -> None:
    want = spec.expected()["items"]
    got = merged.values.items
    assert [i.description for i in got] == [w["description"] for w in want]
    assert [i.price for i in got] == [D(w["price"]) for w in want]
    printed = [i.quantity != 1 or spec.item_style == "inline" for i in spec.items]
    # A quantity is read where it is printed and left empty where it is not (never invented).
    assert [g.quantity for g in got] == [D(w["quantity"]) if p else None for w, p in zip(want, printed)]
    cells = [g for g in merged.grounding if g.field.startswith("items[")]
    assert cells and all(g.grounded and g.bbox is not None for g in cells), [g for g in cells if not g.grounded]


RECEIPT_ITEM_LAYOUTS = {
    "qty_line_under_description": {},
    "qty_x_price_inline": {"item_style": "inline"},
    "euro_suffix_net_lines": {"numbers": "de", "amount_suffix": " €", "currency": "EUR", "currency_after_total": False,
                              "subtotal_label": "Netto", "tax_label": "MwSt {rate}%", "total_label": "SUMME"},
    "rounding_cash_change_rate_lines": {"rounding": D("-0.02"), "rate_summary": True, "amount_prefix": "RM"},
    "no_subtotal_line": {"subtotal_label": None, "item_style": "inline"},
}


@pytest.mark.parametrize("name", RECEIPT_ITEM_LAYOUTS)
def test_receipt_items_text_layer(name: str, tmp_path: Path) -> None:
    spec = replace(base_receipt(), **RECEIPT_ITEM_LAYOUTS[name])
    merged = run_offline(receipt_pdf(spec), f"{name}.pdf", Receipt, tmp_path)
    _check_items(merged, spec)
    assert merged.values.total == spec.total


def test_receipt_items_on_a_tilted_scan(tmp_path: Path) -> None:
    from docpipe.ocr.stage import WordLayerStage

    spec = base_receipt()
    merged = run_offline(scan_png(receipt_pdf(spec), dpi=200, degrees=1.0), "items.png", Receipt, tmp_path,
                         ocr=WordLayerStage("rapidocr"))
    _check_items(merged, spec)


def test_money_block_lines_are_never_items(tmp_path: Path) -> None:
    """Subtotal, tax, total, rounding, cash, change and the per-rate summary lines all print an
    amount at the line's end: none of them is an item, and the items stop above them."""
    spec = replace(base_receipt(), rounding=D("-0.02"), rate_summary=True)
    merged = run_offline(receipt_pdf(spec), "block.pdf", Receipt, tmp_path)
    assert len(merged.values.items) == len(spec.items)
    money = {spec.subtotal, spec.tax, spec.total, spec.unrounded_total, spec.cash, spec.cash - spec.total}
    assert not money & {i.price for i in merged.values.items}
    assert all(values_equal(i.description, s.description, "text") for i, s in zip(merged.values.items, spec.items))
