"""Kinds a tenth fresh-user round found, each on a generated word layer with a known answer: a UK
'Tax point / Date' line over a 'Payment due' line; a hotel's guest folio (its number and date
labels, dates down its charges table, a payment printed as a credit); Romanian and Turkish
invoices and the lira's 'TL'; a user's purchase-order schema without label hints (its number,
order date and delivery date); a receipt's 'Store 0412' line; a United States address settling a
receipt's day/month order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from docpipe.devtools.synthetic_words import synthetic_page
from docpipe.grounding.currency import normalize_currency
from docpipe.offline.dateorder import country_hint
from docpipe.offline.extract import OfflineExtractor
from schemas.invoice import Invoice
from schemas.receipt import Receipt


def _values(phrases, schema=Invoice) -> dict:
    return OfflineExtractor(schema).extract_page(synthetic_page(phrases), 0).extraction.model_dump()


def test_a_tax_point_date_is_the_issue_date_and_the_due_line_under_it_keeps_its_own_label() -> None:
    page = [(0.08, 0.05, "Thornbury Heating Ltd"), (0.08, 0.065, "Unit 7, Riverside Estate"),
            (0.08, 0.08, "Bristol BS2 0QT"), (0.08, 0.14, "Invoice No:"), (0.3, 0.14, "10457/B"),
            (0.08, 0.155, "Tax point / Date:"), (0.3, 0.155, "05/11/2026"),
            (0.08, 0.17, "Payment due:"), (0.3, 0.17, "05/12/2026"),
            (0.5, 0.6, "Net Total"), (0.75, 0.6, "£502.00"), (0.5, 0.615, "VAT @ 20%"), (0.75, 0.615, "£100.40"),
            (0.5, 0.63, "Amount Due"), (0.75, 0.63, "£602.40")]
    values = _values(page)
    assert (values["issue_date"], values["due_date"]) == (dt.date(2026, 11, 5), dt.date(2026, 12, 5))


def _folio() -> list[tuple[float, float, str]]:
    rows = [(0.3, "08/06/26", "Room Charge", "289.00"), (0.315, "08/07/26", "Room Charge", "289.00"),
            (0.33, "08/08/26", "Room Charge", "289.00")]
    page = [(0.08, 0.04, "THE HARBOUR HOTEL"), (0.08, 0.055, "250 Atlantic Avenue, Boston, MA 02110"),
            (0.08, 0.1, "GUEST FOLIO"), (0.08, 0.13, "Mr. Daniel Whitfield"), (0.6, 0.13, "Folio No."),
            (0.78, 0.13, "F-204-88173"), (0.6, 0.145, "Arrival"), (0.78, 0.145, "Aug 06, 2026"),
            (0.6, 0.16, "Departure"), (0.78, 0.16, "Aug 09, 2026"), (0.6, 0.175, "Folio Date"),
            (0.78, 0.175, "Aug 09, 2026"),
            (0.08, 0.28, "Date"), (0.2, 0.28, "Description"), (0.6, 0.28, "Charges"), (0.8, 0.28, "Credits")]
    for y, date, text, amount in rows:
        page += [(0.08, y, date), (0.2, y, text), (0.6, y, amount)]
    page += [(0.08, 0.345, "08/09/26"), (0.2, 0.345, "VISA ****4417 Payment"), (0.8, 0.345, "-867.00"),
             (0.2, 0.37, "Total Charges"), (0.6, 0.37, "867.00"), (0.8, 0.37, "-867.00"),
             (0.2, 0.385, "Balance"), (0.6, 0.385, "0.00 USD")]
    return page


def test_a_guest_folio_reads_its_number_its_date_and_the_charges_not_the_payment() -> None:
    values = _values(_folio())
    assert values["invoice_number"] == "F-204-88173"
    assert values["issue_date"] == dt.date(2026, 8, 9)  # the folio's date, not the first charge's
    assert values["total"] == Decimal("867.00")  # the payment printed as a credit pays a positive total


def test_romanian_and_turkish_invoices_read_their_labels_and_tl_is_the_lira() -> None:
    romanian = [(0.08, 0.05, "Furnizor:"), (0.5, 0.05, "Cumpărător:"), (0.08, 0.065, "CONTAB EXPERT SRL"),
                (0.5, 0.065, "TRANSILVANIA LOGISTIC SA"), (0.08, 0.08, "Str. Eminescu nr. 44, București"),
                (0.5, 0.08, "Calea Turzii 178, Cluj-Napoca"), (0.35, 0.15, "FACTURĂ FISCALĂ"),
                (0.08, 0.18, "Data emiterii: 11.02.2026"), (0.5, 0.18, "Termen de plată: 25.02.2026"),
                (0.5, 0.6, "Total fără TVA"), (0.78, 0.6, "2.960,00"), (0.5, 0.615, "TVA 19%"),
                (0.78, 0.615, "562,40"), (0.5, 0.63, "Total de plată (RON)"), (0.78, 0.63, "3.522,40")]
    values = _values(romanian)
    assert (values["issue_date"], values["due_date"]) == (dt.date(2026, 2, 11), dt.date(2026, 2, 25))
    assert (values["subtotal"], values["total"]) == (Decimal("2960.00"), Decimal("3522.40"))
    assert values["buyer_name"] == "TRANSILVANIA LOGISTIC SA"
    turkish = [(0.08, 0.05, "Boğaziçi Tesis Yönetimi A.Ş."), (0.08, 0.065, "Büyükdere Cad. No: 127, İstanbul"),
               (0.08, 0.15, "SAYIN"), (0.08, 0.165, "Ege Liman İşletmeleri Ltd. Şti."),
               (0.6, 0.15, "Fatura No:"), (0.78, 0.15, "TR2026000000451"), (0.6, 0.165, "Fatura Tarihi:"),
               (0.78, 0.165, "23/04/2026"), (0.6, 0.18, "Vade Tarihi:"), (0.78, 0.18, "23/05/2026"),
               (0.45, 0.6, "Mal Hizmet Toplam Tutarı"), (0.78, 0.6, "30.250,00 TL"),
               (0.45, 0.615, "Hesaplanan KDV (%20)"), (0.78, 0.615, "6.050,00 TL"),
               (0.45, 0.63, "Vergiler Dahil Toplam"), (0.78, 0.63, "36.300,00 TL")]
    values = _values(turkish)
    assert values["invoice_number"] == "TR2026000000451"
    assert values["due_date"] == dt.date(2026, 5, 23)
    assert (values["subtotal"], values["tax_total"], values["total"]) == (
        Decimal("30250.00"), Decimal("6050.00"), Decimal("36300.00"))
    assert values["currency"] == "TRY"
    assert values["buyer_name"] == "Ege Liman İşletmeleri Ltd. Şti."
    assert normalize_currency("Hotel") is None  # 'TL' is the lira only as a word of its own


class PurchaseOrder(BaseModel):
    """A user's order form, no docpipe hints: field names, types and descriptions only."""

    po_number: str | None = Field(None, description="The purchase order number as printed.")
    order_date: dt.date | None = Field(None, description="Date the order was placed.")
    delivery_date: dt.date | None = Field(None, description="Requested delivery date.")
    total: Decimal | None = Field(None, description="Order total including tax.")
    ship_to_address: str | None = Field(None, description="Address the goods must be delivered to.")


