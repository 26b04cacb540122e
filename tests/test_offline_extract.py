from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from docpipe.grounding.verify import box_overlap
from docpipe.devtools.synthetic_words import phrase_box, synthetic_page
from docpipe.merge import merge_document
from docpipe.offline.extract import OfflineExtractor
from docpipe.processing.offline import OfflinePageProcessor
from docpipe.records import PageImage
from schemas.invoice import Invoice
from schemas.receipt import Receipt

ENGLISH = [
    (0.08, 0.05, "ACME Widgets Ltd"),
    (0.08, 0.07, "12 Harbour Road, Leeds LS1 4AB"),
    (0.60, 0.05, "INVOICE"),
    (0.60, 0.10, "Invoice No:"), (0.75, 0.10, "INV-2024-0042"),
    (0.60, 0.12, "Invoice Date:"), (0.75, 0.12, "March 5, 2024"),
    (0.60, 0.14, "Due Date:"), (0.75, 0.14, "April 4, 2024"),
    (0.08, 0.18, "Bill To:"),
    (0.08, 0.20, "Globex Corporation"),
    (0.08, 0.22, "99 Main Street, Springfield"),
    (0.08, 0.30, "Description"), (0.55, 0.30, "Qty"), (0.65, 0.30, "Unit Price"), (0.82, 0.30, "Amount"),
    (0.08, 0.33, "Consulting services"), (0.56, 0.33, "10"), (0.65, 0.33, "120.00"), (0.82, 0.33, "1,200.00"),
    (0.08, 0.35, "Travel expenses"), (0.56, 0.35, "1"), (0.65, 0.35, "250.50"), (0.82, 0.35, "250.50"),
    (0.10, 0.365, "(train, two trips)"),
    (0.08, 0.38, "Software licence"), (0.56, 0.38, "3"), (0.65, 0.38, "99.99"), (0.82, 0.38, "299.97"),
    (0.60, 0.44, "Subtotal"), (0.82, 0.44, "1,750.47"),
    (0.60, 0.46, "VAT 20%"), (0.82, 0.46, "350.09"),
    (0.60, 0.48, "Total Due"), (0.82, 0.48, "£2,100.56"),
    (0.08, 0.95, "ACME Widgets Ltd · Registered in England No. 01234567"),
]

GERMAN = [
    (0.08, 0.04, "Müller & Söhne GmbH - Hauptstraße 5 - 80331 München"),
    (0.08, 0.10, "Kunde AG"), (0.08, 0.12, "Lindenweg 3"), (0.08, 0.14, "10115 Berlin"),
    (0.55, 0.10, "Rechnungs-Nr.:"), (0.75, 0.10, "RE-2023-117"),
    (0.55, 0.12, "Rechnungsdatum:"), (0.75, 0.12, "05.06.2023"),
    (0.55, 0.14, "Fällig am:"), (0.75, 0.14, "05.07.2023"),
    (0.08, 0.25, "Pos."), (0.15, 0.25, "Bezeichnung"), (0.55, 0.25, "Menge"), (0.65, 0.25, "Einzelpreis"),
    (0.82, 0.25, "Gesamtpreis"),
    (0.08, 0.28, "1"), (0.15, 0.28, "Beratung vor Ort"), (0.56, 0.28, "8"), (0.66, 0.28, "95,00"),
    (0.83, 0.28, "760,00"),
    (0.08, 0.30, "2"), (0.15, 0.30, "Fahrtkosten"), (0.56, 0.30, "1"), (0.66, 0.30, "45,50"), (0.83, 0.30, "45,50"),
    (0.55, 0.40, "Nettobetrag"), (0.82, 0.40, "805,50"),
    (0.55, 0.42, "MwSt. 19 %"), (0.82, 0.42, "153,05"),
    (0.55, 0.44, "Gesamtbetrag"), (0.82, 0.44, "958,55 €"),
    (0.08, 0.93, "Müller & Söhne GmbH"), (0.08, 0.945, "Amtsgericht München HRB 12345"),
]


def iou(a, b) -> float:
    return box_overlap(a, b)[0]


def check_grounding(result, expected: dict[str, tuple[float, float, str]]) -> None:
    by_field = {g.field: g for g in result.groundings}
    for field, (x, y, text) in expected.items():
        g = by_field[field]
        assert g.grounded and g.source == "words" and 0.0 < g.score <= 1.0, field
        assert iou(g.bbox, phrase_box(x, y, text)) >= 0.5, (field, g.bbox, g.text)


