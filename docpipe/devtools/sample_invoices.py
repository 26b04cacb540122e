"""The invoices of sample_docs/: fictional companies, fixed data, four languages and layouts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from docpipe.devtools.invoice_layout import InvoiceSpec, InvoiceWords, LineItemSpec

ENGLISH_US = InvoiceWords(
    title="INVOICE", number="Invoice No.:", issue_date="Invoice Date:", due_date="Due Date:", bill_to="Bill To",
    col_description="Description", col_quantity="Qty", col_unit_price="Unit Price", col_amount="Amount",
    subtotal="Subtotal", tax="Tax (VAT {rate}%)", total="Total", page="Page {page} of {pages}",
    continued="Continued on next page", numbers="en",
)

ENGLISH_GB = InvoiceWords(
    title="Invoice", number="Invoice #", issue_date="Date of issue", due_date="Payment due", bill_to="Billed to",
    col_description="Item", col_quantity="Quantity", col_unit_price="Rate", col_amount="Line total",
    subtotal="Net total", tax="VAT ({rate}%)", total="Amount due", page="Page {page} of {pages}",
    continued="Continued overleaf", numbers="en",
)

GERMAN = InvoiceWords(
    title="Rechnung", number="Rechnungsnummer", issue_date="Rechnungsdatum", due_date="Zahlbar bis",
    bill_to=None, col_position="Pos.", col_description="Bezeichnung", col_quantity="Menge",
    col_unit_price="Einzelpreis", col_amount="Gesamtpreis", subtotal="Nettobetrag", tax="MwSt. {rate}%",
    total="Gesamtbetrag", page="Seite {page} von {pages}", continued="Fortsetzung auf der nächsten Seite",
    carried="Übertrag", numbers="de", currency_after=True,
)

FRENCH = InvoiceWords(
    title="FACTURE", number="Facture N°", issue_date="Date de facture", due_date="Échéance",
    bill_to="Facturé à", col_description="Désignation", col_quantity="Qté", col_unit_price="Prix unitaire",
    col_amount="Montant HT", subtotal="Total HT", tax="TVA {rate} %", total="Total TTC",
    page="Page {page} / {pages}", continued="Suite page suivante", numbers="fr", currency_after=True,
)

LETTER = (612.0, 792.0)


def acme_invoice() -> InvoiceSpec:
    return InvoiceSpec(
        words=ENGLISH_US, layout="classic", page_size=LETTER,
        number="INV-2024-0042", issue_date=date(2024, 3, 5), due_date=date(2024, 4, 4),
        issue_style="long_en", due_style="short_en",
        seller_name="Acme Industrial Supply Co.",
        seller_address=("1450 Harbor View Road, Suite 200", "Portland, OR 97209"),
        seller_contact=("Phone (503) 555-0187", "billing@acme-industrial.example", "EIN 93-1234567"),
        buyer_name="Bluefield Outdoor Gear Inc.",
        buyer_address=("88 Cedar Lane", "Boise, ID 83702"),
        meta_extra=(("PO Number:", "PO-7781"), ("Terms:", "Net 30")),
        currency="USD", currency_mark="USD", tax_rate=D("20"),
        items=(
            LineItemSpec("Stainless steel hex bolts M8 (box of 100)", D("12"), D("18.50")),
            LineItemSpec("Hydraulic hose assembly 1/2 in x 6 ft", D("4"), D("64.75")),
            LineItemSpec("Safety gloves, cut level A4 (pair)", D("30"), D("7.20")),
            LineItemSpec("On-site installation service (hours)", D("6"), D("95.00")),
        ),
        notes=("Payment terms: Net 30. Please quote the invoice number with your payment.",
               "Thank you for your business!"),
        footer=("Acme Industrial Supply Co. - First Harbor Bank - Account 4401 2287 19 - Routing 123000848",),
    )


def mueller_invoice() -> InvoiceSpec:
    items = (
        ("Präzisionswelle Ø 12 mm, gehärtet", "8", "42.90"), ("Kugellager 6204-2RS", "40", "6.35"),
        ("Lagerbuchse Messing 20x25x30", "25", "3.80"), ("Zahnriemen HTD 5M-450", "6", "27.40"),
        ("Linearführung 500 mm inkl. Wagen", "2", "189.00"), ("Sechskantschrauben M6x20 (100 Stk.)", "5", "9.95"),
        ("Passfeder DIN 6885 A 6x6x32", "50", "0.48"), ("Stellring Ø 12 mm verzinkt", "20", "1.75"),
        ("Kupplung elastisch 14/14 mm", "4", "38.60"), ("Gewindespindel TR16x4, 1000 mm", "2", "74.20"),
        ("Spindelmutter Rotguss TR16x4", "2", "31.50"), ("Aluminiumprofil 40x40, 2000 mm", "6", "36.90"),
        ("Nutenstein M6 (50 Stk.)", "3", "12.40"), ("Winkelverbinder 40er Profil", "24", "2.15"),
        ("Schrittmotor NEMA 23, 2,8 Nm", "2", "68.00"), ("Motorhalterung NEMA 23", "2", "14.90"),
        ("Endschalter mechanisch", "6", "4.25"), ("Energiekette 15x20, 1 m", "3", "17.80"),
        ("Steuerleitung 4x0,75 mm² (Meter)", "25", "1.92"), ("Kabelverschraubung M16 (10 Stk.)", "2", "6.70"),
        ("Drehteil nach Zeichnung 4711-B", "10", "23.40"),
        ("Distanzhülse Edelstahl 8x12x15", "40", "0.95"), ("Sicherungsring DIN 471 12 mm (50 Stk.)", "1", "7.80"),
        ("Flanschlager UCFL 204", "4", "21.30"), ("Schmierfett Lithium 400 g", "2", "11.90"),
        ("Montage und Justage (Std.)", "3.5", "78.00"), ("Dokumentation und Prüfprotokoll", "1", "95.00"),
        ("Verpackung und Versand", "1", "24.50"),
    )
    return InvoiceSpec(
        words=GERMAN, layout="letter", page_size=(595.0, 842.0),
        number="RE-2024-0815", issue_date=date(2024, 6, 5), due_date=date(2024, 7, 5),
        issue_style="dmy_dot", due_style="dmy_dot",
        seller_name="Müller Feinmechanik GmbH",
        seller_address=("Industriestraße 12", "70565 Stuttgart"),
        seller_contact=("Tel. 0711 555 3210", "info@mueller-feinmechanik.example", "USt-IdNr. DE287654321"),
        buyer_name="Schneider & Co. KG",
        buyer_address=("Hafenweg 3", "20457 Hamburg"),
        meta_extra=(("Kundennummer", "K-10442"), ("Lieferdatum", "03.06.2024")),
        currency="EUR", currency_mark="€", tax_rate=D("19"),
        items=tuple(LineItemSpec(d, D(q), D(p)) for d, q, p in items),
        intro="Sehr geehrte Damen und Herren, für unsere Lieferung berechnen wir Ihnen:",
        notes=("Zahlbar innerhalb von 30 Tagen ohne Abzug.", "Vielen Dank für Ihren Auftrag!"),
        footer=("Müller Feinmechanik GmbH · Geschäftsführer: Klaus Müller · Amtsgericht Stuttgart HRB 765432",
                "Volksbank Stuttgart · IBAN DE12 6009 0100 0123 4567 89 · BIC VOBADESSXXX"),
    )


def lumiere_invoice() -> InvoiceSpec:
    """Rendered, rotated and degraded into the scanned JPEG."""
    return InvoiceSpec(
        words=FRENCH, layout="classic", page_size=(595.0, 842.0), accent=(0.35, 0.18, 0.12),
        number="FA-2024-118", issue_date=date(2024, 9, 12), due_date=date(2024, 10, 12),
        issue_style="dmy_slash", due_style="long_fr",
        seller_name="Atelier Lumière SARL",
        seller_address=("14 rue des Tanneurs", "69002 Lyon"),
        seller_contact=("Tél. 04 78 55 01 23", "SIRET 812 345 678 00021", "TVA FR45812345678"),
        buyer_name="Boulangerie Petit Jean",
        buyer_address=("7 place du Marché", "33000 Bordeaux"),
        meta_extra=(("Réf. client", "CL-0356"),),
        currency="EUR", currency_mark="€", tax_rate=D("20"),
        items=(
            LineItemSpec("Suspension laiton brossé, modèle Orée", D("6"), D("145.00")),
            LineItemSpec("Ampoule LED filament 6 W", D("24"), D("8.90")),
            LineItemSpec("Câble textile tressé (mètre)", D("15"), D("4.60")),
            LineItemSpec("Pose et raccordement (heures)", D("5"), D("55.00")),
        ),
        notes=("Paiement à 30 jours par virement bancaire.",
               "Pénalités de retard : 3 fois le taux d'intérêt légal."),
        footer=("Atelier Lumière SARL au capital de 10 000 € · RCS Lyon 812 345 678",
                "IBAN FR76 3000 4000 0312 3456 7890 143 · BIC BNPAFRPPXXX"),
    )


def harbour_invoice() -> InvoiceSpec:
    """Rendered as a two-page bitonal TIFF, as a document scanner would file it."""
    items = (
        ("Brand workshop (half day)", "1", "650.00"), ("Logo redesign, three concepts", "1", "1200.00"),
        ("Brand guidelines document", "1", "850.00"), ("Business card design", "2", "120.00"),
        ("Letterhead and compliment slip", "1", "180.00"), ("Menu layout, A3 folded", "3", "210.00"),
        ("Window vinyl artwork", "2", "95.00"), ("Social media templates (set of 12)", "1", "360.00"),
        ("Photography art direction (hours)", "6", "75.00"), ("Image retouching (per image)", "18", "12.50"),
        ("Website banner set", "1", "240.00"), ("Email newsletter template", "1", "320.00"),
        ("Print management fee", "1", "150.00"), ("Signage mock-ups", "4", "45.00"),
        ("Packaging label design", "2", "280.00"), ("Loyalty card design", "1", "140.00"),
        ("Stationery proofs (printed)", "1", "65.00"), ("Revisions, third round (hours)", "5", "70.00"),
        ("Font licence, desktop (2 seats)", "1", "98.00"), ("Project management (hours)", "8", "55.00"),
        ("File preparation for print", "1", "110.00"), ("Courier, proofs to client", "2", "14.50"),
        ("Archive and handover package", "1", "85.00"), ("Launch day support (hours)", "4", "60.00"),
        ("Presentation boards A2", "3", "38.00"), ("Travel, Bristol to Cambridge", "1", "126.40"),
        ("Stock photography licences", "5", "29.00"), ("Illustration, shopfront", "1", "420.00"),
        ("Colour proofing", "2", "48.00"), ("Contingency, minor edits", "1", "90.00"),
    )
    return InvoiceSpec(
        words=ENGLISH_GB, layout="classic", page_size=(595.0, 842.0), accent=(0.1, 0.1, 0.1),
        number="HLD-1187", issue_date=date(2024, 11, 7), due_date=date(2024, 12, 7),
        issue_style="long_gb", due_style="iso",
        seller_name="Harbour Lane Design Ltd",
        seller_address=("3 Quay Street", "Bristol BS1 4DB"),
        seller_contact=("hello@harbourlane.example", "VAT Reg. GB 123 4567 89"),
        buyer_name="Greenway Foods Ltd",
        buyer_address=("21 Mill Road", "Cambridge CB1 2AD"),
        meta_extra=(("Your ref.", "GF-PO-2291"),),
        currency="GBP", currency_mark="GBP", tax_rate=D("20"),
        items=tuple(LineItemSpec(d, D(q), D(p)) for d, q, p in items),
        notes=("Please pay by bank transfer within 30 days, quoting the invoice number.",),
        footer=("Harbour Lane Design Ltd · Registered in England No. 09876543 · Sort code 20-00-00 · "
                "Account 12345678",),
    )