def test_a_purchase_order_schema_without_hints_reads_its_number_and_both_dates() -> None:
    page = [(0.08, 0.05, "Kestrel Civil Contractors Pty Ltd"), (0.6, 0.05, "Purchase Order"),
            (0.6, 0.08, "Order No."), (0.8, 0.08, "SADC/PO/118392"), (0.6, 0.095, "Date"),
            (0.8, 0.095, "2026-11-20"), (0.6, 0.11, "Delivery"), (0.8, 0.11, "2026-12-04"),
            (0.5, 0.6, "Total"), (0.8, 0.6, "2,475.00")]
    values = _values(page, PurchaseOrder)
    assert values["po_number"] == "SADC/PO/118392"
    assert (values["order_date"], values["delivery_date"]) == (dt.date(2026, 11, 20), dt.date(2026, 12, 4))
    # An order date is never guessed from a date labelled as something else.
    unlabelled = [p for p in page if p[2] not in ("Date", "2026-11-20")]
    assert _values(unlabelled, PurchaseOrder)["order_date"] != dt.date(2026, 12, 4)


def test_a_receipts_store_number_line_is_not_a_heading_and_a_us_address_orders_its_date() -> None:
    page = [(0.3, 0.03, "SUNNYSIDE MARKET"), (0.3, 0.05, "1820 Mission St"), (0.3, 0.065, "San Francisco, CA 94103"),
            (0.3, 0.08, "(415) 555-0188"), (0.05, 0.1, "Store 0412 Reg 03"), (0.6, 0.1, "Cashier: DEVON"),
            (0.05, 0.115, "11/09/2026 6:42 PM"), (0.05, 0.14, "ORG BANANAS"), (0.8, 0.14, "1.82"),
            (0.05, 0.155, "DISH SOAP"), (0.8, 0.155, "3.79"), (0.05, 0.18, "SUBTOTAL"), (0.8, 0.18, "5.61"),
            (0.05, 0.195, "SALES TAX"), (0.8, 0.195, "0.33"), (0.05, 0.21, "BALANCE DUE"), (0.8, 0.21, "5.94")]
    values = _values(page, Receipt)
    assert values["merchant_name"] == "SUNNYSIDE MARKET"
    assert values["date"] == dt.date(2026, 11, 9)
    assert country_hint("Memphis TN 38128".split()) is False  # month first
    assert country_hint("DE 12345 Berlin".split()) is None  # a German postcode's prefix votes for nothing


