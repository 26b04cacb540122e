"""Kinds a seventh fresh-user round found, each on a generated word layer with a known answer:
Nordic, Czech, Indian, Canadian and Japanese labels; the 'kr' shared by four currencies and the
rand's 'R' glued to a space-grouped amount; a seller printed only in the footer; recipients
under 'Account holder:', 'Spett.le:', 'Rechnungsadresse:' or 'Messrs.' (and never the seller);
a discount line closing the item table; a date that reads year first on a month-first page; a
'$' on a Mexican or Spanish-language page; amounts cut short at the edge of a scan."""

from __future__ import annotations

from decimal import Decimal

import pytest

from docpipe.devtools.synthetic_words import synthetic_page
from docpipe.grounding.amounts import read_amount
from docpipe.grounding.currency import detect_currency
from docpipe.grounding.dates import date_candidates
from docpipe.offline.extract import OfflineExtractor
from schemas.invoice import Invoice
from schemas.receipt import Receipt


def _result(phrases, schema=Invoice):
    return OfflineExtractor(schema).extract_page(synthetic_page(phrases), 0)


def _values(phrases, schema=Invoice) -> dict:
    return _result(phrases, schema).extraction.model_dump()


def _swedish(total_line: str = "Att betala") -> list[tuple[float, float, str]]:
    return [(0.08, 0.05, "Norrsken Fastighetsservice AB"), (0.08, 0.065, "Kanalvägen 8, 114 51 Stockholm"),
            (0.08, 0.15, "Kund:"), (0.08, 0.165, "Café Lingonet HB"), (0.08, 0.18, "Björkgatan 86, 753 20 Uppsala"),
            (0.6, 0.12, "Fakturanummer"), (0.78, 0.12, "96414"), (0.6, 0.135, "Fakturadatum"),
            (0.78, 0.135, "2025-01-16"), (0.6, 0.15, "Förfallodatum"), (0.78, 0.15, "2025-01-30"),
            (0.5, 0.6, "Summa exkl. moms"), (0.75, 0.6, "160 336,60 kr"), (0.5, 0.615, "Moms 25%"),
            (0.75, 0.615, "40 084,15 kr"), (0.5, 0.63, total_line), (0.75, 0.63, "200 420,75 kr")]


def test_a_swedish_invoice_reads_whole_and_its_kr_is_the_swedish_krona() -> None:
    values = _values(_swedish())
    assert values["invoice_number"] == "96414"
    assert (str(values["issue_date"]), str(values["due_date"])) == ("2025-01-16", "2025-01-30")
    assert (values["subtotal"], values["tax_total"], values["total"]) == (
        Decimal("160336.60"), Decimal("40084.15"), Decimal("200420.75"))
    assert values["buyer_name"] == "Café Lingonet HB"
    assert values["currency"] == "SEK"


def test_kr_is_whichever_krona_the_page_points_to_and_none_when_nothing_does() -> None:
    assert detect_currency("CVR 12345678 I alt 1 250,00 kr".split())[0] == "DKK"
    assert detect_currency("MVA 25 % Å betale 1 250,00 kr".split())[0] == "NOK"
    assert detect_currency("Total 1 250,00 kr".split())[0] is None
    assert read_amount("1 250,00 kr").value == Decimal("1250.00")


def test_a_czech_invoice_reads_its_number_dates_buyer_and_total() -> None:
    page = [(0.08, 0.05, "Dodavatel:"), (0.08, 0.065, "Vltava Data s.r.o."), (0.08, 0.08, "Na Poříčí 12, 110 00 Praha"),
            (0.08, 0.15, "Odběratel:"), (0.08, 0.165, "Pivovar U Tří Lip s.r.o."),
            (0.08, 0.18, "Husova 5, 602 00 Brno"), (0.6, 0.12, "Číslo faktury"), (0.78, 0.12, "2025007213"),
            (0.6, 0.135, "Datum vystavení"), (0.78, 0.135, "21.03.2025"), (0.6, 0.15, "Datum splatnosti"),
            (0.78, 0.15, "04.04.2025"), (0.5, 0.6, "Celkem bez DPH"), (0.75, 0.6, "1 083 069,60 Kč"),
            (0.5, 0.615, "DPH 21%"), (0.75, 0.615, "227 444,62 Kč"), (0.5, 0.63, "Celkem k úhradě"),
            (0.75, 0.63, "1 310 514,22 Kč")]
    values = _values(page)
    assert values["invoice_number"] == "2025007213"
    assert (str(values["issue_date"]), str(values["due_date"])) == ("2025-03-21", "2025-04-04")
    assert values["total"] == Decimal("1310514.22") and values["currency"] == "CZK"
    assert values["buyer_name"] == "Pivovar U Tří Lip s.r.o."


