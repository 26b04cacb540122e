"""A till receipt on an 80 mm thermal roll, drawn in a monospaced font with every value's box."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pymupdf

from docpipe.devtools.doc_formats import decimal_text, format_date, money
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

    @property
    def subtotal(self) -> Decimal:
        return sum((item.price for item in self.items), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return money(self.subtotal * self.tax_rate / 100)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

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
    item_lines = sum(2 if item.quantity != 1 else 1 for item in spec.items)
    return 1 + len(spec.merchant_address) + 1 + 1 + 3 + 1 + item_lines + 1 + 7 + 1 + 3


def draw_receipt(doc: pymupdf.Document, spec: ReceiptSpec) -> dict[str, DrawnBox]:
    boxes: dict[str, DrawnBox] = {}
    height = 40 + _line_count(spec) * LINE_H + 30
    page = doc.new_page(width=ROLL_WIDTH, height=height)
    c = PageCanvas(page, 0, boxes)
    mid = ROLL_WIDTH / 2
    y = 40.0
    c.text(mid, y, spec.merchant_name, face="mono_bold", size=13, align="center", key="merchant_name")
    y += LINE_H + 5
    for line in spec.merchant_address:
        c.text(mid, y, line, face="mono_bold", size=SIZE, align="center", key="merchant_address")
        y += LINE_H
    c.text(mid, y, spec.phone, face="mono_bold", size=SIZE, align="center")
    y += LINE_H * 1.5
    c.text(LEFT, y, RULE, face="mono_bold", size=SIZE)
    y += LINE_H
    left = c.text(LEFT, y, "DATE ", face="mono_bold", size=SIZE)
    c.text(left[2], y, format_date(spec.purchase_date, "us_slash"), face="mono_bold", size=SIZE, key="date")
    c.text(RIGHT, y, f"TIME {spec.time}", face="mono_bold", size=SIZE, align="right")
    y += LINE_H
    c.text(LEFT, y, spec.register_line, face="mono_bold", size=SIZE)
    y += LINE_H
    c.text(LEFT, y, RULE, face="mono_bold", size=SIZE)
    y += LINE_H
    for index, item in enumerate(spec.items):
        key = f"items[{index}]"
        c.text(LEFT, y, item.description, face="mono_bold", size=SIZE, key=f"{key}.description")
        if item.quantity != 1:
            y += LINE_H
            qty = c.text(LEFT + 12, y, decimal_text(item.quantity), face="mono_bold", size=SIZE, key=f"{key}.quantity")
            c.text(qty[2], y, f" x {item.unit_price:.2f}", face="mono_bold", size=SIZE)
        c.text(RIGHT, y, f"{item.price:.2f}", face="mono_bold", size=SIZE, align="right", key=f"{key}.price")
        y += LINE_H
    c.text(LEFT, y, RULE, face="mono_bold", size=SIZE)
    y += LINE_H
    rows = [("SUBTOTAL", spec.subtotal, None), (f"TAX {spec.tax_rate}%", spec.tax, None)]
    for label, value, key in rows:
        c.text(LEFT, y, label, face="mono_bold", size=SIZE)
        c.text(RIGHT, y, f"{value:.2f}", face="mono_bold", size=SIZE, align="right", key=key)
        y += LINE_H
    y += 4
    label = c.text(LEFT, y, "TOTAL ", face="mono_bold", size=10.5)
    c.text(label[2], y, spec.currency, face="mono_bold", size=10.5, key="currency")
    c.text(RIGHT, y, f"{spec.total:.2f}", face="mono_bold", size=10.5, align="right", key="total")
    y += LINE_H + 4
    for label_text, value in (("CASH", spec.cash), ("CHANGE", spec.cash - spec.total)):
        c.text(LEFT, y, label_text, face="mono_bold", size=SIZE)
        c.text(RIGHT, y, f"{value:.2f}", face="mono_bold", size=SIZE, align="right")
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
