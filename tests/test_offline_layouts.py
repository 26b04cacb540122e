"""Offline extraction on common layouts: window letters, currency with the total, table ends."""

from __future__ import annotations

from decimal import Decimal

from docpipe.grounding.verify import box_overlap
from docpipe.devtools.synthetic_words import phrase_box, synthetic_page
from docpipe.offline.extract import OfflineExtractor
from schemas.invoice import Invoice

WINDOW_LETTER = [
    (0.08, 0.04, "Brandt Feinwerk GmbH"), (0.08, 0.06, "Industriestraße 12"), (0.08, 0.08, "70565 Stuttgart"),
    (0.08, 0.165, "Brandt Feinwerk GmbH · Industriestraße 12 · 70565 Stuttgart"),
    (0.08, 0.185, "Hansen & Co. KG"), (0.08, 0.20, "Hafenweg 3"), (0.08, 0.215, "20457 Hamburg"),
    (0.60, 0.185, "Rechnungsnummer"), (0.78, 0.185, "RE-2024-0815"),
    (0.60, 0.20, "Rechnungsdatum"), (0.78, 0.20, "05.06.2024"),
    (0.08, 0.30, "Bezeichnung"), (0.55, 0.30, "Menge"), (0.68, 0.30, "Einzelpreis"), (0.84, 0.30, "Betrag"),
    (0.08, 0.33, "Passstift 6 mm"), (0.56, 0.33, "10"), (0.68, 0.33, "2,50 €"), (0.84, 0.33, "25,00 €"),
    (0.08, 0.35, "Fräsarbeiten"), (0.56, 0.35, "2"), (0.68, 0.35, "80,00 €"), (0.84, 0.35, "160,00 €"),
    (0.60, 0.42, "Nettobetrag"), (0.84, 0.42, "185,00 €"),
    (0.60, 0.44, "MwSt. 19 %"), (0.84, 0.44, "35,15 €"),
    (0.60, 0.46, "Gesamtbetrag"), (0.84, 0.46, "220,15 €"),
]


def _by_field(result) -> dict:
    return {g.field: g for g in result.groundings}


def test_window_letter_recipient_without_a_label() -> None:
    result = OfflineExtractor(Invoice).extract_page(synthetic_page(WINDOW_LETTER), 0)
    inv = result.extraction
    assert inv.seller_name == "Brandt Feinwerk GmbH"  # the recipient's 'KG' is not the issuer
    assert inv.buyer_name == "Hansen & Co. KG"
    assert inv.buyer_address == "Hafenweg 3 20457 Hamburg"
    g = _by_field(result)
    assert box_overlap(g["buyer_name"].bbox, phrase_box(0.08, 0.185, "Hansen & Co. KG"))[0] >= 0.9
    assert g["buyer_address"].text == "Hafenweg 3 20457 Hamburg"


def test_return_address_line_alone_is_not_a_recipient() -> None:
    page = [(0.08, 0.165, "Brandt Feinwerk GmbH · Industriestraße 12 · 70565 Stuttgart"),
            (0.08, 0.185, "Sehr geehrte Damen und Herren,")]
    inv = OfflineExtractor(Invoice).extract_page(synthetic_page(page), 0).extraction
    assert inv.buyer_name is None and inv.buyer_address is None


def test_currency_is_grounded_beside_the_total_and_amounts_without_the_symbol() -> None:
    result = OfflineExtractor(Invoice).extract_page(synthetic_page(WINDOW_LETTER), 0)
    assert result.extraction.currency == "EUR" and result.extraction.total == Decimal("220.15")
    g = _by_field(result)
    assert g["currency"].text == "€"
    total_box = phrase_box(0.84, 0.46, "220,15 €")
    assert g["currency"].bbox[1] == total_box[1] and g["currency"].bbox[0] > 0.84
    assert g["total"].text == "220,15"
    assert box_overlap(g["total"].bbox, phrase_box(0.84, 0.46, "220,15"))[0] >= 0.95
    assert g["line_items[1].amount"].text == "160,00"


def test_footer_lines_do_not_join_the_last_item() -> None:
    page = [
        (0.08, 0.30, "Description"), (0.55, 0.30, "Qty"), (0.68, 0.30, "Rate"), (0.84, 0.30, "Amount"),
        (0.08, 0.33, "Launch day support"), (0.56, 0.33, "4"), (0.68, 0.33, "60.00"), (0.84, 0.33, "240.00"),
        (0.08, 0.345, "(hours, on site)"),
        (0.08, 0.36, "Presentation boards A2"), (0.56, 0.36, "3"), (0.68, 0.36, "38.00"), (0.84, 0.36, "114.00"),
        (0.08, 0.39, "Harbour Lane Design Ltd in"), (0.60, 0.39, "Account 12345678"),
        (0.08, 0.405, "Registered in England No. 09876543"),
    ]
    result = OfflineExtractor(Invoice).extract_page(synthetic_page(page), 0)
    items = result.extraction.line_items
    assert [i.description for i in items] == ["Launch day support (hours, on site)", "Presentation boards A2"]
    assert result.table_rows == {"line_items": 2}


def test_a_continued_overleaf_line_ends_the_table_on_this_page() -> None:
    page = [
        (0.08, 0.30, "Description"), (0.55, 0.30, "Qty"), (0.84, 0.30, "Amount"),
        (0.08, 0.33, "Delivery"), (0.56, 0.33, "1"), (0.84, 0.33, "15.00"),
        (0.70, 0.345, "Continued overleaf"),
        (0.56, 0.36, "1"), (0.84, 0.36, "15.00"),  # a page count and sum under the note
    ]
    result = OfflineExtractor(Invoice).extract_page(synthetic_page(page), 0)
    assert result.table_rows == {"line_items": 1}


def test_text_after_a_gap_is_not_a_wrapped_description() -> None:
    page = [
        (0.08, 0.30, "Description"), (0.55, 0.30, "Qty"), (0.84, 0.30, "Amount"),
        (0.08, 0.33, "Delivery"), (0.56, 0.33, "1"), (0.84, 0.33, "15.00"),
        (0.08, 0.36, "Thank you for your order"),
    ]
    items = OfflineExtractor(Invoice).extract_page(synthetic_page(page), 0).extraction.line_items
    assert [i.description for i in items] == ["Delivery"]
