"""Drawing a realistic invoice onto PDF pages from a spec, recording every value's box.

Two layouts: "classic" (seller top-left, big title top-right, Bill To block) and "letter" (German
business-letter style: letterhead right, sender line above a window address, title below). Line
items flow over as many pages as they need, with the table header repeated on each page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pymupdf

from docpipe.devtools.doc_formats import DateStyle, NumberStyle, decimal_text, format_amount, format_date, \
    format_quantity, money
from docpipe.devtools.pdf_canvas import GREY, LIGHT, WHITE, Align, Color, PageCanvas, text_width
from docpipe.devtools.truth import DrawnBox

MARGIN = 50.0
ROW_H = 19.0
HEADER_H = 20.0
FOOTER_TOP = 70.0  # distance from the page bottom reserved for the footer
CONTINUATION_TOP = 92.0  # where the table resumes on later pages


@dataclass(frozen=True)
class InvoiceWords:
    """The printed labels of one invoice language."""

    title: str
    number: str
    issue_date: str
    due_date: str
    bill_to: str | None
    col_description: str
    col_quantity: str
    col_unit_price: str
    col_amount: str
    subtotal: str
    tax: str  # formatted with {rate}
    total: str
    page: str  # formatted with {page} and {pages}
    continued: str
    col_position: str | None = None
    carried: str | None = None
    numbers: NumberStyle = "en"
    currency_after: bool = False  # "1.234,56 €" rather than "USD 1,234.56"
    prepaid: str = "Less prepayment"
    balance: str = "Balance due"


@dataclass(frozen=True)
class LineItemSpec:
    description: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class HeadStyle:
    """Where the seller and the buyer are printed on the first page (the varied-layout head).

    `seller_at`: 'left', 'right' or 'center' draw a letterhead block at the top; 'columns' puts the
    buyer block left and the seller block right on one band under the title; 'footer' and 'sender'
    print the seller's name only in the footer lines (`InvoiceSpec.footer`) or only in the small
    one-line return address above the buyer block (a logo without text stands at the top).
    """

    seller_at: Literal["left", "right", "center", "columns", "footer", "sender"] = "left"
    seller_label: str | None = None  # 'From:', 'Verkäufer', 'Émetteur :' above the seller block
    buyer_label: str | None = None  # 'Bill to:', 'Kunde' above the buyer block (default: words.bill_to)
    sender_line: bool = False  # 'Name · Street · City' in small type above the buyer block
    name_break: int = 0  # print the seller's name over two lines, breaking after this many words
    logo: bool = False  # a drawn logo (no text) at the top left
    swap: bool = False  # with 'columns': seller left, buyer right
    # The number/date rows: 'rows' label left of value at the top right; 'stacked' each label above
    # its value there; 'strip' one boxed band of label cells with the values under them, between the
    # parties and the item table.
    # 'subject': the number printed in a bold subject line over the item table ('Rechnung Nr. 2024-117',
    # `subject` formatted with {number}), the date rows at the top right.
    meta_at: Literal["rows", "stacked", "strip", "subject"] = "rows"
    subject: str = "{number}"


@dataclass(frozen=True)
class InvoiceSpec:
    words: InvoiceWords
    number: str
    issue_date: date
    due_date: date
    seller_name: str
    seller_address: tuple[str, ...]
    buyer_name: str
    buyer_address: tuple[str, ...]
    currency: str
    currency_mark: str
    tax_rate: Decimal
    items: tuple[LineItemSpec, ...]
    issue_style: DateStyle = "long_en"
    due_style: DateStyle = "long_en"
    layout: Literal["classic", "letter"] = "classic"
    page_size: tuple[float, float] = (595.0, 842.0)
    seller_contact: tuple[str, ...] = ()
    meta_extra: tuple[tuple[str, str], ...] = ()  # other identifiers (PO, customer no.): realistic distractors
    meta_before: tuple[tuple[str, str], ...] = ()  # the same, printed before the number row (a customer no. box first)
    intro: str | None = None
    notes: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    accent: Color = (0.15, 0.27, 0.45)
    # Variants of real invoices (defaults draw the committed samples exactly as before):
    brand: str | None = None  # a brand line printed above the seller's legal name (classic layout)
    prepaid: Decimal = Decimal("0.00")  # an advance payment deducted after the grand total
    table_gap: float = 22.0  # points between the buyer block and the item table (classic layout)
    head: HeadStyle | None = None  # where and how the parties are printed; None: `layout` decides

    @property
    def subtotal(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal("0.00"))

    @property
    def tax_total(self) -> Decimal:
        return money(self.subtotal * self.tax_rate / 100)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total

    def expected(self) -> dict[str, Any]:
        """The invoice schema's JSON for a perfect extraction."""
        return {
            "invoice_number": self.number,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "seller_name": self.seller_name,
            "seller_address": ", ".join(self.seller_address),
            "buyer_name": self.buyer_name,
            "buyer_address": ", ".join(self.buyer_address),
            "currency": self.currency,
            "subtotal": f"{self.subtotal:.2f}",
            "discount_total": None,  # these invoices print no discount
            "tax_total": f"{self.tax_total:.2f}",
            "total": f"{self.total:.2f}",
            "line_items": [
                {"description": item.description, "quantity": decimal_text(item.quantity),
                 "unit_price": f"{item.unit_price:.2f}", "amount": f"{item.amount:.2f}"}
                for item in self.items
            ],
        }