def test_the_rands_r_glued_to_a_space_grouped_amount() -> None:
    page = [(0.08, 0.05, "Highveld Water Services (Pty) Ltd"), (0.08, 0.065, "212 Quarry Lane, Pretoria 0181"),
            (0.6, 0.12, "Invoice No."), (0.78, 0.12, "HWS16735"), (0.5, 0.6, "Total Exclusive"),
            (0.75, 0.6, "R46 272,60"), (0.5, 0.615, "VAT 15%"), (0.75, 0.615, "R6 940,89"),
            (0.5, 0.63, "Total Inclusive"), (0.75, 0.63, "R53 213,49")]
    result = _result(page)
    values = result.extraction.model_dump()
    assert (values["subtotal"], values["tax_total"], values["total"]) == (
        Decimal("46272.60"), Decimal("6940.89"), Decimal("53213.49"))
    assert values["currency"] == "ZAR"
    assert next(g for g in result.groundings if g.field == "currency").grounded
    for word in ("R2", "R 12", "R2024-001"):
        assert read_amount(word) is None


def test_a_seller_printed_only_in_the_footer_and_a_number_label_is_never_a_name() -> None:
    page = [(0.08, 0.04, "FATURA"), (0.08, 0.12, "Cliente:"), (0.08, 0.135, "Pastelaria Aurora Unipessoal Lda"),
            (0.08, 0.15, "Rua das Flores 21, 1200-195 Lisboa"), (0.6, 0.12, "Fatura n.º"), (0.6, 0.135, "FT 2025/66774"),
            (0.5, 0.6, "Total"), (0.75, 0.6, "4 876,56 EUR"),
            (0.06, 0.96, "Tejo Verde Energia, Lda. · Rua do Ouro 96 · 1100-063 Lisboa · NIF 509 771 230")]
    values = _values(page)
    assert values["seller_name"] == "Tejo Verde Energia, Lda."
    assert values["invoice_number"] == "FT 2025/66774"


@pytest.mark.parametrize("label", ["Account holder:", "Spett.le:", "Rechnungsadresse:", "Messrs."])
def test_recipient_headings(label: str) -> None:
    page = [(0.08, 0.05, "Kestrel Mobile Networks Ltd"), (0.08, 0.065, "45 Orchard Lane, Leeds LS1 4AP"),
            (0.08, 0.15, label), (0.08, 0.165, "Pemberton Joinery Ltd"), (0.08, 0.18, "183 Linden Place, York YO1 7HH"),
            (0.6, 0.12, "Invoice No. KMN-1"), (0.6, 0.135, "Date 4 Aug 2025"), (0.5, 0.6, "Total"),
            (0.75, 0.6, "£868.75")]
    assert _values(page)["buyer_name"] == "Pemberton Joinery Ltd"


def test_the_buyer_is_never_the_seller() -> None:
    # The seller's bank details name it under 'Account holder:'; no recipient is printed.
    page = [(0.08, 0.05, "Kestrel Mobile Networks Ltd"), (0.08, 0.065, "45 Orchard Lane, Leeds LS1 4AP"),
            (0.6, 0.12, "Invoice No. KMN-1"), (0.6, 0.135, "Date 4 Aug 2025"), (0.5, 0.6, "Total"),
            (0.75, 0.6, "£868.75"), (0.08, 0.8, "Bank details"),
            (0.08, 0.815, "Account holder: Kestrel Mobile Networks Ltd"), (0.08, 0.83, "Sort code 12-34-56")]
    values = _values(page)
    assert values["seller_name"] == "Kestrel Mobile Networks Ltd"
    assert values["buyer_name"] is None


@pytest.mark.parametrize("tax_label, total_label", [("HST 13%", "TOTAL CAD"), ("IGST 18%", "Grand Total"),
                                                     ("Consumption Tax (10%)", "Total Amount")])
