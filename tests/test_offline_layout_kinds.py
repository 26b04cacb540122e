"""Layout kinds a fourth fresh-user round found, each on generated word layers with a known answer:
labels broken over two lines of a narrow box, a bare 'Número:' and a policy number as the
document's number (never a party's 'Nummer:'), the dollar of the country the page points to, a
currency code in a column between a total's label and its amount, the tax 'included in total',
a letterhead name over its share-capital line, an owner line under a trading name, and the
sender's name opening a window letter's return address."""

from __future__ import annotations

import pytest

from docpipe.devtools.synthetic_words import synthetic_page
from docpipe.grounding.currency import detect_currency
from docpipe.offline.extract import OfflineExtractor
from schemas.invoice import Invoice
from schemas.receipt import Receipt


def _values(phrases, schema=Invoice) -> dict:
    return OfflineExtractor(schema).extract_page(synthetic_page(phrases), 0).extraction.model_dump()


HEAD = [(0.08, 0.05, "Northgate Print & Signs Ltd"), (0.08, 0.065, "5 Canal Wharf, Leeds LS11 5PS")]
TOTAL = [(0.6, 0.6, "Total"), (0.8, 0.6, "£658.80")]


def test_a_label_broken_over_two_lines_with_its_value_beside_the_second() -> None:
    page = HEAD + [(0.62, 0.12, "Invoice"), (0.62, 0.135, "No."), (0.75, 0.135, "NPS-7741"),
                   (0.62, 0.16, "Invoice"), (0.62, 0.175, "Date"), (0.75, 0.175, "28/02/2025")] + TOTAL
    values = _values(page)
    assert values["invoice_number"] == "NPS-7741"
    assert str(values["issue_date"]) == "2025-02-28"


def test_a_label_broken_over_two_centred_lines_with_its_value_below() -> None:
    page = HEAD + [(0.16, 0.12, "Invoice"), (0.155, 0.135, "Number"), (0.15, 0.16, "PL-0925"),
                   (0.40, 0.12, "Customer"), (0.42, 0.135, "ID"), (0.40, 0.16, "HOA-22")] + TOTAL
    assert _values(page)["invoice_number"] == "PL-0925"


def test_two_words_on_consecutive_lines_of_different_columns_are_not_one_label() -> None:
    # 'Invoice' heading one column, 'No.' far to the right on the next line: no label, no number.
    page = HEAD + [(0.08, 0.12, "Invoice"), (0.70, 0.135, "No."), (0.80, 0.135, "X-1")] + TOTAL
    assert _values(page)["invoice_number"] != "X-1"


def test_a_policy_number_is_the_number_of_an_insurers_bill_but_an_invoice_number_wins() -> None:
    insurer = [(0.08, 0.05, "Hartwell & Crane Insurance Ltd"), (0.08, 0.065, "12 Gresham Street, London EC2V 7JE"),
               (0.6, 0.12, "Policy No."), (0.75, 0.12, "HCI/PRO/2210583"), (0.6, 0.135, "Issued"),
               (0.75, 0.135, "12 February 2025"), (0.6, 0.6, "Total amount payable"), (0.85, 0.6, "£2,240.00")]
    assert _values(insurer)["invoice_number"] == "HCI/PRO/2210583"
    both = insurer + [(0.6, 0.15, "Invoice No."), (0.75, 0.15, "INV-5512")]
    assert _values(both)["invoice_number"] == "INV-5512"


def test_a_bare_number_label_in_a_partys_block_is_the_partys_number() -> None:
    page = [(0.08, 0.05, "Muster GmbH"), (0.08, 0.065, "Musterstr. 12"), (0.08, 0.08, "12345 Musterstadt"),
            (0.08, 0.20, "Verkäufer"), (0.08, 0.215, "Nummer: 549910"), (0.08, 0.23, "Muster GmbH"),
            (0.55, 0.5, "Gesamtbetrag 1.234,56 €")]
    assert _values(page)["invoice_number"] is None
    # The same label opening a line of its own under the title is the document's number.
    own = page[:3] + [(0.08, 0.15, "RECHNUNG"), (0.08, 0.165, "Nummer: RE-7781")] + page[3:]
    assert _values(own)["invoice_number"] == "RE-7781"