@dataclass
class _Columns:
    position: float
    description: float
    quantity: float  # right edges from here on
    unit_price: float
    amount: float


def _columns(spec: InvoiceSpec) -> _Columns:
    right = spec.page_size[0] - MARGIN - 6
    description = MARGIN + (36 if spec.words.col_position else 6)
    return _Columns(MARGIN + 6, description, right - 200, right - 100, right)


def _classic_head(c: PageCanvas, spec: InvoiceSpec) -> float:
    w = spec.words
    if spec.brand:
        c.text(MARGIN, 46, spec.brand, face="bold", size=11, color=GREY)
    c.text(MARGIN, 66, spec.seller_name, face="bold", size=15, color=spec.accent, key="seller_name")
    y = 84.0
    for line in spec.seller_address:
        c.text(MARGIN, y, line, size=9.5, key="seller_address")
        y += 12.5
    for line in spec.seller_contact:
        c.text(MARGIN, y, line, size=8.5, color=GREY)
        y += 11.5
    right = c.width - MARGIN
    c.text(right, 70, w.title, face="bold", size=26, color=spec.accent, align="right")
    meta = _meta_rows(spec)
    label_x, value_x = right - 205, right - 95
    my = 98.0
    for label, value, key in meta:
        for n, part in enumerate(label.split("\n")):  # a label printed on two lines ('Invoice' / 'number')
            c.text(label_x, my + 11 * n, part, face="bold", size=9.5, color=GREY)
        c.text(value_x, my, value, size=9.5, key=key)
        my += 14.5 + 11 * label.count("\n")
    y = max(y, my) + 22
    if w.bill_to:
        c.text(MARGIN, y, w.bill_to.upper(), face="bold", size=8.5, color=spec.accent)
        y += 15
    c.text(MARGIN, y, spec.buyer_name, face="bold", size=11, key="buyer_name")
    y += 14
    for line in spec.buyer_address:
        c.text(MARGIN, y, line, size=10, key="buyer_address")
        y += 13
    return y + spec.table_gap