def test_tax_labels_of_canada_india_and_japan(tax_label: str, total_label: str) -> None:
    page = [(0.08, 0.05, "Maple Ridge Freight Inc."), (0.08, 0.065, "109 Mill Road, Toronto ON M5V 2T6"),
            (0.6, 0.12, "Invoice No: MRF015410"), (0.6, 0.135, "Invoice Date: January 28, 2025"),
            (0.6, 0.15, "Payment Deadline: March 14, 2025"),
            (0.5, 0.6, "Taxable Value"), (0.75, 0.6, "7,062.58"), (0.5, 0.615, tax_label), (0.75, 0.615, "918.14"),
            (0.5, 0.63, total_label), (0.75, 0.63, "7,980.72")]
    values = _values(page)
    assert (values["subtotal"], values["tax_total"], values["total"]) == (
        Decimal("7062.58"), Decimal("918.14"), Decimal("7980.72"))
    assert str(values["due_date"]) == "2025-03-14"


def test_a_discount_line_under_the_items_closes_the_item_table() -> None:
    page = [(0.08, 0.05, "Wattle Creek Electrical Pty Ltd"), (0.08, 0.065, "154 Harbour Street, Geelong VIC 3220"),
            (0.6, 0.12, "Invoice Number INV-74071"), (0.6, 0.135, "Issue Date 11/06/2025"),
            (0.08, 0.3, "Description"), (0.45, 0.3, "Qty"), (0.6, 0.3, "Unit price"), (0.8, 0.3, "Amount"),
            (0.08, 0.32, "Cloud hosting plan"), (0.45, 0.32, "7"), (0.6, 0.32, "196.97"), (0.8, 0.32, "1,378.79"),
            (0.08, 0.335, "Graphic design"), (0.45, 0.335, "7"), (0.6, 0.335, "89.73"), (0.8, 0.335, "628.11"),
            (0.6, 0.36, "Gross"), (0.8, 0.36, "$2,006.90"), (0.6, 0.375, "Discount 10%"), (0.8, 0.375, "-$200.69"),
            (0.6, 0.39, "Subtotal"), (0.8, 0.39, "$1,806.21"), (0.6, 0.405, "GST 10%"), (0.8, 0.405, "$180.62"),
            (0.6, 0.42, "Total (inc GST)"), (0.8, 0.42, "$1,986.83")]
    result = _result(page)
    items = result.extraction.line_items
    assert [item.amount for item in items] == [Decimal("1378.79"), Decimal("628.11")]
    assert result.extraction.subtotal == Decimal("1806.21")
    assert not any("sum of line_items" in note for note in result.notes)


def _gas_receipt(date_text: str) -> list[tuple[float, float, str]]:
    return [(0.1, 0.03, "SUNRISE FUEL #0412"), (0.1, 0.045, "Sunrise Petroleum LLC"),
            (0.1, 0.06, "9801 N Interstate Hwy 35"), (0.1, 0.075, "Austin TX 78753"), (0.1, 0.1, date_text),
            (0.1, 0.5, "TOTAL"), (0.6, 0.5, "$60.14"), (0.1, 0.515, "CASH"), (0.6, 0.515, "80.00"),
            (0.1, 0.53, "CHANGE"), (0.6, 0.53, "19.86")]


def test_a_date_that_reads_year_first_on_a_month_first_page_is_left_unsure() -> None:
    assert date_candidates("25-02-07", False) == [date_candidates("2025-02-07")[0], date_candidates("25/02/2007")[0]]
    assert len(date_candidates("25-02-07", None)) == 1  # on a page that says nothing, day first only
    result = _result(_gas_receipt("25-02-07 10:38"), Receipt)
    assert str(result.extraction.date) == "2025-02-07"
    from docpipe.offline.confidence import load_model

    threshold = load_model().threshold_for("date")
    assert next(g for g in result.groundings if g.field == "date").confidence < threshold


def test_a_zero_read_for_the_o_of_a_month_name() -> None:
    assert str(date_candidates("01 0ct 2025")[0]) == "2025-10-01"
    assert str(date_candidates("0ct 3, 2025")[0]) == "2025-10-03"


def test_a_dollar_sign_on_a_mexican_or_spanish_language_receipt_is_not_the_us_dollar() -> None:
    mexican = "ABARROTES Av. Juárez 214, Col. Centro Guadalajara, Jal. C.P. 44100 TOTAL $777.90 IVA 16% 107.30"
    assert detect_currency(mexican.split())[0] == "MXN"
    spanish = "TOTAL $777.90 IVA 16% 107.30 EFECTIVO 800.00 CAMBIO 22.10"
    assert detect_currency(spanish.split())[0] is None
    assert detect_currency("Miami FL 33101 TOTAL $7.90 GRACIAS".split())[0] == "USD"