def test_a_bills_current_charges_are_its_total_not_the_balance_carried_with_them() -> None:
    page = [(0.08, 0.04, "WaveLink Communications Inc."), (0.08, 0.055, "1400 Peachtree St NE, Atlanta, GA 30309"),
            (0.6, 0.1, "Bill number"), (0.8, 0.1, "B-55120938"), (0.6, 0.115, "Bill date"), (0.8, 0.115, "2026-08-01"),
            (0.08, 0.3, "Previous balance"), (0.8, 0.3, "$112.45"), (0.08, 0.315, "Payment received - thank you"),
            (0.8, 0.315, "-$100.00"), (0.08, 0.33, "Remaining previous balance"), (0.8, 0.33, "$12.45"),
            (0.08, 0.36, "Unlimited plan"), (0.8, 0.36, "$65.00"), (0.08, 0.375, "Device installment"),
            (0.8, 0.375, "$50.58"), (0.08, 0.39, "Taxes, surcharges & government fees"), (0.8, 0.39, "$9.87"),
            (0.08, 0.405, "Total current charges"), (0.8, 0.405, "$125.45"),
            (0.08, 0.43, "Total amount due"), (0.8, 0.43, "$137.90")]
    values = _values(page)
    assert (values["tax_total"], values["total"]) == (Decimal("9.87"), Decimal("125.45"))


def test_item_tables_with_ext_price_and_units_columns_and_a_balance_carried_forward() -> None:
    page = [(0.08, 0.04, "Great Lakes Fastener Supply Inc."), (0.6, 0.1, "Invoice No."), (0.8, 0.1, "7730019"),
            (0.08, 0.3, "Item"), (0.5, 0.3, "Units"), (0.65, 0.3, "Unit Price"), (0.82, 0.3, "Ext. Price"),
            (0.08, 0.315, "Hex bolt M8x40 zinc"), (0.5, 0.315, "7.5"), (0.65, 0.315, "10.00"), (0.82, 0.315, "75.00"),
            (0.08, 0.33, "Balance carried forward"), (0.82, 0.33, "1,200.00"),
            (0.08, 0.345, "Flat washer M8"), (0.5, 0.345, "2"), (0.65, 0.345, "32.87"), (0.82, 0.345, "65.74")]
    items = _values(page)["line_items"]
    assert [(i["description"], i["quantity"], i["amount"]) for i in items] == [
        ("Hex bolt M8x40 zinc", Decimal("7.5"), Decimal("75.00")), ("Flat washer M8", Decimal("2"), Decimal("65.74"))]