def _letter_head(c: PageCanvas, spec: InvoiceSpec) -> float:
    right = c.width - MARGIN
    c.text(right, 62, spec.seller_name, face="bold", size=15, color=spec.accent, align="right", key="seller_name")
    y = 78.0
    for line in spec.seller_address:
        c.text(right, y, line, size=9, align="right", key="seller_address")
        y += 11.5
    for line in spec.seller_contact:
        c.text(right, y, line, size=8, color=GREY, align="right")
        y += 10.5
    sender = " · ".join((spec.seller_name, *spec.seller_address))
    box = c.text(MARGIN, 146, sender, size=6.5, color=GREY)
    c.line(MARGIN, box[3] + 0.5, box[2], box[3] + 0.5, color=GREY, width=0.4)
    by = 166.0
    c.text(MARGIN, by, spec.buyer_name, size=10.5, key="buyer_name")
    for line in spec.buyer_address:
        by += 13.5
        c.text(MARGIN, by, line, size=10.5, key="buyer_address")
    label_x, value_x = right - 190, right - 80
    my = max(y + 20, 160.0)
    for label, value, key in _meta_rows(spec):
        c.text(label_x, my, label, size=9, color=GREY)
        c.text(value_x, my, value, size=9, key=key)
        my += 13.5
    y = max(by, my) + 40
    c.text(MARGIN, y, spec.words.title, face="bold", size=18)
    y += 20
    if spec.intro:
        c.text(MARGIN, y, spec.intro, size=9.5)
        y += 8
    return y + 14


def _logo(c: PageCanvas, spec: InvoiceSpec, x: float, y: float) -> None:
    c.circle(x + 16, y + 16, 16, fill=spec.accent)
    c.rect(x + 38, y + 6, x + 90, y + 12, fill=spec.accent)
    c.rect(x + 38, y + 18, x + 74, y + 24, fill=LIGHT)


def _party_block(c: PageCanvas, x: float, y: float, label: str | None, name_lines: list[str], address: tuple[str, ...],
                 contact: tuple[str, ...], *, align: Align = "left", name_key: str, address_key: str,
                 name_size: float = 11.0, accent: Color = (0.0, 0.0, 0.0)) -> float:
    """A party's block (optional label, name over one or more lines, address, contact); returns the y below."""
    if label:
        c.text(x, y, label, face="bold", size=8.5, color=GREY, align=align)
        y += 13
    for line in name_lines:
        c.text(x, y, line, face="bold", size=name_size, color=accent, align=align, key=name_key)
        y += name_size + 3
    for line in address:
        c.text(x, y, line, size=9.5, align=align, key=address_key)
        y += 12.5
    for line in contact:
        c.text(x, y, line, size=8.5, color=GREY, align=align)
        y += 11.5
    return y


def _varied_head(c: PageCanvas, spec: InvoiceSpec) -> float:
    """The first page's head as `spec.head` says: seller block placement, labels, sender line."""
    h = spec.head or HeadStyle()
    w = spec.words
    right = c.width - MARGIN
    name = spec.seller_name
    words = name.split()
    name_lines = [" ".join(words[:h.name_break]), " ".join(words[h.name_break:])] if 0 < h.name_break < len(words) \
        else [name]
    buyer_label = h.buyer_label if h.buyer_label is not None else w.bill_to
    y = 62.0
    if h.logo or h.seller_at in ("footer", "sender"):
        _logo(c, spec, MARGIN, 40)
        y = 92.0
    top_block_end = y
    if h.seller_at in ("left", "right", "center"):
        x, align = {"left": (MARGIN, "left"), "right": (right, "right"), "center": (c.width / 2, "center")}[h.seller_at]
        if h.logo and h.seller_at != "left":
            y = 62.0
        top_block_end = _party_block(c, x, y, h.seller_label, name_lines, spec.seller_address, spec.seller_contact,
                                     align=align, name_key="seller_name", address_key="seller_address",
                                     name_size=15, accent=spec.accent)
    # Title and the number/date rows: top right, or left under a right/centre letterhead.
    meta = _meta_rows(spec)
    if h.meta_at == "subject":
        meta = [row for row in meta if row[2] != "invoice_number"]
    if h.seller_at in ("left", "footer", "sender", "columns"):
        c.text(right, 70, w.title, face="bold", size=24, color=spec.accent, align="right")
        label_x, value_x, my = right - 205, right - 95, 98.0
    else:
        ty = top_block_end + 18
        c.text(MARGIN, ty, w.title, face="bold", size=22, color=spec.accent)
        label_x, value_x, my = right - 205, right - 95, ty + 26
    if h.meta_at in ("rows", "subject"):
        for label, value, key in meta:
            c.text(label_x, my, label, face="bold", size=9.5, color=GREY)
            c.text(value_x, my, value, size=9.5, key=key)
            my += 14.5
    elif h.meta_at == "stacked":
        for label, value, key in meta:
            c.text(label_x, my, label, face="bold", size=8, color=GREY)
            c.text(label_x, my + 11, value, size=9.5, key=key)
            my += 26
    y = max(top_block_end, my) + 22
    end = _varied_parties(c, spec, y, name_lines, buyer_label)
    if h.meta_at == "subject":
        before, _, after = h.subject.partition("{number}")
        y = end - spec.table_gap + 16
        box = c.text(MARGIN, y, before.rstrip(), face="bold", size=12) if before.strip() else (MARGIN, y, MARGIN - 3.5, y)
        box = c.text(box[2] + 3.5, y, spec.number, face="bold", size=12, key="invoice_number")
        if after:
            c.text(box[2], y, after, face="bold", size=12)
        return y + 14 + spec.table_gap
    if h.meta_at != "strip":
        return end
    return _meta_strip(c, meta, end - spec.table_gap + 14) + spec.table_gap


