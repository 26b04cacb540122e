"""A till receipt on an 80 mm thermal roll, drawn in a monospaced font with every value's box."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pymupdf

from docpipe.devtools.doc_formats import DateStyle, NumberStyle, decimal_text, format_amount, format_date, \
    format_quantity, money
from docpipe.devtools.pdf_canvas import PageCanvas
from docpipe.devtools.truth import DrawnBox

ROLL_WIDTH = 227.0  # 80 mm
LEFT, RIGHT = 14.0, 213.0
LINE_H = 11.5
SIZE = 8.5
RULE = "-" * 39


@dataclass(frozen=True)
class ReceiptItemSpec:
    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal("1")

    @property
    def price(self) -> Decimal:
        return money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class ReceiptSpec:
    merchant_name: str
    merchant_address: tuple[str, ...]
    phone: str
    purchase_date: date
    time: str
    items: tuple[ReceiptItemSpec, ...]
    tax_rate: Decimal
    currency: str
    cash: Decimal
    register_line: str
    # Variants of real slips (defaults draw the committed sample exactly as before):
    registration: str | None = None  # company number printed under the name ('(860671-D)')
    tagline: str | None = None  # a smaller line between name and address (branch, brand)
    date_style: DateStyle = "us_slash"
    date_label: str | None = "DATE "  # None: the date is printed with no label
    time_glued: bool = False  # OCR-like '30/05/201710:18' instead of a separate TIME field
    rounding: Decimal = Decimal("0.00")  # a rounding line and a rounded total (cash rounding)
    rate_summary: bool = False  # 'TOTAL 6% SUPPLIES (INC TAX)' per-rate lines after the payment
    amount_prefix: str = ""  # printed before money amounts, glued ('RM20.40')
    amount_suffix: str = ""  # printed after money amounts (' €', '€', ' EUR')
    numbers: NumberStyle = "en"  # separators of every printed amount ('de': '1.505,31')
    currency_after_total: bool = True  # 'TOTAL MYR' (False: the page names no currency field)
    subtotal_label: str | None = "SUBTOTAL"  # None: no subtotal line
    tax_label: str = "TAX {rate}%"
    total_label: str = "TOTAL"
    item_style: str = "stacked"  # 'stacked': 'qty x price' under the description; 'inline': one line

    @property
    def subtotal(self) -> Decimal:
        return sum((item.price for item in self.items), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return money(self.subtotal * self.tax_rate / 100)

    @property
    def unrounded_total(self) -> Decimal:
        return self.subtotal + self.tax

    @property
    def total(self) -> Decimal:
        """What was paid: the total after any rounding line."""
        return self.unrounded_total + self.rounding

    def expected(self) -> dict[str, Any]:
        return {
            "merchant_name": self.merchant_name,
            "merchant_address": ", ".join(self.merchant_address),
            "date": self.purchase_date.isoformat(),
            "total": f"{self.total:.2f}",
            "currency": self.currency,
            "items": [{"description": item.description, "quantity": decimal_text(item.quantity),
                       "price": f"{item.price:.2f}"} for item in self.items],
        }


def _line_count(spec: ReceiptSpec) -> int:
    item_lines = sum(2 if item.quantity != 1 and spec.item_style == "stacked" else 1 for item in spec.items)
    extra = (spec.registration is not None) + (spec.tagline is not None) + 2 * (spec.rounding != 0) \
        + 3 * spec.rate_summary
    return 1 + len(spec.merchant_address) + 1 + 1 + 3 + 1 + item_lines + 1 + 7 + 1 + 3 + extra


def _money(spec: ReceiptSpec, value: Decimal) -> str:
    return f"{spec.amount_prefix}{format_amount(value, spec.numbers)}{spec.amount_suffix}"


def draw_receipt(doc: pymupdf.Document, spec: ReceiptSpec) -> dict[str, DrawnBox]:
    boxes: dict[str, DrawnBox] = {}
    height = 40 + _line_count(spec) * LINE_H + 30
    page = doc.new_page(width=ROLL_WIDTH, height=height)
    c = PageCanvas(page, 0, boxes)
    mid = ROLL_WIDTH / 2
    y = 40.0
    c.text(mid, y, spec.merchant_name, face="mono_bold", size=13, align="center", key="merchant_name")
    y += LINE_H + 5
    if spec.registration is not None:
        c.text(mid, y, spec.registration, face="mono_bold", size=SIZE, align="center")
        y += LINE_H
    if spec.tagline is not None:
        c.text(mid, y, spec.tagline, face="mono", size=SIZE - 1.5, align="center")
        y += LINE_H
    for line in spec.merchant_address:
        c.text(mid, y, line, face="mono_bold", size=SIZE, align="center", key="merchant_address")
        y += LINE_H
    c.text(mid, y, spec.phone, face="mono_bold", size=SIZE, align="center")
    y += LINE_H * 1.5
    c.text(LEFT, y, RULE, face="mono_bold", size=SIZE)
    y += LINE_H
    x = c.text(LEFT, y, spec.date_label, face="mono_bold", size=SIZE)[2] if spec.date_label else LEFT
    printed = format_date(spec.purchase_date, spec.date_style)
    if spec.time_glued:
        c.text(x, y, printed + spec.time, face="mono_bold", size=SIZE)
    else:
        c.text(x, y, printed, face="mono_bold", size=SIZE, key="date")
        c.text(RIGHT, y, f"TIME {spec.time}", face="mono_bold", size=SIZE, align="right")
    y += LINE_H
    c.text(LEFT, y, spec.register_line, face="mono_bold", size=SIZE)
    y += LINE_H
    c.text(LEFT, y, RULE, face="mono_bold", size=SIZE)
    y += LINE_H
    for index, item in enumerate(spec.items):
        key = f"items[{index}]"
        c.text(LEFT, y, item.description, face="mono_bold", size=SIZE, key=f"{key}.description")
        qty_text = format_quantity(item.quantity, spec.numbers)
        unit_text = f" x {format_amount(item.unit_price, spec.numbers)}"
        if item.quantity != 1 and spec.item_style == "stacked":
            y += LINE_H
            qty = c.text(LEFT + 12, y, qty_text, face="mono_bold", size=SIZE, key=f"{key}.quantity")
            c.text(qty[2], y, unit_text, face="mono_bold", size=SIZE)
        elif spec.item_style == "inline":
            qty = c.text(LEFT + 112, y, qty_text, face="mono_bold", size=SIZE, key=f"{key}.quantity")
            c.text(qty[2], y, unit_text, face="mono_bold", size=SIZE)
        c.text(RIGHT, y, format_amount(item.price, spec.numbers), face="mono_bold", size=SIZE, align="right",
               key=f"{key}.price")
        y += LINE_H
    c.text(LEFT, y, RULE, face="mono_bold", size=SIZE)
    y += LINE_H
    rate_text = format_quantity(spec.tax_rate, spec.numbers) if spec.numbers != "en" else str(spec.tax_rate)
    rows = [(spec.subtotal_label, spec.subtotal, None)] if spec.subtotal_label else []
    rows.append((spec.tax_label.format(rate=rate_text), spec.tax, None))
    for label, value, key in rows:
        c.text(LEFT, y, label, face="mono_bold", size=SIZE)
        c.text(RIGHT, y, _money(spec, value), face="mono_bold", size=SIZE, align="right", key=key)
        y += LINE_H
    y += 4
    label = c.text(LEFT, y, f"{spec.total_label} ", face="mono_bold", size=10.5)
    if spec.currency_after_total:
        c.text(label[2], y, spec.currency, face="mono_bold", size=10.5, key="currency")
    rounded = spec.rounding != 0
    c.text(RIGHT, y, _money(spec, spec.unrounded_total), face="mono_bold", size=10.5, align="right",
           key=None if rounded else "total")
    y += LINE_H + 4
    if rounded:
        c.text(LEFT, y, "ROUNDING ADJ", face="mono_bold", size=SIZE)
        c.text(RIGHT, y, _money(spec, spec.rounding), face="mono_bold", size=SIZE, align="right")
        y += LINE_H
        c.text(LEFT, y, "TOTAL ROUNDED", face="mono_bold", size=10.5)
        c.text(RIGHT, y, _money(spec, spec.total), face="mono_bold", size=10.5, align="right", key="total")
        y += LINE_H + 4
    for label_text, value in (("CASH", spec.cash), ("CHANGE", spec.cash - spec.total)):
        c.text(LEFT, y, label_text, face="mono_bold", size=SIZE)
        c.text(RIGHT, y, _money(spec, value), face="mono_bold", size=SIZE, align="right")
        y += LINE_H
    if spec.rate_summary:
        rate = f"{spec.tax_rate.normalize()}%"
        for label_text, value in ((f"TOTAL {rate} SUPPLIES (INC TAX)", spec.unrounded_total),
                                  ("TOTAL 0% SUPPLIES", Decimal("0.00")), (f"TAX {rate}", spec.tax)):
            c.text(LEFT, y, label_text, face="mono_bold", size=SIZE)
            c.text(RIGHT, y, _money(spec, value), face="mono_bold", size=SIZE, align="right")
            y += LINE_H
    c.text(LEFT, y, f"ITEMS SOLD {sum(int(i.quantity) for i in spec.items)}", face="mono_bold", size=SIZE)
    y += LINE_H
    c.text(LEFT, y, RULE, face="mono_bold", size=SIZE)
    y += LINE_H * 1.5
    c.text(mid, y, "THANK YOU FOR SHOPPING WITH US!", face="mono_bold", size=SIZE, align="center")
    y += LINE_H
    c.text(mid, y, "KEEP THIS RECEIPT FOR RETURNS", face="mono_bold", size=SIZE, align="center")
    c.finish()
    return boxes