def test_an_amount_cut_at_the_edge_of_a_scan_is_no_firm_reading() -> None:
    assert not read_amount("$74.").strong and not read_amount("RM12.").strong
    assert read_amount("$74").strong and read_amount("74.50").strong and read_amount("94.3").strong


def test_lower_case_currency_signs_are_currencies_and_ground() -> None:
    page = [(0.08, 0.05, "Wisła Meble sp. z o.o."), (0.08, 0.065, "ul. Długa 5, 80-001 Gdańsk"),
            (0.6, 0.12, "Faktura nr FV/2025/118"), (0.6, 0.135, "Data wystawienia 12.03.2025"),
            (0.5, 0.6, "Do zapłaty"), (0.75, 0.6, "1 234,56 zł")]
    result = _result(page)
    assert result.extraction.currency == "PLN"
    assert next(g for g in result.groundings if g.field == "currency").grounded
    swedish = _result(_swedish())
    assert next(g for g in swedish.groundings if g.field == "currency").grounded


def test_a_name_chosen_for_both_parties_stays_with_the_stronger_evidence() -> None:
    # Only the recipient's block is printed near the top, under its label; the issuer is not named.
    page = [(0.08, 0.04, "FATURA"), (0.08, 0.12, "Cliente:"), (0.08, 0.135, "Pastelaria Aurora Unipessoal Lda"),
            (0.08, 0.15, "Rua das Flores 21, 1200-195 Lisboa"), (0.6, 0.12, "Fatura n.º"), (0.6, 0.135, "FT 2025/66774"),
            (0.5, 0.6, "Total"), (0.75, 0.6, "4 876,56 EUR")]
    values = _values(page)
    assert values["buyer_name"] == "Pastelaria Aurora Unipessoal Lda"
    assert values["seller_name"] != values["buyer_name"]


# -- kinds an eighth fresh user found (German, French, Belgian and Luxembourg e-invoice styles) --

def _window_letter(attention: str) -> list[tuple[float, float, str]]:
    return [(0.08, 0.04, "Hansen Verpackungen GmbH & Co. KG"),
            (0.08, 0.12, "Hansen Verpackungen GmbH & Co. KG · Hafenstraße 9 · 28217 Bremen"),
            (0.08, 0.14, attention), (0.08, 0.155, "Hotel Zur Post GmbH"), (0.08, 0.17, "Ringstraße 95"),
            (0.08, 0.185, "81692 München"), (0.6, 0.25, "Rechnungs-Nr."), (0.78, 0.25, "R170305"),
            (0.6, 0.265, "Rechnungsdatum"), (0.78, 0.265, "05.07.2025"), (0.5, 0.6, "Endbetrag"),
            (0.75, 0.6, "16.568,31 €")]


@pytest.mark.parametrize("attention", ["z. Hd. Herrn Max Vogel", "À l'attention de Mme Claire Roux", "Attn: Accounts"])
def test_an_attention_line_over_the_recipients_name_is_not_the_name(attention: str) -> None:
    values = _values(_window_letter(attention))
    assert values["buyer_name"] == "Hotel Zur Post GmbH"
    assert values["seller_name"] == "Hansen Verpackungen GmbH & Co. KG"


def test_a_name_after_a_bank_details_label_and_a_return_address_whose_separator_was_lost() -> None:
    page = [(0.08, 0.04, "Weyland Informatique SARL"), (0.08, 0.055, "Grand-Rue 10 · L-1611 Luxembourg"),
            (0.08, 0.12, "Weyland Informatique SARL · Grand-Rue 10- L-1611 Luxembourg"),
            (0.08, 0.14, "Ateliers Hoffmann SARL"), (0.08, 0.155, "chemin des Vignes 86"),
            (0.08, 0.17, "L-1611 Luxembourg"), (0.6, 0.12, "N° de facture"), (0.78, 0.12, "AV-2025-2130"),
            (0.5, 0.6, "Total TTC"), (0.75, 0.6, "-1 088,94 EUR"),
            (0.08, 0.93, "Titulaire: Weyland Informatique SARL · IBAN LU31 4770 9463 1119 4681 94")]
    values = _values(page)
    assert values["seller_name"] == "Weyland Informatique SARL"
    assert values["buyer_name"] == "Ateliers Hoffmann SARL"
    from docpipe.grounding.textnorm import is_legal_form

    assert is_legal_form("S.à") and is_legal_form("r.l.")