def _meta_strip(c: PageCanvas, meta: list[tuple[str, str, str | None]], y: float) -> float:
    """The number/date rows as one band of equal cells, label above value; returns the y below it."""
    left, right = MARGIN, c.width - MARGIN
    width = (right - left) / len(meta)
    c.line(left, y, right, y, color=GREY, width=0.6)
    for n, (label, value, key) in enumerate(meta):
        x = left + n * width + 4
        c.text(x, y + 11, label, face="bold", size=7.5, color=GREY)
        c.text(x, y + 25, value, size=9.5, key=key)
    c.line(left, y + 31, right, y + 31, color=GREY, width=0.6)
    return y + 31


def _varied_parties(c: PageCanvas, spec: InvoiceSpec, y: float, name_lines: list[str], buyer_label: str | None) -> float:
    """The party blocks below the head's top band (columns, or a sender line and the buyer block)."""
    h = spec.head or HeadStyle()
    if h.seller_at == "columns":
        seller_x, buyer_x = (MARGIN, c.width / 2 + 10) if h.swap else (c.width / 2 + 10, MARGIN)
        end_s = _party_block(c, seller_x, y, h.seller_label, name_lines, spec.seller_address, spec.seller_contact,
                             name_key="seller_name", address_key="seller_address")
        end_b = _party_block(c, buyer_x, y, buyer_label, [spec.buyer_name], spec.buyer_address, (),
                             name_key="buyer_name", address_key="buyer_address")
        return max(end_s, end_b) + spec.table_gap
    if h.sender_line or h.seller_at == "sender":
        sender = " · ".join((spec.seller_name, *spec.seller_address))
        box = c.text(MARGIN, y, sender, size=6.5, color=GREY, )
        c.line(MARGIN, box[3] + 0.5, box[2], box[3] + 0.5, color=GREY, width=0.4)
        y += 18
    end = _party_block(c, MARGIN, y, buyer_label, [spec.buyer_name], spec.buyer_address, (),
                       name_key="buyer_name", address_key="buyer_address")
    return end + spec.table_gap


def _meta_rows(spec: InvoiceSpec) -> list[tuple[str, str, str | None]]:
    w = spec.words
    rows: list[tuple[str, str, str | None]] = [(label, value, None) for label, value in spec.meta_before]
    rows += [
        (w.number, spec.number, "invoice_number"),
        (w.issue_date, format_date(spec.issue_date, spec.issue_style), "issue_date"),
        (w.due_date, format_date(spec.due_date, spec.due_style), "due_date"),
    ]
    rows.extend((label, value, None) for label, value in spec.meta_extra)
    return rows


