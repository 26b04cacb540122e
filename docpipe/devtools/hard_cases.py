"""Generated documents for each kind of extraction failure seen on real documents (issue 11).

Every case is drawn with the invoice/receipt generators, so its truth is known exactly, and names
the failure kind it exercises. None copies a real document: companies, numbers and dates are
invented; what is reproduced is the *kind* of layout that misled extraction (an unlabelled
letterhead, a rounding line under the total, a unit that looks like a currency...).

    cases = hard_cases()                  # HardCase(name, failure_kind, schema, pdf, expected)
    png = scan_png(case.pdf, degrees=1.5)  # the same document as a tilted greyscale scan
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal as D
from typing import Any

import pymupdf

from docpipe.devtools.invoice_layout import InvoiceSpec, InvoiceWords, LineItemSpec, draw_invoice
from docpipe.devtools.pdf_canvas import fixed_metadata, pdf_bytes
from docpipe.devtools.receipt_layout import ReceiptItemSpec, ReceiptSpec, draw_receipt
from docpipe.devtools.sample_invoices import ENGLISH_US, GERMAN, LETTER

FAILURE_KINDS = ("unlabelled", "which_total", "dates", "numbers", "over_capture", "look_alikes", "rotated")


@dataclass(frozen=True)
class HardCase:
    name: str
    failure_kind: str  # one of FAILURE_KINDS
    schema: str  # 'invoice' or 'receipt'
    pdf: bytes
    expected: dict[str, Any]  # the fields this case is about, as docpipe writes them (ISO dates, '.' decimals)


def _pdf(draw) -> bytes:
    doc = pymupdf.open()
    draw(doc)
    fixed_metadata(doc, "docpipe hard case")
    data = pdf_bytes(doc)
    doc.close()
    return data


def receipt_pdf(spec: ReceiptSpec) -> bytes:
    return _pdf(lambda doc: draw_receipt(doc, spec))


def invoice_pdf(spec: InvoiceSpec) -> bytes:
    return _pdf(lambda doc: draw_invoice(doc, spec))


def scan_png(pdf: bytes, degrees: float = 0.0, dpi: int = 150, quarter_turns: int = 0) -> bytes:
    """The first page as a greyscale PNG scan: tilted by `degrees` (counter-clockwise) and/or turned
    by quarter turns (1 = 90 degrees counter-clockwise, 2 = upside down)."""
    from docpipe.devtools.scan_effects import render_gray, rotate_in_place

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        image, _ = render_gray(doc[0], dpi)
    if degrees:
        image, _ = rotate_in_place(image, degrees, fill=255)
    if quarter_turns % 4:
        image = image.rotate(90 * (quarter_turns % 4), expand=True, fillcolor=255)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


# -- receipts ------------------------------------------------------------------------------------

def base_receipt() -> ReceiptSpec:
    return ReceiptSpec(
        merchant_name="KEDAI RUNCIT MAJU JAYA", merchant_address=("NO. 12, JALAN MAWAR 3", "TAMAN SRI MUDA",
                                                                  "40400 SHAH ALAM, SELANGOR"),
        phone="TEL: 03-5512 3456", purchase_date=date(2018, 4, 28), time="16:07",
        register_line="CASHIER: 02  POS: 1",
        items=(ReceiptItemSpec("BERAS WANGI 5KG", D("18.90")), ReceiptItemSpec("MINYAK MASAK 2KG", D("9.45")),
               ReceiptItemSpec("GULA PASIR 1KG", D("2.85"), D("2"))),
        tax_rate=D("6"), currency="MYR", cash=D("50.00"), registration="(123456-X)",
        date_style="dmy_slash",
    )


def _receipt_cases() -> list[HardCase]:
    base = base_receipt()
    cases = [
        HardCase("receipt_unlabelled_header", "unlabelled", "receipt", receipt_pdf(base), {
            "merchant_name": base.merchant_name, "merchant_address": ", ".join(base.merchant_address),
            "date": base.purchase_date.isoformat(), "total": f"{base.total:.2f}"}),
    ]
    tagged = replace(base, merchant_name="SYARIKAT ANEKA NIAGA", tagline="Barang Runcit Harian", registration=None)
    cases.append(HardCase("receipt_branch_tagline", "over_capture", "receipt", receipt_pdf(tagged), {
        "merchant_name": tagged.merchant_name, "merchant_address": ", ".join(tagged.merchant_address)}))
    rounded = replace(base, rounding=D("-0.02"), rate_summary=True, amount_prefix="RM")
    cases.append(HardCase("receipt_rounding_cash_change", "which_total", "receipt", receipt_pdf(rounded), {
        "total": f"{rounded.total:.2f}"}))
    for style, day in (("dmy_dash_yy", date(2018, 4, 28)), ("dmy_slash_single", date(2018, 3, 9)),
                       ("dmy_upper_mon", date(2018, 6, 12))):
        spec = replace(base, date_style=style, purchase_date=day, date_label=None)
        cases.append(HardCase(f"receipt_date_{style}", "dates", "receipt", receipt_pdf(spec), {
            "date": day.isoformat()}))
    glued = replace(base, date_style="dmy_slash", purchase_date=date(2017, 5, 30), time="10:18", time_glued=True)
    cases.append(HardCase("receipt_date_time_glued", "dates", "receipt", receipt_pdf(glued), {
        "date": "2017-05-30"}))
    return cases


# -- invoices ------------------------------------------------------------------------------------

def base_invoice() -> InvoiceSpec:
    return InvoiceSpec(
        words=ENGLISH_US, layout="classic", page_size=LETTER,
        number="INV-5531", issue_date=date(2023, 11, 14), due_date=date(2023, 12, 14),
        seller_name="Northwind Fixtures LLC", seller_address=("720 Elm Street", "Madison, WI 53703"),
        seller_contact=("Phone (608) 555-0110", "accounts@northwind.example"),
        buyer_name="Harbor Lane Cafe", buyer_address=("15 Water Street", "Duluth, MN 55802"),
        currency="USD", currency_mark="$", tax_rate=D("5.5"),
        items=(LineItemSpec("Pendant lamp, brushed brass", D("4"), D("89.00")),
               LineItemSpec("Track light rail 6 ft", D("2"), D("54.50")),
               LineItemSpec("Installation (hours)", D("3"), D("65.00"))),
    )


def _invoice_cases() -> list[HardCase]:
    base = base_invoice()
    cases: list[HardCase] = []

    def core(spec: InvoiceSpec) -> dict[str, Any]:
        e = spec.expected()
        return {k: e[k] for k in ("invoice_number", "issue_date", "total", "currency", "seller_name")}

    cases.append(HardCase("invoice_unlabelled_letterhead", "unlabelled", "invoice", invoice_pdf(base), core(base)))
    german = replace(base, words=GERMAN, layout="letter", page_size=(595.0, 842.0), number="RE-2015-0419/504",
                     seller_name="Brandt Werkzeugbau GmbH", seller_address=("Industriestraße 7", "72762 Reutlingen"),
                     buyer_name="Kessler & Sohn KG", buyer_address=("Am Markt 3", "89073 Ulm"), currency="EUR",
                     currency_mark="€", tax_rate=D("19"), issue_style="dmy_dot", due_style="dmy_dot",
                     issue_date=date(2019, 3, 5), due_date=date(2019, 4, 4),
                     footer=("Brandt Werkzeugbau GmbH · Amtsgericht Stuttgart HRB 123456 · USt-IdNr. DE123456789",))
    cases.append(HardCase("invoice_sender_line_dotted_dates", "unlabelled", "invoice", invoice_pdf(german),
                          core(german) | {"buyer_name": german.buyer_name}))
    # Which total: an advance payment deducted after the grand total.
    prepaid = replace(base, prepaid=D("100.00"))
    cases.append(HardCase("invoice_prepayment", "which_total", "invoice", invoice_pdf(prepaid), {
        "total": f"{prepaid.total:.2f}"}))
    # A credit note: negative amounts, its own number, the corrected invoice's number beside it.
    credit_words = replace(ENGLISH_US, title="CREDIT NOTE", number="Credit Note No.:")
    credit = replace(base, words=credit_words, number="CN-0087",
                     items=(LineItemSpec("Pendant lamp, brushed brass (returned)", D("-2"), D("89.00")),),
                     meta_extra=(("Corrects invoice:", "INV-5531"),))
    cases.append(HardCase("credit_note", "which_total", "invoice", invoice_pdf(credit), {
        "invoice_number": "CN-0087", "total": f"{credit.total:.2f}"}))
    # Dates: an ambiguous US date resolved by an unambiguous one on the same page.
    us = replace(base, issue_date=date(2024, 3, 5), due_date=date(2024, 4, 25), issue_style="us_slash",
                 due_style="us_slash")
    cases.append(HardCase("invoice_us_dates", "dates", "invoice", invoice_pdf(us), {"issue_date": "2024-03-05"}))
    # Invoice numbers under other labels and with their own punctuation.
    for label, number in (("Policy No.:", "00.123.456.7-2018-1"), ("Beleg-Nr.:", "E2018-0042"), ("N°", "F/2021/117"),
                          ("#", "A-77310"), ("Invoice\nnumber:", "30064443")):
        words = replace(ENGLISH_US, number=label)
        spec = replace(base, words=words, number=number)
        cases.append(HardCase(f"invoice_number_{label.split()[0].strip(':.#').lower() or 'hash'}", "numbers",
                              "invoice", invoice_pdf(spec), {"invoice_number": number}))
    # Over-capture: the item table right under the buyer's address; a brand line above the name.
    tight = replace(base, table_gap=6.0, brand="NORTHWIND")
    cases.append(HardCase("invoice_tight_buyer_block_brand", "over_capture", "invoice", invoice_pdf(tight), {
        "buyer_address": ", ".join(tight.buyer_address), "seller_name": tight.seller_name}))
    # Look-alikes: '6 ft' in an item, a print date and a received stamp near the issue date.
    stamped = replace(base, meta_extra=(("Printed:", "11/20/2023"),),
                      notes=("Received 11/28/2023 by accounts payable.",))
    cases.append(HardCase("invoice_unit_and_stamp_dates", "look_alikes", "invoice", invoice_pdf(stamped), {
        "currency": "USD", "issue_date": "2023-11-14"}))
    return cases


def labelled_dates_invoice(lines: list[list[tuple[str, str]]], german: bool = False) -> bytes:
    """A one-page text-layer invoice whose header prints several labelled dates: each entry of
    `lines` is one printed line of (label, date text) pairs, left to right ('Delivery date:',
    '1 March 2025'). The issue date is the one whose label names it; the others (delivery, order)
    are look-alikes printed above, below or beside it."""
    words = ("RECHNUNG", "Rechnungsnummer:", "Gesamtbetrag:", "1.250,00 EUR") if german else \
        ("INVOICE", "Invoice number:", "Total:", "EUR 1,250.00")

    def draw(doc) -> None:
        page = doc.new_page(width=595, height=842)
        page.insert_text((50, 60), "Larkspur Trading Ltd", fontsize=16)
        page.insert_text((50, 120), words[0], fontsize=20)
        page.insert_text((50, 160), words[1], fontsize=11)
        page.insert_text((200, 160), "LT-40917", fontsize=11)
        y = 180.0
        for line in lines:
            for k, (label, value) in enumerate(line):
                page.insert_text((50 + 260 * k, y), f"{label} {value}", fontsize=11)
            y += 18
        y += 30
        for k, (item, qty, price) in enumerate((("Desk lamp", "2", "125.00"), ("Shelf unit", "4", "150.00"),
                                                ("Filing box", "10", "40.00"))):
            amount = f"{int(qty) * float(price):,.2f}"
            if german:
                price, amount = price.replace(".", ","), amount.replace(",", "X").replace(".", ",").replace("X", ".")
            for x, text in ((50, item), (300, qty), (380, price), (480, amount)):
                page.insert_text((x, y + 18 * k), text, fontsize=10)
        page.insert_text((330, y + 80), words[2], fontsize=12)
        page.insert_text((450, y + 80), words[3], fontsize=12)

    return _pdf(draw)


def _date_label_cases() -> list[HardCase]:
    """Another date's label ('Delivery date:', 'Order date:', 'Lieferdatum:') above or beside the
    issue date's: the issue date is the one its own label names, whatever the order."""
    cases: list[HardCase] = []
    styles = {"iso": ("2024-06-03", "2024-06-11"), "long": ("3 June 2024", "11 June 2024")}
    for other in ("Delivery date:", "Order date:"):
        for style, (other_date, issue) in styles.items():
            for order in ("other_first", "issue_first"):
                pair = [(other, other_date), ("Invoice date:", issue)]
                if order == "issue_first":
                    pair.reverse()
                for arrangement in ("stacked", "same_line"):
                    lines = [[p] for p in pair] if arrangement == "stacked" else [pair]
                    name = f"date_label_{other.split()[0].lower()}_{style}_{order}_{arrangement}"
                    cases.append(HardCase(name, "dates", "invoice", labelled_dates_invoice(lines),
                                          {"issue_date": "2024-06-11"}))
    for order in ("other_first", "issue_first"):
        pair = [("Lieferdatum:", "03.06.2024"), ("Rechnungsdatum:", "11.06.2024")]
        if order == "issue_first":
            pair.reverse()
        for arrangement in ("stacked", "same_line"):
            lines = [[p] for p in pair] if arrangement == "stacked" else [pair]
            cases.append(HardCase(f"date_label_liefer_{order}_{arrangement}", "dates", "invoice",
                                  labelled_dates_invoice(lines, german=True), {"issue_date": "2024-06-11"}))
    return cases