def test_english_invoice() -> None:
    result = OfflineExtractor(Invoice).extract_page(synthetic_page(ENGLISH), page_index=0)
    inv = result.extraction
    assert isinstance(inv, Invoice)
    assert inv.invoice_number == "INV-2024-0042"
    assert inv.issue_date == date(2024, 3, 5) and inv.due_date == date(2024, 4, 4)
    assert inv.seller_name == "ACME Widgets Ltd"
    assert inv.buyer_name == "Globex Corporation"
    assert inv.currency == "GBP"
    assert (inv.subtotal, inv.tax_total, inv.total) == (Decimal("1750.47"), Decimal("350.09"), Decimal("2100.56"))
    assert [(i.quantity, i.unit_price, i.amount) for i in inv.line_items] == [
        (Decimal(10), Decimal("120.00"), Decimal("1200.00")),
        (Decimal(1), Decimal("250.50"), Decimal("250.50")),
        (Decimal(3), Decimal("99.99"), Decimal("299.97")),
    ]
    assert inv.line_items[1].description == "Travel expenses (train, two trips)"  # wrapped line joins its item
    assert result.table_rows == {"line_items": 3}
    check_grounding(result, {
        "invoice_number": (0.75, 0.10, "INV-2024-0042"),
        "issue_date": (0.75, 0.12, "March 5, 2024"),
        "total": (0.82, 0.48, "£2,100.56"),
        "tax_total": (0.82, 0.46, "350.09"),
        "buyer_name": (0.08, 0.20, "Globex Corporation"),
        "line_items[2].amount": (0.82, 0.38, "299.97"),
        "line_items[0].quantity": (0.56, 0.33, "10"),
    })
    # Every value carries exactly one grounding.
    values = {k for k, v in inv.model_dump(exclude={"line_items"}).items() if v is not None}
    assert values <= {g.field for g in result.groundings}


def test_german_invoice() -> None:
    result = OfflineExtractor(Invoice).extract_page(synthetic_page(GERMAN), page_index=1)
    inv = result.extraction
    assert inv.invoice_number == "RE-2023-117"
    assert inv.issue_date == date(2023, 6, 5) and inv.due_date == date(2023, 7, 5)
    # The customer's 'Kunde AG' also has a legal form; the issuer is the repeated sender/footer name.
    assert inv.seller_name == "Müller & Söhne GmbH"
    assert inv.currency == "EUR"
    assert (inv.subtotal, inv.tax_total, inv.total) == (Decimal("805.50"), Decimal("153.05"), Decimal("958.55"))
    assert [(i.description, i.quantity, i.amount) for i in inv.line_items] == [
        ("Beratung vor Ort", Decimal(8), Decimal("760.00")),
        ("Fahrtkosten", Decimal(1), Decimal("45.50")),
    ]
    assert all(g.page_index == 1 for g in result.groundings)
    check_grounding(result, {
        "invoice_number": (0.75, 0.10, "RE-2023-117"),
        "issue_date": (0.75, 0.12, "05.06.2023"),
        "total": (0.82, 0.44, "958,55 €"),
        "line_items[0].description": (0.15, 0.28, "Beratung vor Ort"),
    })


def test_total_is_the_largest_labelled_total_and_issue_date_falls_back_to_the_header() -> None:
    page = [
        (0.08, 0.06, "Rechnung Nr. 4711 vom 03.02.2021"),
        (0.08, 0.30, "Gesamtbetrag der Zuschläge"), (0.80, 0.30, "5,80"),
        (0.08, 0.32, "Bruttosumme"), (0.80, 0.32, "215,07"),
        (0.08, 0.34, "Erhaltene Anzahlungen"), (0.80, 0.34, "-50,00"),
        (0.08, 0.36, "Zahlbetrag"), (0.80, 0.36, "165,07"),
    ]
    inv = OfflineExtractor(Invoice).extract_page(synthetic_page(page), 0).extraction
    assert inv.total == Decimal("215.07")
    assert inv.invoice_number == "4711"
    assert inv.issue_date == date(2021, 2, 3)