@pytest.mark.parametrize(("words", "code"), [
    ("Harbourside Pharmacy Shop 3, 41 Beach Rd, Manly NSW 2095 ABN 12 345 678 901 TOTAL $35.65", "AUD"),
    ("Maple Hardware 200 King St W Toronto ON M5V 2T6 GST/HST 81234 TOTAL $12.40", "CAD"),
    ("Redwood Coffee 880 Harbor Blvd, Eureka, CA 95501 TOTAL $12.00", "USD"),
    ("Corner Shop TOTAL $12.00", "USD"),  # nothing on the page says otherwise
    ("Kiwi Deli Auckland, New Zealand TOTAL $9.50", "NZD"),
])
def test_the_dollar_of_the_country_the_page_points_to(words: str, code: str) -> None:
    assert detect_currency(words.split())[0] == code


def test_a_receipts_total_with_its_currency_code_in_a_column_and_the_tax_included_in_it() -> None:
    page = [(0.1, 0.03, "Kowhai Cafe & Bakery"), (0.1, 0.045, "15 Victoria St"), (0.1, 0.06, "Hamilton 3204"),
            (0.1, 0.10, "Flat White"), (0.7, 0.10, "6.20"), (0.1, 0.115, "Mince Pie"), (0.7, 0.115, "5.30"),
            (0.1, 0.14, "TOTAL"), (0.45, 0.14, "NZD"), (0.7, 0.14, "11.50"),
            (0.1, 0.155, "EFTPOS"), (0.7, 0.155, "11.50"),
            (0.1, 0.18, "GST included in total:"), (0.7, 0.18, "1.50")]
    values = _values(page, Receipt)
    assert str(values["total"]) == "11.50" and values["currency"] == "NZD"


def test_a_letterhead_over_its_share_capital_line_is_the_seller_not_the_address_window() -> None:
    page = [(0.08, 0.05, "ÉLECTRICITÉ MARTIN & CIE"), (0.08, 0.08, "SAS au capital de 50 000 €"),
            (0.08, 0.095, "7 avenue Jean Jaurès"), (0.08, 0.11, "31000 Toulouse"), (0.08, 0.125, "Tél. 05 61 00 12 34"),
            (0.55, 0.14, "Copropriété Les Jardins d'Ariane"), (0.55, 0.155, "14 rue d'Alsace-Lorraine"),
            (0.55, 0.17, "31000 Toulouse"), (0.08, 0.25, "Avoir n° : AV-2025-012"),
            (0.6, 0.6, "Net à déduire TTC"), (0.85, 0.6, "-300,00 €")]
    assert _values(page)["seller_name"] == "ÉLECTRICITÉ MARTIN & CIE"


def test_an_owner_line_under_the_trading_name_is_not_the_seller_and_the_sender_line_names_it() -> None:
    page = [(0.35, 0.04, "Weinkontor Rheinblick"), (0.33, 0.06, "Inh. Sabine Auer e.K. · Weinhandel & Präsente"),
            (0.08, 0.13, "Weinkontor Rheinblick · Rheinallee 3 · 55411 Bingen am Rhein"),
            (0.08, 0.15, "Hotel Zur Post GmbH"), (0.08, 0.165, "Marktplatz 9"), (0.08, 0.18, "56068 Koblenz"),
            (0.6, 0.15, "Gutschrift-Nr. GS-2025/007"), (0.6, 0.6, "Gutschriftsbetrag"), (0.85, 0.6, "-119,00 €")]
    values = _values(page)
    assert values["seller_name"] == "Weinkontor Rheinblick"
    assert values["buyer_name"] == "Hotel Zur Post GmbH"


def test_a_users_number_field_matches_the_usual_short_forms_of_its_label() -> None:
    from pydantic import BaseModel

    from docpipe.fields import field_specs, number_label_variants

    assert number_label_variants("delivery note number")[:4] == [
        "delivery note no", "delivery note nr", "delivery note #", "note number"]
    assert number_label_variants("effective date") == []

    class DeliveryNote(BaseModel):  # a user's schema: no docpipe hints
        delivery_note_number: str | None = None
        carrier: str | None = None

    assert "note no" in field_specs(DeliveryNote)[0].labels
    page = [(0.08, 0.05, "Thornbury Steel Fabrications Ltd"), (0.55, 0.10, "Despatch Note No."),
            (0.75, 0.10, "DN-44817"), (0.55, 0.115, "Carrier"), (0.55, 0.13, "Consignment No."),
            (0.75, 0.13, "PW 7781")]
    values = _values(page, DeliveryNote)
    assert values["delivery_note_number"] == "DN-44817"
    assert values["carrier"] is None  # the next label of the column is not its value


