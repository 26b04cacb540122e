"""Invoices whose seller is printed in many different places, in six languages, with known truth.

Real invoices put the issuer in a letterhead (left, right, centred, in capitals), under a label
('From:', 'Verkäufer', 'Émetteur', 'Proveedor'), in a right-hand column beside the buyer, only in
the small sender line above the address window, only in the legal footer, or with its legal form
on a second line. `varied_invoices()` draws each of those kinds (`SELLER_KINDS`) in German,
French, English, Spanish, Italian and Dutch with invented companies, so the offline engine's
seller (and buyer) reading can be measured and tested on layouts nobody tuned it for.

    for case in varied_invoices(seed=0):   # SellerCase(name, kind, language, pdf, expected)
        ...

Companies, streets and numbers are made up from syllables; nothing copies a real document.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from docpipe.devtools.doc_formats import DateStyle, format_date, money
from docpipe.devtools.invoice_layout import HeadStyle, InvoiceSpec, InvoiceWords, LineItemSpec
from docpipe.devtools.sample_invoices import ENGLISH_GB, FRENCH, GERMAN

SPANISH = InvoiceWords(
    title="FACTURA", number="Factura n.º", issue_date="Fecha de factura", due_date="Vencimiento",
    bill_to="Cliente", col_description="Descripción", col_quantity="Cantidad", col_unit_price="Precio unitario",
    col_amount="Importe", subtotal="Base imponible", tax="IVA {rate} %", total="Total factura",
    page="Página {page} de {pages}", continued="Continúa en la página siguiente", numbers="de", currency_after=True,
)
ITALIAN = InvoiceWords(
    title="FATTURA", number="Fattura n.", issue_date="Data fattura", due_date="Scadenza", bill_to="Cliente",
    col_description="Descrizione", col_quantity="Quantità", col_unit_price="Prezzo unitario", col_amount="Importo",
    subtotal="Totale imponibile", tax="IVA {rate}%", total="Totale fattura", page="Pagina {page} di {pages}",
    continued="Continua alla pagina successiva", numbers="de", currency_after=True,
)
DUTCH = InvoiceWords(
    title="FACTUUR", number="Factuurnummer", issue_date="Factuurdatum", due_date="Vervaldatum", bill_to="Klant",
    col_description="Omschrijving", col_quantity="Aantal", col_unit_price="Prijs per stuk", col_amount="Bedrag",
    subtotal="Subtotaal", tax="BTW {rate}%", total="Totaal", page="Pagina {page} van {pages}",
    continued="Vervolg op volgende pagina", numbers="de", currency_after=True,
)


@dataclass(frozen=True)
class Language:
    code: str
    words: InvoiceWords
    seller_labels: tuple[str, ...]  # labels printed above a seller block
    buyer_labels: tuple[str, ...]
    sectors: tuple[str, ...]  # trade words that make up company names
    legal_forms: tuple[str, ...]
    streets: tuple[str, ...]  # '{stem}' and '{n}' filled in
    cities: tuple[tuple[str, str], ...]  # (postcode format, city); '#' is a digit
    registration: tuple[str, ...]  # footer lines; '{name}' is the seller's name
    currency: tuple[str, str]
    date_style: str
    tax_rate: D
    name_first: bool = True  # '{stem} {sector}' (else '{sector} {stem}')


LANGUAGES = (
    Language("de", GERMAN, ("Verkäufer", "Lieferant:", "Rechnungssteller", "Auftragnehmer:"),
             ("Käufer", "Kunde:", "Rechnungsempfänger", "Auftraggeber:"),
             ("Maschinenbau", "Feinwerktechnik", "Holzbau", "Logistik", "Elektrotechnik", "Druckerei"),
             ("GmbH", "AG", "GmbH & Co. KG", "KG", "e.K."),
             ("{stem}straße {n}", "Am {stem}weg {n}", "{stem}allee {n}"),
             (("#####", "Kassel"), ("#####", "Freiburg"), ("#####", "Erfurt"), ("#####", "Bremen")),
             ("{name} · Geschäftsführer: Jonas Wendel · Amtsgericht Kassel HRB 4711 · USt-IdNr. DE2{d8}",
              "Sparkasse · IBAN DE12 5005 0201 0{d7} 00 · BIC HELADEF1XXX"),
             ("EUR", "€"), "dmy_dot", D("19")),
    Language("fr", FRENCH, ("Émetteur :", "Vendeur", "Fournisseur :", "Prestataire"),
             ("Client :", "Acheteur", "Facturé à", "Destinataire"),
             ("Menuiserie", "Conseil", "Imprimerie", "Transports", "Boulangerie", "Électricité"),
             ("SARL", "SAS", "SA", "EURL"),
             ("{n} rue des {stem}s", "{n} avenue {stem}", "{n} chemin du {stem}"),
             (("#####", "Rennes"), ("#####", "Dijon"), ("#####", "Nantes"), ("#####", "Limoges")),
             ("{name} au capital de 20 000 € · RCS Rennes 8{d8} · SIRET 8{d8}00017",
              "IBAN FR76 3000 4000 0{d7} 143 · BIC BNPAFRPPXXX"),
             ("EUR", "€"), "dmy_slash", D("20"), name_first=False),
    Language("en", ENGLISH_GB, ("From:", "Seller", "Supplier:", "Issued by:"),
             ("Bill to:", "Customer", "Invoice to:", "Sold to:"),
             ("Engineering", "Supplies", "Consulting", "Logistics", "Print Works", "Joinery"),
             ("Ltd", "Limited", "LLP", "Ltd."),
             ("{n} {stem} Road", "{n} {stem} Street", "Unit {n}, {stem} Park"),
             (("Leeds LS# #AB", ""), ("York YO# #CD", ""), ("Bath BA# #EF", ""), ("Derby DE# #GH", "")),
             ("{name} · Registered in England No. 0{d7} · VAT Reg. GB 1{d8}",
              "Bank: Northgate Bank · Sort code 20-00-00 · Account {d8}"),
             ("GBP", "GBP"), "long_gb", D("20")),
    Language("es", SPANISH, ("Emisor:", "Proveedor", "Vendedor:", "Datos del emisor"),
             ("Cliente:", "Comprador", "Facturar a:", "Destinatario"),
             ("Construcciones", "Distribuciones", "Talleres", "Suministros", "Gráficas", "Transportes"),
             ("S.L.", "S.A.", "S.L.U."),
             ("Calle {stem} {n}", "Avenida de {stem} {n}", "Plaza {stem} {n}"),
             (("#####", "Zaragoza"), ("#####", "Valladolid"), ("#####", "Murcia"), ("#####", "Oviedo")),
             ("{name} · CIF B{d8} · Inscrita en el Registro Mercantil de Zaragoza, Tomo 4{d3}",
              "IBAN ES91 2100 0418 4{d7}32 · BIC CAIXESBBXXX"),
             ("EUR", "€"), "dmy_slash", D("21"), name_first=False),
    Language("it", ITALIAN, ("Fornitore:", "Cedente", "Emittente", "Venditore:"),
             ("Cliente:", "Cessionario", "Destinatario", "Committente:"),
             ("Meccanica", "Forniture", "Arredamenti", "Trasporti", "Tipografia", "Impianti"),
             ("S.r.l.", "S.p.A.", "S.n.c.", "S.a.s."),
             ("Via {stem} {n}", "Viale {stem} {n}", "Corso {stem} {n}"),
             (("#####", "Bergamo"), ("#####", "Verona"), ("#####", "Parma"), ("#####", "Lecce")),
             ("{name} · P.IVA 0{d8}1 · REA BG-{d6} · Capitale sociale € 10.000 i.v.",
              "IBAN IT60 X054 2811 1010 0000 0{d7} · BIC BPMOIT22XXX"),
             ("EUR", "€"), "dmy_slash", D("22"), name_first=False),
    Language("nl", DUTCH, ("Leverancier:", "Verkoper", "Van:", "Afzender"),
             ("Klant:", "Koper", "Factuuradres", "Aan:"),
             ("Bouw", "Techniek", "Installaties", "Drukkerij", "Transport", "Handel"),
             ("B.V.", "V.O.F.", "N.V."),
             ("{stem}straat {n}", "{stem}laan {n}", "{stem}weg {n}"),
             (("#### AB", "Utrecht"), ("#### CD", "Zwolle"), ("#### EF", "Breda"), ("#### GH", "Delft")),
             ("{name} · KvK 6{d7} · BTW NL8{d8}B01",
              "IBAN NL91 ABNA 0{d7}00 · BIC ABNANL2A"),
             ("EUR", "€"), "dmy_dot", D("21")),
)

_ONSETS = ("Br", "K", "M", "V", "T", "H", "D", "S", "G", "L", "R", "N", "F", "P", "W")
_VOWELS = ("a", "e", "i", "o", "u", "au", "ei")
_CODAS = ("nd", "rt", "lm", "st", "rn", "ck", "ll", "nt", "rg", "ss")
_ENDINGS = ("er", "en", "ing", "ar", "ino", "ani", "ow", "ell", "aro", "is")
_GIVEN = ("Lena", "Marco", "Anouk", "Pablo", "Claire", "Jonas", "Giulia", "Oliver")
_FAMILY = ("Vermeulen", "Moreau", "Rossi", "Weber", "García", "Hughes", "Brandt", "Leclerc")

SELLER_KINDS = (
    "letterhead_left", "letterhead_right", "letterhead_center_caps", "labelled_block", "columns_buyer_left",
    "columns_labelled", "footer_only", "sender_line_only", "legal_form_second_line", "window_letter",
    "no_legal_form",
)


@dataclass(frozen=True)
class SellerCase:
    name: str
    kind: str  # one of SELLER_KINDS
    language: str
    pdf: bytes
    expected: dict[str, Any]  # invoice schema fields as docpipe writes them


def _stem(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) + rng.choice(_ENDINGS)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _company(rng: random.Random, lang: Language) -> str:
    stem, sector = _stem(rng), rng.choice(lang.sectors)
    base = f"{stem} {sector}" if lang.name_first else f"{sector} {stem}"
    return f"{base} {rng.choice(lang.legal_forms)}"


def _address(rng: random.Random, lang: Language) -> tuple[str, str]:
    street = rng.choice(lang.streets).format(stem=_stem(rng), n=rng.randint(1, 140))
    code, city = rng.choice(lang.cities)
    code = "".join(str(rng.randint(1, 9)) if ch == "#" else ch for ch in code)
    return street, f"{code} {city}".strip()


def _fill(template: str, rng: random.Random, name: str) -> str:
    return template.format(name=name, d3=_digits(rng, 3), d6=_digits(rng, 6), d7=_digits(rng, 7), d8=_digits(rng, 8))


def _head(kind: str, lang: Language, rng: random.Random) -> tuple[HeadStyle | None, bool]:
    """(head style, whether the seller's name is printed in capitals)."""
    seller_label, buyer_label = rng.choice(lang.seller_labels), rng.choice(lang.buyer_labels)
    return {
        "letterhead_left": (HeadStyle("left", logo=rng.random() < 0.5, sender_line=rng.random() < 0.5), False),
        "letterhead_right": (HeadStyle("right", logo=rng.random() < 0.5), False),
        "letterhead_center_caps": (HeadStyle("center"), True),
        "labelled_block": (HeadStyle("columns", seller_label=seller_label, buyer_label=buyer_label, swap=True), False),
        "columns_buyer_left": (HeadStyle("columns", buyer_label="", logo=rng.random() < 0.5), rng.random() < 0.3),
        "columns_labelled": (HeadStyle("columns", seller_label=seller_label, buyer_label=buyer_label), False),
        "footer_only": (HeadStyle("footer", buyer_label=""), rng.random() < 0.3),
        "sender_line_only": (HeadStyle("sender", buyer_label=""), False),
        "legal_form_second_line": (HeadStyle("left", name_break=2), False),
        "window_letter": (None, rng.random() < 0.3),
        "no_legal_form": (HeadStyle(rng.choice(("left", "right")), logo=rng.random() < 0.5), False),
    }[kind]


def _without_name(line: str, name: str) -> str:
    return line.replace(f"{name} · ", "").replace(f"{name} au capital de", "Capital social :")


def varied_invoice(kind: str, lang: Language, rng: random.Random) -> tuple[InvoiceSpec, dict[str, Any]]:
    """One invoice of `kind` in `lang`, and the fields it must give."""
    head, caps = _head(kind, lang, rng)
    seller = _company(rng, lang)
    if kind == "legal_form_second_line":
        # Two trade words so that the name breaks before a line holding the rest and its legal form.
        seller = f"{_stem(rng)} {rng.choice(lang.sectors)} {_stem(rng)} {rng.choice(lang.legal_forms)}"
    if kind == "no_legal_form":
        # A sole trader or practice: no legal form anywhere in the name.
        seller = rng.choice((f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}", f"{rng.choice(lang.sectors)} {_stem(rng)}"))
    if caps:
        seller = seller.upper()
    buyer = _company(rng, lang) if rng.random() < 0.7 else f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"
    s_street, s_city = _address(rng, lang)
    b_street, b_city = _address(rng, lang)
    footer = tuple(_fill(t, rng, seller) for t in lang.registration)
    # Only some invoices repeat their name in the footer; where the name is printed nowhere else
    # (sender-line kind) it never does.
    if kind == "sender_line_only" or (kind != "footer_only" and rng.random() < 0.5):
        footer = tuple(_without_name(line, seller) for line in footer)
    issued = date(2024, 1, 1) + timedelta(days=rng.randint(0, 330))
    number = f"{rng.choice(('RE', 'F', 'INV', 'FA', 'N'))}-{issued.year}-{rng.randint(100, 9999)}"
    items = tuple(LineItemSpec(desc, D(rng.randint(1, 12)), D(rng.randint(500, 30000)) / 100)
                  for desc in rng.sample(("Service A-12", "Material M 40", "Montage / assembly", "Transport",
                                          "Lizenz / licence 2024", "Wartung / maintenance", "Part 7731-B"), 3))
    currency, mark = lang.currency
    contact = (f"Tel. +{rng.randint(30, 49)} {_digits(rng, 3)} {_digits(rng, 6)}",
               f"info@{_stem(rng).lower()}.example")
    spec = InvoiceSpec(
        words=lang.words, layout="letter" if kind == "window_letter" else "classic", page_size=(595.0, 842.0),
        number=number, issue_date=issued, due_date=issued + timedelta(days=30), issue_style=lang.date_style,
        due_style=lang.date_style, seller_name=seller, seller_address=(s_street, s_city),
        seller_contact=() if kind in ("footer_only", "sender_line_only") else contact,
        buyer_name=buyer, buyer_address=(b_street, b_city), currency=currency, currency_mark=mark,
        tax_rate=lang.tax_rate, items=items, footer=footer, head=head)
    e = spec.expected()
    expected = {k: e[k] for k in ("invoice_number", "issue_date", "total", "currency", "seller_name", "buyer_name")}
    return spec, expected


@dataclass(frozen=True)
class FieldWords:
    """Other ways one language labels an invoice's number, date and amounts, and the rows that compete."""

    number: tuple[str, ...]
    issue_date: tuple[str, ...]
    total: tuple[str, ...]  # the grand total
    due_total: tuple[str, ...]  # 'amount to pay' labels: the total only where nothing was prepaid
    subtotal: tuple[str, ...]
    prepaid: tuple[str, ...]
    balance: tuple[str, ...]
    other_ids: tuple[tuple[str, str], ...]  # (label, value template): customer, order, delivery note...
    other_dates: tuple[str, ...]  # delivery, order, service dates
    date_styles: tuple[DateStyle, ...]
    subject: tuple[str, ...]  # a subject line carrying the number ('Rechnung Nr. {number}')
    credit: tuple[str, str]  # a credit note's title and number label


FIELD_WORDS: dict[str, FieldWords] = {
    "de": FieldWords(
        ("Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Beleg-Nr.", "Re.-Nr."),
        ("Rechnungsdatum", "Datum", "Belegdatum", "Ausstellungsdatum"),
        ("Gesamtbetrag", "Rechnungsbetrag", "Bruttobetrag", "Gesamtsumme", "Endbetrag"),
        ("Zahlbetrag", "Zu zahlen"),
        ("Nettobetrag", "Summe netto", "Zwischensumme"),
        ("abzgl. Anzahlung", "Anzahlung vom Vormonat"), ("Restbetrag", "Noch zu zahlen"),
        (("Kundennummer", "{d5}"), ("Kunden-Nr.", "K{d5}"), ("Bestellnummer", "B-{d6}"), ("Auftrags-Nr.", "A{d6}"),
         ("Lieferschein-Nr.", "LS-{d5}")),
        ("Lieferdatum", "Leistungsdatum", "Bestelldatum"), ("dmy_dot", "long_de"),
        ("Rechnung Nr. {number}", "Rechnung {number}", "Unsere Rechnung Nr. {number}"), ("Gutschrift", "Gutschrift Nr.")),
    "fr": FieldWords(
        ("Facture n°", "N° de facture", "Numéro de facture", "Facture N°"),
        ("Date de facture", "Date", "Date d'émission", "Date de facturation"),
        ("Total TTC", "Montant TTC", "Montant total"),
        ("Net à payer", "Total à payer"),
        ("Total HT", "Montant HT", "Sous-total"),
        ("Acompte versé", "Acompte"), ("Reste à payer", "Solde dû"),
        (("N° client", "C{d5}"), ("Réf. commande", "CMD-{d5}"), ("Bon de livraison", "BL{d6}"), ("Code client", "{d6}")),
        ("Date de livraison", "Date de commande", "Date d'exécution"), ("dmy_slash", "long_fr"),
        ("Facture n° {number}", "Facture {number}"), ("Avoir", "Avoir n°")),
    "en": FieldWords(
        ("Invoice No.", "Invoice #", "Invoice number", "Invoice no:", "Document no."),
        ("Invoice date", "Date", "Date of issue", "Date of invoice"),
        ("Total", "Invoice total", "Total (incl. VAT)", "Grand total"),
        ("Total due", "Amount due"),
        ("Subtotal", "Net amount", "Total excl. VAT"),
        ("Less deposit", "Deposit paid"), ("Balance due", "Balance to pay"),
        (("Customer no.", "C-{d5}"), ("PO number", "PO-{d5}"), ("Order ref.", "{d6}"), ("Account no.", "AC{d5}")),
        ("Delivery date", "Order date", "Dispatch date"), ("long_gb", "dmy_slash"),
        ("Invoice {number}", "Invoice no. {number}"), ("Credit note", "Credit note no.")),
    "es": FieldWords(
        ("Factura n.º", "Nº factura", "Número de factura", "Factura número"),
        ("Fecha de factura", "Fecha", "Fecha de emisión"),
        ("Total factura", "Importe total", "Total (IVA incl.)"),
        ("Total a pagar",),
        ("Base imponible", "Subtotal", "Importe neto"),
        ("Anticipo",), ("Pendiente de pago", "Saldo"),
        (("Nº cliente", "{d5}"), ("Nº pedido", "P-{d5}"), ("Albarán", "ALB-{d5}")),
        ("Fecha de entrega", "Fecha de pedido", "Fecha de operación"), ("dmy_slash", "long_es"),
        ("Factura n.º {number}", "Factura {number}"), ("Factura rectificativa", "Factura rectificativa n.º")),
    "it": FieldWords(
        ("Fattura n.", "Numero fattura", "N. fattura", "Documento n."),
        ("Data fattura", "Data", "Data documento", "Data emissione"),
        ("Totale fattura", "Totale documento", "Importo totale"),
        ("Totale da pagare", "Netto a pagare"),
        ("Totale imponibile", "Imponibile", "Subtotale"),
        ("Acconto",), ("Saldo da pagare", "Residuo"),
        (("Cod. cliente", "{d5}"), ("Ordine n.", "ORD-{d5}"), ("DDT n.", "{d4}/{yy}")),
        ("Data consegna", "Data ordine", "Data DDT"), ("dmy_slash", "long_it"),
        ("Fattura n. {number}", "Fattura {number}"), ("Nota di credito", "Nota di credito n.")),
    "nl": FieldWords(
        ("Factuurnummer", "Factuurnr.", "Factuur nr.", "Factuur nummer"),
        ("Factuurdatum", "Datum", "Datum factuur"),
        ("Totaal", "Totaalbedrag", "Totaal incl. BTW"),
        ("Te betalen", "Totaal te betalen"),
        ("Subtotaal", "Totaal excl. BTW", "Netto bedrag"),
        ("Aanbetaling",), ("Restant", "Nog te betalen"),
        (("Klantnummer", "{d5}"), ("Ordernummer", "ORD{d6}"), ("Uw referentie", "REF-{d4}"), ("Pakbonnummer", "{d6}")),
        ("Leverdatum", "Orderdatum", "Leveringsdatum"), ("dmy_dot", "dmy_dash", "long_nl"),
        ("Factuur {number}", "Factuurnummer {number}"), ("Creditnota", "Creditnota nr.")),
}
NUMBER_SHAPES = ("{p}-{y}-{n4}", "{y}/{n4}", "{p}{y}{n5}", "{n6}", "{p}{yy}-{n4}", "{y}.{n3}", "{p}-{n6}")
META_PLACES = ("rows", "stacked", "strip", "subject")


def vary_fields(spec: InvoiceSpec, lang: Language, rng: random.Random) -> InvoiceSpec:
    """`spec` with other labels, number shapes, date styles, competing rows and sometimes a prepayment.

    The number/date block may be printed as rows, stacked, as a strip under the parties or with the
    number in a subject line (a classic-layout head only); one in ten is a credit note (its own
    title and number label, negative quantities and total). The expected invoice number (and a
    credit note's total) change with it.
    """
    fw = FIELD_WORDS[lang.code]
    credit = rng.random() < 0.1
    if credit:
        spec = replace(spec, words=replace(spec.words, title=fw.credit[0], number=fw.credit[1]),
                       items=tuple(replace(item, quantity=-item.quantity) for item in spec.items))
    prepaid = money(spec.total * D(rng.choice((20, 30, 50))) / 100) if rng.random() < 0.25 and not credit \
        else D("0.00")
    totals = fw.total if prepaid else fw.total + fw.due_total
    words = replace(spec.words, number=spec.words.number if credit else rng.choice(fw.number),
                    issue_date=rng.choice(fw.issue_date),
                    total=rng.choice(totals), subtotal=rng.choice(fw.subtotal), prepaid=rng.choice(fw.prepaid),
                    balance=rng.choice(fw.balance))
    year = spec.issue_date.year
    number = rng.choice(NUMBER_SHAPES).format(
        p=rng.choice(("RE", "R", "F", "FA", "INV", "RG")), y=year, yy=f"{year % 100:02d}", n3=_digits(rng, 3),
        n4=_digits(rng, 4), n5=_digits(rng, 5), n6=str(rng.randint(100000, 999999)))
    extra: list[tuple[str, str]] = []
    for label, template in rng.sample(fw.other_ids, rng.randint(0, 2)):
        extra.append((label, template.format(d4=_digits(rng, 4), d5=str(rng.randint(10000, 99999)),
                                             d6=str(rng.randint(100000, 999999)), yy=f"{year % 100:02d}")))
    style = rng.choice(fw.date_styles)
    for label in rng.sample(fw.other_dates, rng.randint(0, 1)):
        extra.append((label, format_date(spec.issue_date - timedelta(days=rng.randint(1, 20)), style)))
    rng.shuffle(extra)
    head = spec.head
    if head is not None:
        place = rng.choice(META_PLACES) if len(extra) <= 2 else rng.choice(("rows", "stacked", "subject"))
        head = replace(head, meta_at=place, subject=rng.choice(fw.subject))
    # A customer or order number's row printed before the invoice number's in a third of them.
    ids = [row for row in extra if row[0] in {label for label, _ in fw.other_ids}]
    before = tuple(ids[:1]) if ids and rng.random() < 0.35 else ()
    return replace(spec, words=words, number=number, issue_style=style, due_style=style,
                   meta_extra=tuple(row for row in extra if row not in before), meta_before=before, prepaid=prepaid,
                   head=head)


def varied_invoices(seed: int = 0, kinds: tuple[str, ...] = SELLER_KINDS,
                    languages: tuple[Language, ...] = LANGUAGES, fields: bool = False) -> list[SellerCase]:
    """Every kind in every language, drawn with a random generator seeded by `seed`.

    `fields`: also vary how the number, dates and totals are labelled and placed (`vary_fields`),
    drawn from a second generator so the seller layouts stay those of `seed`.
    """
    from docpipe.devtools.hard_cases import invoice_pdf

    rng = random.Random(seed)
    field_rng = random.Random(f"fields-{seed}")
    out: list[SellerCase] = []
    for kind in kinds:
        for lang in languages:
            spec, expected = varied_invoice(kind, lang, rng)
            if fields:
                spec = vary_fields(spec, lang, field_rng)
                expected = expected | {"invoice_number": spec.number, "total": f"{spec.total:.2f}"}
            out.append(SellerCase(f"{kind}_{lang.code}_{seed}", kind, lang.code, invoice_pdf(spec), expected))
    return out