def test_schema_without_labels() -> None:
    class Shipment(BaseModel):
        tracking_number: str | None = None
        ship_date: date | None = None
        weight: Decimal | None = None
        carrier_name: str | None = None
        pieces: int | None = Field(None, description="Number of parcels.")

    page = [
        (0.1, 0.10, "Tracking Number:"), (0.4, 0.10, "1Z999AA10123456784"),
        (0.1, 0.12, "Ship Date:"), (0.4, 0.12, "2024-01-15"),
        (0.1, 0.14, "Weight:"), (0.4, 0.14, "12.5 kg"),
        (0.1, 0.16, "Carrier Name:"), (0.4, 0.16, "FastFreight Inc"),
        (0.1, 0.18, "Pieces:"), (0.4, 0.18, "3"),
    ]
    result = OfflineExtractor(Shipment).extract_page(synthetic_page(page), 0)
    assert result.extraction == Shipment(tracking_number="1Z999AA10123456784", ship_date=date(2024, 1, 15),
                                         weight=Decimal("12.5"), carrier_name="FastFreight Inc", pieces=3)
    assert {g.field for g in result.groundings} == set(Shipment.model_fields)


def test_values_that_do_not_validate_are_dropped_with_a_note() -> None:
    class Strict(BaseModel):
        currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", json_schema_extra={"kind": "text"})
        total: Decimal | None = None

    page = [(0.1, 0.1, "Currency: euro"), (0.1, 0.12, "Total: 12.00")]
    result = OfflineExtractor(Strict).extract_page(synthetic_page(page), 0)
    assert result.extraction.currency is None and result.extraction.total == Decimal("12.00")
    assert any(n.startswith("currency:") for n in result.notes)
    assert [g.field for g in result.groundings] == ["total"]


def test_empty_page_and_other_builtin_schema() -> None:
    empty = OfflineExtractor(Invoice).extract_page([], 0)
    assert empty.extraction == Invoice() and empty.groundings == []
    receipt = OfflineExtractor(Receipt).extract_page(synthetic_page([
        (0.3, 0.05, "CORNER SHOP LTD"), (0.1, 0.10, "Date: 12/03/2024"), (0.1, 0.30, "TOTAL"), (0.6, 0.30, "€ 7,40"),
    ]), 0).extraction
    assert receipt.total == Decimal("7.40") and receipt.currency == "EUR" and receipt.date == date(2024, 3, 12)
    assert receipt.merchant_name == "CORNER SHOP LTD"


def _page(words, index: int, count: int) -> PageImage:
    return PageImage(doc_id="d", source_path="d.pdf", kind="pdf", page_index=index, page_count=count,
                     total_pages=count, width_pt=612, height_pt=792, words=words, word_source="pdf_text")


def test_offline_pages_merge_through_the_one_merge_policy() -> None:
    page2 = [(0.60, 0.10, "Invoice No:"), (0.75, 0.10, "INV-2024-0042"),
             (0.08, 0.30, "Description"), (0.55, 0.30, "Qty"), (0.82, 0.30, "Amount"),
             (0.08, 0.33, "Delivery"), (0.56, 0.33, "1"), (0.82, 0.33, "15.00")]
    processor = OfflinePageProcessor(Invoice, ["extract", "ground"], "pdf_text")
    pages = processor([(_page(synthetic_page(ENGLISH), 0, 2), None), (_page(synthetic_page(page2), 1, 2), None)])
    merged = merge_document(pages, Invoice)
    model, groundings = merged.values, merged.grounding
    assert len(model.line_items) == 4 and model.line_items[3].amount == Decimal("15.00")
    by_field = {g.field: g for g in groundings}
    assert by_field["line_items[3].amount"].page_index == 1
    assert by_field["total"].page_index == 0 and model.total == Decimal("2100.56")


def test_odd_field_types_are_skipped_or_validated() -> None:
    from enum import Enum

    class Colour(str, Enum):
        red = "red"

    class Address(BaseModel):
        street: str | None = None

    class Odd(BaseModel):
        colour: Colour | None = None
        paid: bool | None = None
        tags: list[str] = Field(default_factory=list)
        address: Address | None = None
        amount: float | None = None

    page = [(0.1, 0.1, "Colour: blue"), (0.1, 0.12, "Paid: yes"), (0.1, 0.14, "Amount: 1.234,50")]
    result = OfflineExtractor(Odd).extract_page(synthetic_page(page), 0)
    assert result.extraction.colour is None and any(n.startswith("colour:") for n in result.notes)
    assert result.extraction.paid is True and result.extraction.amount == 1234.5
    assert result.extraction.tags == [] and result.extraction.address is None