@pytest.mark.parametrize("terms, due", [("Zahlungsziel: 30 Tage netto, bis 8. Dezember 2025", "2025-12-08"),
                                        ("Conditions : 14 jours net, soit le 28 juin 2025", "2025-06-28"),
                                        ("Payment terms: 30 days, by 3 December 2025", "2025-12-03")])
def test_the_deadline_a_payment_terms_line_gives_is_the_due_date(terms: str, due: str) -> None:
    page = [(0.08, 0.04, "Voigt Elektrotechnik GmbH"), (0.08, 0.055, "Dorfstraße 59, 74889 Sinsheim"),
            (0.6, 0.12, "Rechnungsnummer: R582983"), (0.6, 0.135, "Rechnungsdatum: 8. November 2025"),
            (0.08, 0.3, terms), (0.5, 0.6, "Rechnungsbetrag"), (0.75, 0.6, "€ 6.660,23")]
    assert str(_values(page)["due_date"]) == due
    # A period or a discount's window is no deadline: 'innerhalb 10 Tagen 2 % Skonto' gives none.
    page[4] = (0.08, 0.3, "Bei Zahlung innerhalb 10 Tagen 2 % Skonto")
    assert _values(page)["due_date"] is None


def test_ocr_punctuation_in_a_date_and_before_a_currency_code() -> None:
    assert str(date_candidates("10:08.2025", True)[0]) == "2025-08-10"
    assert read_amount("10.883,43.EUR").value == Decimal("10883.43")


def test_a_receipts_city_line_keeps_its_postcode_when_the_phone_follows_it() -> None:
    page = [(0.1, 0.03, "KEDAI BUKU MAJU SDN BHD"), (0.1, 0.045, "NO 88, JALAN PASAR BESAR"),
            (0.1, 0.06, "30000 IPOH, PERAK  TEL: 05-254 1234"), (0.1, 0.08, "28/04/2018 13:05"),
            (0.1, 0.5, "TOTAL"), (0.6, 0.5, "RM 12.50")]
    assert _values(page, Receipt)["merchant_address"] == "NO 88, JALAN PASAR BESAR 30000 IPOH, PERAK"


def test_a_discount_between_the_items_sum_and_the_net_amount_keeps_the_lines_consistent() -> None:
    from docpipe.fields import check_rules

    page = [(0.08, 0.04, "Kessler Druckerei AG"), (0.08, 0.055, "Marktplatz 3, 8001 Zürich"),
            (0.6, 0.12, "Rechnungs-Nr. R-2219"), (0.6, 0.135, "Rechnungsdatum 07.09.2025"),
            (0.08, 0.3, "Bezeichnung"), (0.45, 0.3, "Menge"), (0.6, 0.3, "Einzelpreis"), (0.8, 0.3, "Betrag"),
            (0.08, 0.32, "Kupferrohr 15 mm"), (0.45, 0.32, "2"), (0.6, 0.32, "348,39"), (0.8, 0.32, "696,78"),
            (0.08, 0.335, "Holzleiste Eiche"), (0.45, 0.335, "8"), (0.6, 0.335, "295,65"), (0.8, 0.335, "2.365,20"),
            (0.5, 0.36, "Summe Positionen"), (0.8, 0.36, "3.061,98 EUR"), (0.5, 0.375, "abzgl. Skonto 3 %"),
            (0.8, 0.375, "-91,86 EUR"), (0.5, 0.39, "Nettobetrag"), (0.8, 0.39, "2.970,12 EUR"),
            (0.5, 0.405, "zzgl. USt. 19 %"), (0.8, 0.405, "564,32 EUR"), (0.5, 0.42, "Gesamtbetrag"),
            (0.8, 0.42, "3.534,44 EUR")]
    result = _result(page)
    assert result.extraction.discount_total == Decimal("-91.86")
    assert result.extraction.subtotal == Decimal("2970.12")
    assert [str(v) for v in check_rules(result.extraction)] == []
    # Without the discount the lines do not add up to the net amount: a real inconsistency.
    assert check_rules(result.extraction.model_copy(update={"discount_total": None}))