def hard_cases() -> list[HardCase]:
    """Every generated hard case, receipts first."""
    return _receipt_cases() + _invoice_cases() + _date_label_cases()


def ambiguous_date_invoice(unambiguous_due: bool, seller_name: str = "Northwind Fixtures",
                           due: date | None = None, notes: tuple[str, ...] = ()) -> tuple[bytes, str]:
    """An invoice whose issue date reads both ways ('04/05/2018') with no language, currency or
    country hint; with `unambiguous_due` the due date ('05/20/2018') settles the order; a
    `seller_name` with a legal form of one country ('... LLC') hints at it; `due` and `notes`
    replace the due date and add lines under the table (payment terms). Returns the PDF and the
    issue date the document means."""
    words = InvoiceWords(
        title="INVOICE", number="No.", issue_date="Date:", due_date="Due:", bill_to=None,
        col_description="Item", col_quantity="Qty", col_unit_price="Unit", col_amount="Line",
        subtotal="Subtotal", tax="Tax {rate}%", total="Total", page="{page}/{pages}", continued="",
        numbers="plain")
    spec = replace(base_invoice(), words=words, currency="XXX", currency_mark="", issue_style="us_slash",
                   due_style="us_slash", issue_date=date(2018, 4, 5), seller_name=seller_name,
                   due_date=due or (date(2018, 5, 20) if unambiguous_due else date(2018, 5, 4)),
                   seller_contact=(), meta_extra=(), notes=notes,
                   # addresses that name no country (a US state and ZIP code would hint month first)
                   seller_address=("720 Elm Street", "Riverton 53703"),
                   buyer_address=("15 Water Street", "Lakeside 55802"))
    return invoice_pdf(spec), "2018-04-05"