def test_a_text_value_in_a_box_of_labels_and_values_is_read_without_a_colon() -> None:
    from pydantic import BaseModel

    class DeliveryNote(BaseModel):  # a user's schema: no docpipe hints
        delivery_note_number: str | None = None
        carrier: str | None = None

    box = [(0.55, 0.10, "Despatch Note No."), (0.75, 0.10, "DN-44817"), (0.55, 0.115, "Despatch Date"),
           (0.75, 0.115, "19 May 2025"), (0.55, 0.13, "Sales Order"), (0.75, 0.13, "SO-21190"),
           (0.55, 0.145, "Carrier"), (0.75, 0.145, "Palletways UK"), (0.55, 0.16, "Consignment No."),
           (0.75, 0.16, "PW 7781 2290")]
    head = [(0.08, 0.05, "Thornbury Steel Fabrications Ltd")]
    assert _values(head + box, DeliveryNote)["carrier"] == "Palletways UK"
    # Alone on its row, the word beside a label without a colon may be the next heading: not read.
    assert _values(head + box[6:8], DeliveryNote)["carrier"] is None

    class Job(BaseModel):
        project: str | None = None
        site: str | None = None

    # Headings side by side over their own columns: the next heading is no value of the first.
    page = [(0.08, 0.20, "Project"), (0.45, 0.20, "Site"), (0.08, 0.215, "Harbour Bridge Refit"),
            (0.45, 0.215, "Pier 4 Dockside"), (0.08, 0.23, "12 Quay Street"), (0.45, 0.23, "7 Dock Road")]
    assert _values(page, Job)["project"] != "Site"


def test_no_due_date_is_made_up_from_a_later_date_that_only_satisfies_due_after_issue() -> None:
    page = [(0.08, 0.05, "Hartwell & Crane Insurance Ltd"), (0.08, 0.065, "12 Gresham Street, London EC2V 7JE"),
            (0.6, 0.12, "Invoice No. INV-77"), (0.6, 0.135, "Issued 12 February 2025"),
            (0.6, 0.15, "Renewal date 1 March 2025"), (0.6, 0.6, "Total"), (0.8, 0.6, "£2,240.00")]
    values = _values(page)
    assert str(values["issue_date"]) == "2025-02-12" and values["due_date"] is None
    from docpipe.fields import rule_is_evidence

    assert not rule_is_evidence("due_date ≥ issue_date") and rule_is_evidence("subtotal + tax_total = total")


def test_letters_with_a_stroke_fold_to_their_base_letter() -> None:
    from docpipe.grounding.textnorm import fold, label_token

    assert fold("Termin płatności") == "termin platnosci" and label_token("Łódź") == "lodz"
    assert fold("Søren Ødegård") == "soren odegard"


@pytest.mark.parametrize(("line", "kind"), [
    ("C/ Alameda Principal, 14", "address"),  # Spanish 'calle'
    ("Avda. de la Constitución 3", "address"),
    ("di Esposito Gennaro & C. s.n.c.", "contact"),  # an Italian shop's owner
    ("Inh. Tanja Krause e.K.", "contact"),
    ("www.tulpia.nl", "contact"),
    ("HST# 81234 5678 RT0001", "contact"),
    ("Via dei Mille, 27 – 20129 Milano – P.IVA 09876543210", "address"),  # the VAT number after the address
    ("eCosway.com SDN BHD", "name"),  # a domain inside a name stays a name
])
def test_receipt_head_lines_by_what_they_say(line: str, kind: str) -> None:
    from docpipe.grounding.layout import PageLayout
    from docpipe.offline.blocks import line_kind

    layout = PageLayout(synthetic_page([(0.1, 0.1, line)]))
    assert line_kind(layout, layout.rows[0]) == kind