def test_a_total_with_its_last_zero_faded_is_still_read_and_confirmed_by_cash_and_change() -> None:
    page = [(0.1, 0.03, "SEGI MART TRADING SDN. BHD."), (0.1, 0.045, "NO 23, JALAN SS 15/4"),
            (0.1, 0.06, "47500 SUBANG JAYA, SELANGOR"), (0.1, 0.08, "22 JAN 2018 20:44"),
            (0.1, 0.5, "TOTAL SALES (INCLUSIVE GST)"), (0.7, 0.5, "94.29"), (0.1, 0.515, "ROUNDING ADJ"),
            (0.7, 0.515, "0.01"), (0.1, 0.53, "NET TOTAL RM"), (0.7, 0.53, "94.3"), (0.1, 0.545, "CASH"),
            (0.7, 0.545, "100.00"), (0.1, 0.56, "CHANGE"), (0.7, 0.56, "5.70")]
    assert _values(page, Receipt)["total"] == Decimal("94.30")


# -- kinds a ninth fresh user found --

def test_a_credit_notes_sentence_naming_the_invoice_it_corrects_does_not_give_the_number() -> None:
    page = [(0.08, 0.04, "Dubois & Peeters SRL"), (0.08, 0.055, "Rue Royale 150 · 1000 Bruxelles"),
            (0.6, 0.12, "Note de crédit n°"), (0.78, 0.12, "NC-2025-014"), (0.6, 0.135, "Date"),
            (0.78, 0.135, "21/03/2025"), (0.5, 0.6, "Total TVAC EUR"), (0.75, 0.6, "3 798,43"),
            (0.08, 0.7, "Note de crédit relative à la facture F-2025-0211.")]
    assert _values(page)["invoice_number"] == "NC-2025-014"


def test_an_item_called_transport_is_an_item_and_a_carried_sum_is_not() -> None:
    head = [(0.08, 0.04, "Schäfer Elektrotechnik GmbH"), (0.08, 0.055, "Hauptstraße 5, 10115 Berlin"),
            (0.6, 0.12, "Rechnungs-Nr. 2025-10451"), (0.6, 0.135, "Datum 27.02.2025"),
            (0.08, 0.3, "Bezeichnung"), (0.45, 0.3, "Menge"), (0.6, 0.3, "Einzelpreis"), (0.8, 0.3, "Betrag"),
            (0.08, 0.32, "Montage"), (0.45, 0.32, "2"), (0.6, 0.32, "100,00"), (0.8, 0.32, "200,00")]
    transport = [(0.08, 0.335, "Transport"), (0.45, 0.335, "1"), (0.6, 0.335, "40,86"), (0.8, 0.335, "40,86")]
    money = [(0.5, 0.36, "Nettobetrag"), (0.8, 0.36, "240,86 EUR"), (0.5, 0.375, "Gesamtbetrag"),
             (0.8, 0.375, "286,62 EUR")]
    items = _result(head + transport + money).extraction.line_items
    assert [item.description for item in items] == ["Montage", "Transport"]
    carried = [(0.08, 0.335, "Übertrag"), (0.8, 0.335, "240,86")]
    items = _result(head + carried + money).extraction.line_items
    assert [item.description for item in items] == ["Montage"]


def test_an_attention_line_heading_a_recipient_block_without_a_return_address() -> None:
    page = [(0.08, 0.04, "Van Dijk Installatietechniek B.V."), (0.08, 0.055, "Keizersgracht 221"),
            (0.08, 0.07, "1016 DV Amsterdam"), (0.08, 0.13, "Attn: Accounts Payable"),
            (0.08, 0.145, "De Groot Bouw B.V."), (0.08, 0.16, "Stationsplein 12"), (0.08, 0.175, "3511 ED Utrecht"),
            (0.6, 0.13, "Factuurnummer: F-2025-0614"), (0.6, 0.145, "Factuurdatum: 07-03-2025"),
            (0.5, 0.6, "Totaal EUR"), (0.75, 0.6, "6.962,10"),
            (0.08, 0.93, "Van Dijk Installatietechniek B.V. · IBAN NL44 RABO 0517 5407 32 · Tel. +31 20 1234567")]
    values = _values(page)
    assert values["buyer_name"] == "De Groot Bouw B.V."
    assert values["seller_name"] == "Van Dijk Installatietechniek B.V."