def test_a_polish_receipts_suma_and_a_swedish_receipts_address_over_its_org_number() -> None:
    polish = [(0.2, 0.03, 'Sklep Spożywczy "Pod Lipą"'), (0.2, 0.045, "ul. Długa 15, 80-827 Gdańsk"),
              (0.2, 0.06, "NIP 583-201-44-17"), (0.05, 0.09, "2026-07-03"), (0.05, 0.11, "Chleb żytni"),
              (0.8, 0.11, "6,49"), (0.05, 0.125, "Masło 200g"), (0.8, 0.125, "15,98"),
              (0.05, 0.15, "SUMA PTU"), (0.8, 0.15, "2,70"), (0.05, 0.165, "SUMA PLN"), (0.8, 0.165, "22,47"),
              (0.05, 0.18, "Gotówka"), (0.8, 0.18, "50,00"), (0.05, 0.195, "Reszta"), (0.8, 0.195, "27,53")]
    assert _values(polish, Receipt)["total"] == Decimal("22.47")
    swedish = [(0.2, 0.03, "Hemköp Södermalm"), (0.2, 0.045, "Götgatan 58, 118 26 Stockholm"),
               (0.2, 0.06, "0rg.nr 556123-4567"), (0.05, 0.09, "2026-03-14 10:22"), (0.05, 0.11, "Kanelbulle"),
               (0.8, 0.11, "50,00"), (0.05, 0.14, "Totalt"), (0.8, 0.14, "50,00 kr")]
    values = _values(swedish, Receipt)
    assert values["merchant_address"] == "Götgatan 58, 118 26 Stockholm"


def test_a_ship_to_address_is_the_address_its_label_heads_without_the_sites_name() -> None:
    block = [(0.08, 0.04, "Kestrel Civil Contractors Pty Ltd"), (0.6, 0.04, "Purchase Order"),
             (0.08, 0.2, "Deliver To"), (0.08, 0.215, "Site 4 - Forrestfield"),
             (0.08, 0.23, "Dundas Rd, Forrestfield WA 6058"), (0.08, 0.3, "Item"), (0.5, 0.3, "Qty"),
             (0.08, 0.315, "Hi-vis vest size L"), (0.5, 0.315, "50")]
    assert _values(block, PurchaseOrder)["ship_to_address"] == "Dundas Rd, Forrestfield WA 6058"
    one_line = [(0.08, 0.04, "Bestellung"), (0.08, 0.2, "Lieferanschrift:"),
                (0.3, 0.2, "Krüger AG, Detmolder Str. 210, 33604 Bielefeld"), (0.08, 0.3, "Artikel"),
                (0.5, 0.3, "Menge"), (0.08, 0.315, "Hydraulikschlauch DN12"), (0.5, 0.315, "40")]
    assert _values(one_line, PurchaseOrder)["ship_to_address"] == "Detmolder Str. 210, 33604 Bielefeld"
    street_first = [(0.08, 0.04, "PURCHASE ORDER"), (0.08, 0.1, "Vendor: Northwind Traders Ltd"), (0.55, 0.1, "Deliver to:"),
                    (0.08, 0.115, "Order date: 4 June 2025"), (0.55, 0.115, "Unit 4, Riverside Park"),
                    (0.08, 0.13, "Required by: 18 June 2025"), (0.55, 0.13, "Leeds LS1 4AB"),
                    (0.08, 0.2, "Description"), (0.5, 0.2, "Qty"), (0.08, 0.215, "Chef jackets"), (0.5, 0.215, "30")]
    assert _values(street_first, PurchaseOrder)["ship_to_address"] == "Unit 4, Riverside Park Leeds LS1 4AB"


def test_a_merchandise_total_is_the_net_amount() -> None:
    page = [(0.08, 0.04, "Great Lakes Fastener Supply Inc."), (0.6, 0.1, "Invoice No."), (0.8, 0.1, "7730019"),
            (0.5, 0.6, "Merchandise Total"), (0.8, 0.6, "15,410.06"), (0.5, 0.615, "Freight"), (0.8, 0.615, "48.00"),
            (0.5, 0.63, "Sales Tax 7%"), (0.8, 0.63, "1,078.70"), (0.5, 0.645, "Invoice Total"),
            (0.8, 0.645, "16,536.76")]
    values = _values(page)
    assert (values["subtotal"], values["tax_total"], values["total"]) == (
        Decimal("15410.06"), Decimal("1078.70"), Decimal("16536.76"))


def test_indian_lakh_grouping_reads_as_one_amount() -> None:
    from docpipe.grounding.amounts import read_amount

    assert read_amount("4,47,615.00").value == Decimal("447615.00")
    assert read_amount("₹ 12,34,56,789.00").value == Decimal("123456789.00")
    assert read_amount("1,23,456").value == Decimal("123456")
    assert read_amount("12,34.00") is None and read_amount("1,2,345.00") is None  # neither grouping
    page = [(0.08, 0.04, "Shreeji Textiles Private Limited"), (0.6, 0.1, "Invoice No."), (0.8, 0.1, "STPL/24-25/1187"),
            (0.5, 0.6, "Taxable Value"), (0.8, 0.6, "4,26,300.00"), (0.5, 0.63, "Grand Total"),
            (0.8, 0.63, "₹ 4,47,615.00")]
    values = _values(page)
    assert (values["subtotal"], values["total"]) == (Decimal("426300.00"), Decimal("447615.00"))