def _table_header(c: PageCanvas, spec: InvoiceSpec, cols: _Columns, y: float) -> float:
    w = spec.words
    classic = spec.layout == "classic"
    c.rect(MARGIN, y, c.width - MARGIN, y + HEADER_H, fill=spec.accent if classic else (0.9, 0.9, 0.9))
    ink = WHITE if classic else (0.0, 0.0, 0.0)
    base = y + 13.5
    if w.col_position:
        c.text(cols.position, base, w.col_position, face="bold", size=9, color=ink)
    c.text(cols.description, base, w.col_description, face="bold", size=9, color=ink)
    c.text(cols.quantity, base, w.col_quantity, face="bold", size=9, color=ink, align="right")
    c.text(cols.unit_price, base, w.col_unit_price, face="bold", size=9, color=ink, align="right")
    c.text(cols.amount, base, w.col_amount, face="bold", size=9, color=ink, align="right")
    return y + HEADER_H


def _row(c: PageCanvas, spec: InvoiceSpec, cols: _Columns, y: float, index: int) -> None:
    item = spec.items[index]
    style = spec.words.numbers
    base = y + 13
    key = f"line_items[{index}]"
    if spec.words.col_position:
        c.text(cols.position, base, str(index + 1), size=9.5, color=GREY)
    if text_width(item.description, 9.5) > cols.quantity - 50 - cols.description:
        raise ValueError(f"line item description too long for the table: {item.description!r}")
    c.text(cols.description, base, item.description, size=9.5, key=f"{key}.description")
    c.text(cols.quantity, base, format_quantity(item.quantity, style), size=9.5, align="right", key=f"{key}.quantity")
    c.text(cols.unit_price, base, format_amount(item.unit_price, style), size=9.5, align="right",
           key=f"{key}.unit_price")
    c.text(cols.amount, base, format_amount(item.amount, style), size=9.5, align="right", key=f"{key}.amount")
    c.line(MARGIN, y + ROW_H, c.width - MARGIN, y + ROW_H, color=LIGHT, width=0.5)


def _money_line(c: PageCanvas, spec: InvoiceSpec, y: float, label: str, value: Decimal, *, key: str | None,
                bold: bool = False, mark: bool = False, mark_key: str | None = None) -> None:
    size = 11 if bold else 10
    face = "bold" if bold else "regular"
    right = c.width - MARGIN - 6
    c.text(right - 215, y, label, face=face, size=size)
    mark_gap = text_width(" ", size, face)
    amount_right = right
    if mark and spec.words.currency_after:
        c.text(right, y, spec.currency_mark, face=face, size=size, align="right", key=mark_key)
        amount_right = right - text_width(spec.currency_mark, size, face) - mark_gap
    box = c.text(amount_right, y, format_amount(value, spec.words.numbers), face=face, size=size, align="right",
                 key=key)
    if mark and not spec.words.currency_after:
        c.text(box[0] - mark_gap, y, spec.currency_mark, face=face, size=size, align="right", key=mark_key)


def _totals(c: PageCanvas, spec: InvoiceSpec, y: float) -> float:
    w = spec.words
    after = w.currency_after
    y += 22
    _money_line(c, spec, y, w.subtotal, spec.subtotal, key="subtotal", mark=after)
    y += 17
    rate = format_quantity(spec.tax_rate, w.numbers)
    _money_line(c, spec, y, w.tax.format(rate=rate), spec.tax_total, key="tax_total", mark=after)
    y += 9
    c.line(c.width - MARGIN - 221, y, c.width - MARGIN, y, width=0.8)
    y += 15
    _money_line(c, spec, y, w.total, spec.total, key="total", bold=True, mark=True, mark_key="currency")
    if spec.prepaid:
        y += 17
        _money_line(c, spec, y, w.prepaid, -spec.prepaid, key=None)
        y += 17
        _money_line(c, spec, y, w.balance, spec.total - spec.prepaid, key=None, bold=True, mark=True)
    y += 30
    for note in spec.notes:
        c.text(MARGIN, y, note, size=8.5, color=GREY)
        y += 12
    return y


