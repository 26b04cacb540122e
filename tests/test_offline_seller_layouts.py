"""Who issued the invoice, wherever the layout prints it (issue 11, unlabelled and party fields).

Generated invoices (`docpipe.devtools.seller_layouts`) put the seller in a letterhead (left, right,
centred in capitals), under a label beside the buyer's block, in a right-hand column, only in the
legal footer, only in the sender line above the address window, with its legal form on a second
line, or with no legal form at all; in German, French, English, Spanish, Italian and Dutch. Each goes
through the product's word reader, the offline page processor and the merge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from docpipe.devtools.seller_layouts import LANGUAGES, SELLER_KINDS, varied_invoices
from docpipe.devtools.synthetic_words import synthetic_page
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.normalize import values_equal
from docpipe.offline.parties import contact_below, imprint_names
from schemas.invoice import Invoice
from tests.offline_run import run_offline

SEED = 7  # the generated sets measured while developing were seeds 0-2


def _cases(kind: str):
    """Two languages per kind, rotating, so that every language meets several kinds."""
    k = SELLER_KINDS.index(kind)
    langs = (LANGUAGES[k % len(LANGUAGES)], LANGUAGES[(k + 3) % len(LANGUAGES)])
    return varied_invoices(SEED, kinds=(kind,), languages=langs)


def _read(pdf: bytes, tmp: Path):
    return run_offline(pdf, "invoice.pdf", Invoice, tmp)


@pytest.mark.parametrize("kind", SELLER_KINDS)
def test_seller_name_wherever_the_layout_prints_it(kind: str, tmp_path: Path) -> None:
    for case in _cases(kind):
        merged = _read(case.pdf, tmp_path)
        got = merged.values.seller_name
        assert values_equal(got, case.expected["seller_name"], "name"), (case.name, got, case.expected["seller_name"])
        assert not values_equal(got, case.expected["buyer_name"], "name"), case.name
        g = next(g for g in merged.grounding if g.field == "seller_name")
        assert g.grounded and g.bbox is not None, (case.name, g)


def test_a_legal_name_opening_a_registration_line_is_an_imprint() -> None:
    page = synthetic_page([
        (0.08, 0.20, "Kessler Bau AG"), (0.08, 0.215, "Hafenweg 3"), (0.08, 0.23, "20457 Hamburg"),
        (0.08, 0.93, "Lindqvist Logistik GmbH · Amtsgericht Kassel HRB 4711 · USt-IdNr. DE123456789"),
        (0.08, 0.95, "Mortensen Druck KG · Hauptstraße 5 · 34117 Kassel"),
    ])
    layout = PageLayout(page)
    found = imprint_names(layout, set())
    assert [r.value for r in found] == ["Lindqvist Logistik GmbH", "Mortensen Druck KG"]
    assert found[0].quality > found[1].quality  # registration words say more than an address
    # The buyer block's name opens no such line; excluded rows (a labelled buyer block) are skipped.
    assert imprint_names(layout, {layout.tokens[found[0].tokens[0]].row}) == found[1:]


def test_contact_lines_under_a_name_mark_the_issuer() -> None:
    page = synthetic_page([
        (0.08, 0.05, "Brandt Feinwerk GmbH"), (0.08, 0.065, "Industriestraße 12"), (0.08, 0.08, "70565 Stuttgart"),
        (0.08, 0.095, "Tel. 0711 555 3210"),
        (0.55, 0.05, "Hansen & Co. KG"), (0.55, 0.065, "Hafenweg 3"), (0.55, 0.08, "20457 Hamburg"),
    ])
    layout = PageLayout(page)
    names = {r.value: r for r in imprint_names(layout, set())}
    assert not names  # neither opens a registration or address line
    tokens = {layout.text_of([t]): t for t in range(len(layout.tokens))}
    assert contact_below(layout, [tokens["Brandt"], tokens["Feinwerk"], tokens["GmbH"]])
    assert not contact_below(layout, [tokens["Hansen"], tokens["&"], tokens["Co."], tokens["KG"]])


@pytest.mark.parametrize("kind", ["footer_only", "columns_buyer_left"])
def test_unlabelled_buyer_block_beside_an_issuer_shown_elsewhere(kind: str, tmp_path: Path) -> None:
    """No 'Bill to' label: the address block without contact lines is the buyer's when the page
    shows its issuer elsewhere (contact lines under the seller's block, an imprint footer)."""
    for case in _cases(kind):
        merged = _read(case.pdf, tmp_path)
        got = merged.values.buyer_name
        assert values_equal(got, case.expected["buyer_name"], "name"), (case.name, got, case.expected["buyer_name"])
        assert not values_equal(got, case.expected["seller_name"], "name"), case.name


def test_no_recipient_block_is_guessed_without_an_issuer_elsewhere() -> None:
    """One address block and nothing saying it is the issuer's: it is not offered as the buyer."""
    from docpipe.offline.generate import recipient_blocks

    page = synthetic_page([(0.08, 0.05, "Hansen Handel KG"), (0.08, 0.065, "Hafenweg 3"), (0.08, 0.08, "20457 Hamburg"),
                           (0.60, 0.30, "Total"), (0.80, 0.30, "120.00")])
    assert recipient_blocks(PageLayout(page)) == []


def test_a_label_under_the_sender_line_is_not_the_recipient(tmp_path: Path) -> None:
    """Sender line, then 'Billed to' over the buyer's block: the name is the line under the label."""
    import random
    from dataclasses import replace

    from docpipe.devtools.hard_cases import invoice_pdf
    from docpipe.devtools.invoice_layout import HeadStyle
    from docpipe.devtools.seller_layouts import varied_invoice

    english = next(lang for lang in LANGUAGES if lang.code == "en")
    spec, expected = varied_invoice("letterhead_left", english, random.Random(SEED))
    spec = replace(spec, head=HeadStyle("left", sender_line=True), buyer_name="Pablo Moreau")
    merged = _read(invoice_pdf(spec), tmp_path)
    assert merged.values.buyer_name == "Pablo Moreau"
    assert values_equal(merged.values.seller_name, expected["seller_name"], "name")


def test_a_sole_traders_letterhead_beats_a_buyer_block_with_a_legal_form(tmp_path: Path) -> None:
    """No legal form in the seller's name, a title printed beside its letterhead, an unlabelled buyer
    block that has one: the letterhead with its contact lines is the issuer."""
    import random
    from dataclasses import replace

    from docpipe.devtools.hard_cases import invoice_pdf
    from docpipe.devtools.invoice_layout import HeadStyle
    from docpipe.devtools.seller_layouts import varied_invoice

    german = next(lang for lang in LANGUAGES if lang.code == "de")
    for n, name in enumerate(("Anna Keller", "Druckerei Wendel")):
        spec, _ = varied_invoice("no_legal_form", german, random.Random(SEED + n))
        spec = replace(spec, head=HeadStyle("left"), seller_name=name, buyer_name="Lorsch Holzbau KG", footer=())
        merged = _read(invoice_pdf(spec), tmp_path)
        assert merged.values.seller_name == name
        assert merged.values.buyer_name == "Lorsch Holzbau KG"


def test_a_return_address_whose_dot_separator_the_scan_glued_to_the_postcode_still_heads_the_window() -> None:
    """'… Rundisallee 102 ·41935 Kassel': OCR glues the '·' to the postcode; the sender line still
    splits into name, street and city, so the block under it is the recipient."""
    from docpipe.offline.parties import window_recipient
    from docpipe.records import Word

    words: list[Word] = []

    def line(text: str, y: float, line_id: int, char: float = 0.009) -> None:
        x = 0.08
        for piece in text.split():
            words.append(Word(text=piece, bbox=(x, y, x + char * len(piece), y + 0.011), conf=0.98, line_id=line_id))
            x += char * (len(piece) + 1)

    line("Kertaro Logistik GmbH · Rundisallee 102 ·41935 Kassel", 0.20, 0, char=0.006)
    line("Marco Weber", 0.22, 1)
    line("Am Murtisweg 79", 0.236, 2)
    line("24629 Freiburg", 0.252, 3)
    found = window_recipient(PageLayout(words))
    assert found is not None
    name, address = found
    assert name.value == "Marco Weber" and address.value == "Am Murtisweg 79 24629 Freiburg"


@pytest.mark.parametrize("name,line,address", [
    ("Kestrel & Moss Design Studio", "Level 3, 27 Harbour Road  |  Wellington 6011, New Zealand  |  GST No. 112-445-901",
     "Level 3, 27 Harbour Road Wellington 6011, New Zealand"),
    ("Bakkerij De Zuiderhoeve", "Markt 9  |  9711 AB Groningen", "Markt 9 9711 AB Groningen"),
    ("Gletscherblick Software AG", "Seestrasse 12  |  8002 Zürich  |  MWST-Nr. CHE-111.222.333 MWST",
     "Seestrasse 12 8002 Zürich"),
    ("Cerámicas del Júcar S.L.", "Calle de la Loza 23 · 46011 Valencia · CIF: B-11223344",
     "Calle de la Loza 23 46011 Valencia"),
])
def test_a_letterhead_address_on_one_line_of_separated_parts(name: str, line: str, address: str) -> None:
    from docpipe.offline.extract import OfflineExtractor

    page = synthetic_page([(0.33, 0.05, name), (0.25, 0.075, line), (0.08, 0.12, "INVOICE"),
                           (0.08, 0.15, "Invoice No. KM-0097"), (0.08, 0.165, "Invoice Date 30/11/2023"),
                           (0.55, 0.12, "Bill To"), (0.55, 0.135, "Waikanae Growers Ltd"),
                           (0.55, 0.15, "88 Rangiuru Road"), (0.55, 0.165, "Otaki 5512"),
                           (0.55, 0.40, "Total NZD 1,234.50")])
    got = OfflineExtractor(Invoice).extract_page(page, 0).extraction
    assert values_equal(got.seller_name, name, "name"), got.seller_name
    assert values_equal(got.seller_address, address, "address"), got.seller_address


def test_a_house_number_of_four_digits_is_not_the_postcode_of_a_right_hand_letterhead() -> None:
    from docpipe.offline.extract import OfflineExtractor

    page = synthetic_page([(0.08, 0.04, "INVOICE"), (0.70, 0.04, "Red Butte Landscaping LLC"),
                           (0.70, 0.055, "4410 Canyon View Dr"), (0.70, 0.07, "Albuquerque, NM 87111"),
                           (0.70, 0.085, "(505) 111-2222"), (0.08, 0.16, "Bill To"), (0.08, 0.175, "Juniper Flats HOA"),
                           (0.08, 0.19, "900 Tramway Blvd NE"), (0.08, 0.205, "Albuquerque, NM 87122"),
                           (0.55, 0.16, "Invoice # 10472"), (0.55, 0.175, "Date 03/14/2024"),
                           (0.55, 0.40, "Total Due $4,843.26")])
    got = OfflineExtractor(Invoice).extract_page(page, 0).extraction
    assert values_equal(got.seller_name, "Red Butte Landscaping LLC", "name"), got.seller_name
    assert values_equal(got.seller_address, "4410 Canyon View Dr Albuquerque, NM 87111", "address"), got.seller_address


def test_two_blocks_side_by_side_on_a_sparse_page_are_not_running_text() -> None:
    # A short invoice: the buyer's lines share rows with the number and date lines on the right,
    # and the letterhead's address is one line of separated parts. Neither is a sentence, so the
    # page is not read as prose (which dropped the labelled buyer for the seller's name).
    from docpipe.offline import prose
    from docpipe.offline.extract import OfflineExtractor

    def at(x: float, y: float, text: str) -> tuple[float, float, str]:
        return (x / 595, y / 842, text)

    page = synthetic_page([
        at(50, 45, "Westwind Analytics Ltd"), at(50, 71, "14 Kings Road | London SW3 4RP | United Kingdom | VAT GB111222333"),
        at(400, 113, "INVOICE"), at(350, 151, "Invoice No: WA-2024-0117"), at(350, 164, "Invoice Date: 12 March 2024"),
        at(350, 177, "Due Date: 11 April 2024"), at(50, 151, "Bill To:"), at(50, 164, "Harbour Foods plc"),
        at(50, 177, "22 Dock Street, Leith EH6 6ED"), at(350, 303, "Subtotal"), at(480, 303, "2,100.00"),
        at(350, 319, "VAT 20%"), at(480, 319, "420.00"), at(350, 336, "Total GBP"), at(480, 336, "2,520.00")])
    assert prose.running_rows(PageLayout(page)) == set()
    got = OfflineExtractor(Invoice).extract_page(page, 0).extraction
    assert got.buyer_name == "Harbour Foods plc" and got.seller_name == "Westwind Analytics Ltd"
    # a sentence printed in two pieces close together is still running text
    prose_page = synthetic_page([(0.08, 0.10, "This Agreement is made between the parties named below and"),
                                 (0.50, 0.10, "shall be governed by the laws of England")])
    assert prose.running_rows(PageLayout(prose_page)) == {0}