class DeliveryNote(BaseModel):
    """A user's delivery note, no docpipe hints."""

    delivery_note_number: str | None = Field(None, description="The delivery note's number as printed.")
    delivery_date: dt.date | None = Field(None, description="Date of delivery.")
    order_number: str | None = Field(None, description="The customer's order number.")
    carrier: str | None = Field(None, description="Transport company.")
    total_packages: int | None = Field(None, description="Total number of packages.")


def test_a_delivery_note_schema_without_hints_reads_its_german_labels() -> None:
    page = [(0.08, 0.04, "Brandt Logistik GmbH"), (0.08, 0.1, "LIEFERSCHEIN"),
            (0.55, 0.15, "Lieferschein-Nr.:"), (0.75, 0.15, "LS-2026-0142"),
            (0.55, 0.165, "Datum der Lieferung:"), (0.75, 0.165, "19.05.2026"),
            (0.55, 0.18, "Auftrag:"), (0.75, 0.18, "A 90331"), (0.55, 0.195, "Spediteur:"),
            (0.75, 0.195, "Dachser SE"), (0.08, 0.5, "Packages:"), (0.3, 0.5, "4")]
    values = _values(page, DeliveryNote)
    assert values["delivery_note_number"] == "LS-2026-0142"
    assert values["delivery_date"] == dt.date(2026, 5, 19)
    assert values["order_number"] == "A 90331"
    assert values["carrier"] == "Dachser SE"
    assert values["total_packages"] == 4  # 'total_packages' is labelled by the thing it counts


def test_brazilian_and_philippine_labels() -> None:
    brazil = [(0.08, 0.04, "Café Serra Azul Comércio Ltda"), (0.55, 0.1, "Nota Fiscal nº"),
              (0.75, 0.1, "NF 000.123.456"), (0.5, 0.6, "Valor dos produtos"), (0.8, 0.6, "6.752,00"),
              (0.5, 0.615, "ICMS 18%"), (0.8, 0.615, "1.215,36"), (0.5, 0.63, "Valor total"), (0.8, 0.63, "R$ 7.967,36")]
    values = _values(brazil)
    assert (values["subtotal"], values["tax_total"], values["total"]) == (
        Decimal("6752.00"), Decimal("1215.36"), Decimal("7967.36"))
    philippines = [(0.08, 0.04, "Maharlika Office Supplies Corp."), (0.5, 0.6, "VATable Sales"),
                   (0.8, 0.6, "36,650.00"), (0.5, 0.615, "VAT 12%"), (0.8, 0.615, "4,398.00"),
                   (0.5, 0.63, "Total Amount Due"), (0.8, 0.63, "41,048.00")]
    assert _values(philippines)["subtotal"] == Decimal("36650.00")


def test_a_dollar_sign_beside_a_mexico_city_address_is_the_peso_and_a_us_address_is_the_us_dollar() -> None:
    from docpipe.grounding.currency import detect_currency

    assert detect_currency("Av. Juárez 101, Col. Centro, CDMX TOTAL $203.50".split())[0] == "MXN"
    assert detect_currency("Eureka, CA 95501 TOTAL $203.50".split())[0] == "USD"


def test_a_recipients_address_ends_at_its_british_or_indian_postcode_line() -> None:
    for city_line in ("2 Mill Road, Bath BA1 1AA", "45 MG Road, Bengaluru 560001"):
        page = [(0.08, 0.04, "Harbour Lane Supplies Ltd"), (0.6, 0.1, "Invoice No:"), (0.8, 0.1, "HLS-20417"),
                (0.08, 0.2, "Invoice to:"), (0.08, 0.215, "Clifton Bakery Co"), (0.08, 0.23, city_line),
                (0.08, 0.26, "Description"), (0.5, 0.26, "Qty"), (0.6, 0.26, "Unit price"), (0.8, 0.26, "Amount"),
                (0.08, 0.275, "Flour sacks 25kg"), (0.5, 0.275, "10"), (0.6, 0.275, "18.50"), (0.8, 0.275, "185.00")]
        assert _values(page)["buyer_address"] == city_line