def test_a_street_quarter_is_not_a_legal_form_and_the_owner_line_stays_out_of_the_name() -> None:
    us = [(0.1, 0.03, "MESA VERDE HARDWARE"), (0.1, 0.045, "2140 Central Ave SE"),
          (0.1, 0.06, "Albuquerque, NM 87106"), (0.1, 0.10, "WOOD GLUE"), (0.7, 0.10, "6.49"),
          (0.1, 0.13, "TOTAL"), (0.7, 0.13, "$6.49")]
    values = _values(us, Receipt)
    assert values["merchant_name"] == "MESA VERDE HARDWARE" and values["currency"] == "USD"
    it = [(0.1, 0.03, "CAFFE' BELLINI"), (0.1, 0.045, "di Esposito Gennaro & C. s.n.c."),
          (0.1, 0.06, "Piazza Garibaldi, 5"), (0.1, 0.075, "80142 Napoli (NA)"),
          (0.1, 0.10, "DESCRIZIONE"), (0.7, 0.10, "PREZZO(€)"), (0.1, 0.115, "CAFFE ESPRESSO"), (0.7, 0.115, "1,20"),
          (0.1, 0.14, "TOTALE"), (0.7, 0.14, "1,20")]
    values = _values(it, Receipt)
    assert values["merchant_name"] == "CAFFE' BELLINI" and values["currency"] == "EUR"


def test_a_label_with_its_value_beside_it_is_not_half_of_a_two_line_label() -> None:
    page = HEAD + [(0.55, 0.12, "Invoice"), (0.70, 0.12, "QTS.24.1207"), (0.55, 0.135, "Date"),
                   (0.70, 0.135, "9 December 2024"), (0.08, 0.12, "Bill to:"), (0.08, 0.135, "Kestrel Medical Pty Ltd"),
                   (0.08, 0.15, "12 Innovation Walk"), (0.08, 0.165, "Clayton VIC 3168")] + TOTAL
    values = _values(page)
    assert values["invoice_number"] == "QTS.24.1207" and str(values["issue_date"]) == "2024-12-09"


def test_a_party_label_is_not_taken_for_a_number_label_by_a_word_of_another_column() -> None:
    page = HEAD + [(0.62, 0.11, "Invoice"), (0.08, 0.125, "Bill to:"), (0.62, 0.125, "No."), (0.75, 0.125, "NPS-7741"),
                   (0.08, 0.14, "Otley Running Club"), (0.08, 0.155, "The Pavilion, Wharfe Meadows"),
                   (0.08, 0.17, "Otley LS21 3AP")] + TOTAL
    values = _values(page)
    assert values["buyer_name"] == "Otley Running Club" and values["invoice_number"] == "NPS-7741"


def test_a_tip_added_after_the_total_makes_the_amount_paid_the_total() -> None:
    page = [(0.1, 0.03, "The Harbour Café"), (0.1, 0.045, "Harbour Hospitality Ltd t/a The Harbour Café"),
            (0.1, 0.06, "3 Quay Street, Galway H91 X2D4"), (0.1, 0.10, "1 x Full Irish"), (0.7, 0.10, "14.50"),
            (0.1, 0.115, "Subtotal"), (0.7, 0.115, "14.50"), (0.1, 0.13, "TOTAL"), (0.7, 0.13, "€14.50"),
            (0.1, 0.145, "Tip"), (0.7, 0.145, "2.00"), (0.1, 0.16, "PAID (Mastercard)"), (0.7, 0.16, "€16.50")]
    values = _values(page, Receipt)
    assert str(values["total"]) == "16.50" and values["merchant_name"] == "The Harbour Café"


def test_a_word_that_is_also_a_currency_code_on_an_item_line_is_not_the_currency() -> None:
    assert detect_currency("PAPER A4 1 x 13.90 13.90 PEN BLUE 0.5 3 X 1.50 TOTAL 15.40".split())[0] is None
    assert detect_currency("13.90 PEN BLUE TOTAL RM 15.40".split())[0] == "MYR"
    assert detect_currency("Total PEN 120.00".split())[0] == "PEN"  # a sol amount keeps its code


def test_a_document_type_code_before_a_series_and_number_is_part_of_the_number() -> None:
    page = [(0.08, 0.05, "Serralharia Minhota, Lda."), (0.08, 0.065, "Rua do Souto 45, 4700-329 Braga"),
            (0.55, 0.12, "Fatura n.º FT A/1192"), (0.55, 0.135, "Data de emissão 2025-05-20"),
            (0.55, 0.15, "Vencimento 2025-06-19"), (0.6, 0.6, "Total"), (0.8, 0.6, "430,50 €")]
    values = _values(page)
    assert values["invoice_number"] == "FT A/1192" and str(values["due_date"]) == "2025-06-19"