def _footer(c: PageCanvas, spec: InvoiceSpec, page_number: int, pages: int) -> None:
    top = c.height - FOOTER_TOP + 14
    c.line(MARGIN, top, c.width - MARGIN, top, color=LIGHT, width=0.6)
    y = top + 13
    for line in spec.footer:
        c.text(MARGIN, y, line, size=7.5, color=GREY)
        y += 10
    c.text(c.width - MARGIN, top + 13, spec.words.page.format(page=page_number, pages=pages), size=7.5,
           color=GREY, align="right")


def _plan(spec: InvoiceSpec, first_table_y: float) -> tuple[list[range], bool]:
    """Which item rows go on which page, and whether the totals need a page of their own."""
    limit = spec.page_size[1] - FOOTER_TOP - 10
    carry = ROW_H if spec.words.carried else 0.0
    totals_h = 80 + 12 * len(spec.notes) + (34 if spec.prepaid else 0)
    pages: list[range] = []
    start, top = 0, first_table_y
    while True:
        rows_top = top + HEADER_H + (carry if pages else 0.0)
        # Room is kept for the carried-forward line in case another page follows.
        capacity = max(int((limit - rows_top - carry) // ROW_H), 1)
        end = min(len(spec.items), start + capacity)
        pages.append(range(start, end))
        if end == len(spec.items):
            return pages, rows_top + (end - start) * ROW_H + totals_h > limit
        start, top = end, CONTINUATION_TOP


def draw_invoice(doc: pymupdf.Document, spec: InvoiceSpec) -> dict[str, DrawnBox]:
    """Append the invoice's pages to `doc`; returns each value's drawn box keyed by field path.

    Page indices in the boxes count from the invoice's first page. Each page is finished before the
    next is created because PyMuPDF invalidates Page objects when pages are added.
    """
    boxes: dict[str, DrawnBox] = {}
    first_index = doc.page_count
    width, height = spec.page_size
    cols = _columns(spec)

    def open_page() -> PageCanvas:
        page = doc.new_page(width=width, height=height)
        return PageCanvas(page, page.number - first_index, boxes)

    def close_page(c: PageCanvas) -> None:
        _footer(c, spec, c.page_index + 1, page_total)
        c.finish()

    def continuation_page() -> PageCanvas:
        c = open_page()
        c.text(MARGIN, 62, f"{spec.words.title} {spec.number}", face="bold", size=10, color=spec.accent)
        return c

    canvas = open_page()
    head = _varied_head if spec.head is not None else _classic_head if spec.layout == "classic" else _letter_head
    y = head(canvas, spec)
    plan, totals_alone = _plan(spec, y)
    page_total = len(plan) + (1 if totals_alone else 0)
    running = Decimal("0.00")
    for page_no, rows in enumerate(plan):
        if page_no > 0:
            close_page(canvas)
            canvas = continuation_page()
            y = CONTINUATION_TOP
        y = _table_header(canvas, spec, cols, y)
        if page_no > 0 and spec.words.carried:
            _carry_line(canvas, spec, cols, y, running)
            y += ROW_H
        for index in rows:
            _row(canvas, spec, cols, y, index)
            running += spec.items[index].amount
            y += ROW_H
        if page_no < len(plan) - 1:
            if spec.words.carried:
                _carry_line(canvas, spec, cols, y, running)
            else:
                canvas.text(canvas.width - MARGIN, y + 16, spec.words.continued, size=8, color=GREY, align="right")
    if totals_alone:
        close_page(canvas)
        canvas = continuation_page()
        y = CONTINUATION_TOP
    _totals(canvas, spec, y)
    close_page(canvas)
    return boxes


def _carry_line(c: PageCanvas, spec: InvoiceSpec, cols: _Columns, y: float, running: Decimal) -> None:
    c.text(cols.description, y + 13, spec.words.carried or "", face="bold", size=9.5)
    c.text(cols.amount, y + 13, format_amount(running, spec.words.numbers), face="bold", size=9.5, align="right")
    c.line(MARGIN, y + ROW_H, c.width - MARGIN, y + ROW_H, color=LIGHT, width=0.5)