def test_an_ordinal_day_of_its_month_and_an_issued_label() -> None:
    page = HEAD + [(0.55, 0.12, "Invoice No. LDS-0093"), (0.55, 0.135, "Issued 4th of June 2025"),
                   (0.55, 0.15, "Payment due 4th of July 2025")] + TOTAL
    values = _values(page)
    assert str(values["issue_date"]) == "2025-06-04" and str(values["due_date"]) == "2025-07-04"


def test_a_party_heading_alone_on_its_line_is_not_part_of_the_name_under_it() -> None:
    page = [(0.08, 0.03, "FATURA"), (0.08, 0.06, "Fornecedor"), (0.55, 0.06, "Cliente"),
            (0.08, 0.075, "Serralharia Minhota, Lda."), (0.55, 0.075, "Condomínio Edifício Sol"),
            (0.08, 0.09, "Rua do Souto 45, 4700-329 Braga"), (0.55, 0.09, "Av. da Liberdade 300, 4710-249 Braga"),
            (0.55, 0.15, "Fatura n.º FT A/1192"), (0.6, 0.6, "Total"), (0.8, 0.6, "430,50 €")]
    values = _values(page)
    assert values["seller_name"] == "Serralharia Minhota, Lda." and values["buyer_name"] == "Condomínio Edifício Sol"


def test_a_payment_line_over_the_tax_footer_is_not_the_name() -> None:
    page = [(0.1, 0.03, "Frituur 't Pleintje"), (0.1, 0.045, "Grote Markt 18"), (0.1, 0.06, "2000 Antwerpen"),
            (0.1, 0.10, "Grote friet"), (0.7, 0.10, "4,20"), (0.1, 0.115, "Frikandel speciaal"), (0.7, 0.115, "9,40"),
            (0.1, 0.14, "TOTAAL"), (0.7, 0.14, "13,60"),
            (0.1, 0.85, "Bancontact 13,60"), (0.1, 0.865, "BTW BE 0723.456.981 · 6% 0,77")]
    values = _values(page, Receipt)
    assert values["merchant_name"] == "Frituur 't Pleintje" and str(values["total"]) == "13.60"


def test_a_receipts_currency_named_only_in_a_column_heading_is_grounded_there() -> None:
    from docpipe.grounding.verify import GroundingQuery, verify_on_page

    page = [(0.1, 0.03, "KEDAI RUNCIT AH SENG SDN BHD"), (0.1, 0.045, "NO. 12, JALAN PERMAS 10/2"),
            (0.1, 0.06, "81750 MASAI, JOHOR."), (0.1, 0.10, "ROTI"), (0.7, 0.10, "3.00"),
            (0.1, 0.13, "TOTAL"), (0.7, 0.13, "3.00"), (0.1, 0.17, "GST SUMMARY"), (0.5, 0.17, "AMOUNT(RM)"),
            (0.75, 0.17, "TAX(RM)"), (0.1, 0.185, "SR @ 6%"), (0.5, 0.185, "2.83"), (0.75, 0.185, "0.17")]
    assert _values(page, Receipt)["currency"] == "MYR"
    (grounding,) = verify_on_page([GroundingQuery(field="currency", value="MYR", kind="currency", page_index=0,
                                                  labels=[])], synthetic_page(page), 0)
    assert grounding.grounded


@pytest.mark.parametrize(("label", "number"), [
    ("Versicherungsschein-Nr.:", "VS-3554882"),  # the number word glued to a compound
    ("N° de contrat :", "CT595135/2024"),
    ("N° d'avoir :", "AV-7272"),
])
def test_insurers_and_credit_notes_number_labels(label: str, number: str) -> None:
    page = [(0.08, 0.05, "Allianzia Versicherungs-AG"), (0.08, 0.065, "Industriestraße 14, 80339 München"),
            (0.08, 0.15, label), (0.35, 0.15, number), (0.6, 0.6, "Gesamtbetrag"), (0.8, 0.6, "1.234,56 €")]
    assert _values(page)["invoice_number"] == number
