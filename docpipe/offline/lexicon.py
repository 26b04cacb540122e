"""Built-in multilingual vocabulary the offline extractor adds to a schema's own labels.

A schema names its fields and usually lists labels; documents use many more spellings. Fields
are mapped to a role by their name ('total', 'grand_total', 'seller_name', ...) and each role
brings the labels below. Any schema benefits as long as its field names say what they are.
"""

from __future__ import annotations

import re

ROLE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("subtotal", re.compile(r"(sub_?total|net_?(total|amount)|total_?net|untaxed|before_tax)")),
    ("tax", re.compile(r"(tax|vat|gst)_?(total|amount)?$|^(tax|vat)")),
    ("discount", re.compile(r"discount|rebate")),
    ("amount_due", re.compile(r"(amount_?due|balance_?due|to_?pay|payable)")),
    ("total", re.compile(r"^(total|grand_?total|total_?(amount|gross|incl\w*)|amount_?total|gross_?total|invoice_?total)$")),
    ("doc_number", re.compile(r"^(invoice|receipt|bill|document|doc|credit_?note)_?(number|no|nr|num|id)$")),
    ("order_number", re.compile(r"^(po|purchase_?order|order)_?(number|no|nr|num|id|ref)$")),
    ("carrier", re.compile(r"^(carrier|shipper|forwarder|haulier|shipped_?via|ship_?via)(_?name)?$")),
    ("delivery_note_number",
     re.compile(r"^(delivery_?note|dn|packing_?slip|despatch_?note|dispatch_?note)_?(number|no|nr|num|id)$")),
    ("due_date", re.compile(r"due_?date|payment_?due")),
    # a user's order form or delivery note: dates of the roles in OTHER_DATE_ROLES
    ("order", re.compile(r"^(order|po|purchase_?order)_?date$|^date_?of_?order$|^ordered_?on$")),
    ("delivery", re.compile(r"^(delivery|ship|shipping|shipment|dispatch|supply)_?date$|^date_?of_?(delivery|supply)$"
                            r"|^(deliver|required)_?by$")),
    ("issue_date", re.compile(r"^(issue_?date|invoice_?date|date|document_?date|receipt_?date|date_?of_?issue|bill_?date)$")),
    ("delivery_address",
     re.compile(r"^(ship_?to|deliver_?to|delivery|shipping|shipment|consignee)(_?address)?$")),
    ("seller_address", re.compile(r"(seller|vendor|supplier|merchant|issuer|company)_?address")),
    ("buyer_address", re.compile(r"(buyer|customer|client|bill_?to|recipient)_?address")),
    ("seller", re.compile(r"^(seller|vendor|supplier|merchant|issuer|company)(_?name)?$")),
    ("buyer", re.compile(r"^(buyer|customer|client|bill_?to|recipient)(_?name)?$")),
    ("currency", re.compile(r"currency")),
]

ROLE_LABELS: dict[str, list[str]] = {
    "total": [
        "total", "grand total", "total amount", "total due", "amount due", "invoice total", "total incl",
        "total amount payable", "total amount due", "total premium payable", "total premium",
        "total incl vat", "total gross", "gross total", "total payable", "bruttosumme", "summe brutto",
        "rechnungssumme brutto", "gesamtsumme brutto", "gesamtbetrag brutto", "bruttobetrag",
        "summe inkl ust", "summe inkl mwst", "gesamtbetrag", "gesamtsumme", "rechnungsbetrag", "endbetrag",
        "total ttc", "montant ttc", "totaal", "totaal incl btw", "te betalen", "importe total",
        "total factura", "totale fattura", "totale documento", "brutto", "total brutto", "brutto gesamt",
        "gesamt brutto", "gesamt", "totaal bruto", "importo totale", "totale iva inclusa", "totaalbedrag",
        "montant total", "total iva incluido", "total iva incl", "summe", "endsumme", "gutschriftsbetrag",
        "gutschriftbetrag", "totale",
        "total tvac", "total tva comprise", "total tvai", "total a pagar", "total documento", "valor total",
        "gutschriftssumme", "montant de l'avoir", "total avoir", "importe abono", "total credit", "credit total",
        # the amount after a rounding adjustment (a longer label than the rounding line's own)
        "total after rounding", "total after adj", "total after adjustment", "total after rounding adj",
        "rounded total", "total rounded", "amount after rounding",
        # a utility's or telecom's bill: this period's charges, not the balance carried with them
        "total current charges", "current charges", "total new charges", "new charges", "total charges this period",
        "jumlah", "jumlah besar", "jumlah keseluruhan", "jumlah bayaran",  # Malay
        "do zaplaty", "razem do zaplaty", "razem brutto", "wartosc brutto", "kwota brutto",  # Polish
        "suma", "suma pln",
        "total belanja", "total bayar", "jumlah bayar",  # Indonesian
        "att betala", "summa att betala", "totalt", "totalbelopp", "summa inkl moms", "totalt inkl moms",  # Swedish
        "at betale", "i alt", "belob i alt", "total inkl moms", "i alt inkl moms",  # Danish
        "a betale", "sum a betale", "sum inkl mva", "totalt inkl mva", "totalbelop",  # Norwegian
        "yhteensa", "maksettava", "loppusumma", "yhteensa alv",  # Finnish
        "celkem k uhrade", "k uhrade", "celkem", "celkem s dph", "celkova castka", "cena celkem",  # Czech
        "suma na uhradu", "celkom", "celkom k uhrade", "spolu s dph",  # Slovak
        "fizetendo", "vegosszeg", "osszesen", "brutto osszesen",  # Hungarian
        "total de plata", "total factura", "total general", "total cu tva",  # Romanian
        "genel toplam", "toplam", "vergiler dahil toplam", "odenecek tutar", "kdv dahil toplam",  # Turkish
    ],
    "subtotal": [
        "subtotal", "sub total", "net total", "net amount", "total net", "total excl", "total excl vat",
        "nettobetrag", "summe netto", "rechnungssumme netto", "rechnungssumme ohne ust", "nettosumme",
        "zwischensumme", "positionssumme", "total ht", "montant ht", "sous-total", "subtotaal",
        "exclusief btw", "totaal excl btw", "base imponible", "imponibile",
        # A bare 'Net' / 'Netto' line is the amount before tax (receipts: 'NET 34.05 / VAT 2.04 / TOTAL').
        "net", "nett", "net sales", "net value", "netto", "netto gesamt", "gesamt netto", "total netto",
        "montant net", "total hors taxes", "hors taxes", "neto", "importe neto", "totale imponibile",
        "netto totaal", "subtotale", "netto bedrag", "totale netto", "total htva", "total hors tva",
        "total sem iva", "total iliquido", "valor sem iva",
        "razem netto", "wartosc netto", "kwota netto",
        "summa exkl moms", "totalt exkl moms", "exkl moms", "nettobelopp",  # Swedish
        "taxable value", "taxable amount", "total taxable value", "total taxable amount", "assessable value",
        "merchandise total", "merchandise subtotal", "goods total", "goods value", "total goods",
        "vatable sales", "total vatable sales", "valor dos produtos", "valor total dos produtos",
        "i alt ekskl moms", "ekskl moms", "nettobelob",  # Danish
        "sum eks mva", "sum ekskl mva", "eks mva", "nettobelop",  # Norwegian
        "veroton", "veroton yhteensa", "yhteensa ilman alv",  # Finnish
        "celkem bez dph", "zaklad dane", "zaklad dph", "bez dph",  # Czech and Slovak
        "netto osszesen", "netto ertek",  # Hungarian
        "total fara tva", "valoare fara tva", "baza impozabila",  # Romanian
        "ara toplam", "mal hizmet toplam tutari", "kdv haric toplam", "matrah",  # Turkish
    ],
    "tax": [
        "tax", "taxes", "taxes and fees", "taxes surcharges", "vat", "sales tax", "total tax", "tax amount",
        "total vat", "vat amount", "gst",
        "steuerbetrag", "ust betrag", "mwst betrag", "umsatzsteuer", "mehrwertsteuer", "zzgl ust",
        "zuzugl ust", "ust gesamt", "tva", "montant tva", "total tva", "total taxes", "btw", "iva",
        "ust", "mwst", "total gst", "gst amount", "gst amt", "tax amt", "total tax amount", "sst", "total sst", "service tax",
        "total mwst", "summe mwst", "summe ust", "total iva", "total btw", "vat total", "tax total",
        # the tax inside a gross total ('GST included in total: 1.50'), not the total
        "included in total", "incl in total", "included in the total", "inclusive in total", "enthaltene mwst",
        "enthaltene ust", "darin enthalten",
        "moms", "momsbelopp", "summa moms", "moms totalt", "momsbelob",  # Swedish, Danish
        "igst", "cgst", "sgst", "utgst", "total igst", "igst amount", "total gst amount",  # India
        "hst", "gst/hst", "pst", "qst", "tps", "tvq", "total hst",  # Canada
        "consumption tax", "jct",  # Japan
        "icms", "valor do icms",  # Brazil
        "mva", "merverdiavgift", "mvabelop", "mva belop", "sum mva",  # Norwegian
        "alv", "alv yhteensa", "arvonlisavero",  # Finnish
        "dph", "dph celkem", "vyse dph", "castka dph", "dph spolu",  # Czech and Slovak
        "afa", "afa osszesen", "afa ertek",  # Hungarian
        "ptu", "suma ptu", "podatek ptu",  # Polish receipts
        "valoare tva",  # Romanian
        "kdv", "hesaplanan kdv", "kdv tutari", "toplam kdv",  # Turkish
    ],
    "amount_due": [
        "amount due", "balance due", "total due", "amount payable", "zahlbetrag", "zu zahlen",
        "noch zu zahlen", "solde a payer", "net a payer", "reste a payer", "te betalen", "total a payer",
        "totaal te betalen", "nog te betalen", "total a pagar", "importe a pagar", "totale da pagare",
        "netto a pagare", "balance to pay", "amount to pay", "restbetrag",
        "pozostalo do zaplaty",
        "att betala", "at betale", "a betale", "maksettava", "k uhrade", "celkem k uhrade", "suma na uhradu",
        "fizetendo", "rest de plata", "odenecek tutar", "odenecek",
    ],
    "doc_number": [
        "invoice number", "invoice no", "invoice #", "invoice", "invoice id", "bill no", "bill number",
        "document no", "document number", "receipt no", "receipt number", "booking id",
        "rechnungsnummer", "rechnungsnr", "rechnung nr", "rechnung", "beleg nr", "belegnummer",
        "facture", "facture no", "numero de facture", "factuurnummer", "factuur nr", "factura no",
        "numero factura", "fattura n", "numero fattura", "credit note no", "gutschrift nr",
        "re-nr", "rg-nr", "factuurnr", "factuur nummer", "no de facture",
        "facture numero", "no factura", "no de factura", "numero de factura", "factura numero",
        "no fattura", "fattura numero", "documento no", "numero documento", "inv no", "invoice ref",
        "factuur", "fattura", "factura", "avoir", "avoir no", "nota di credito", "nota di credito no",
        "factura rectificativa", "factura rectificativa no", "creditnota", "creditnota nr", "credit note",
        "gutschrift", "gutschrift-nr", "gutschriftsnummer", "gutschriftsnr", "rech-nr", "rechn-nr",
        "fatura", "fatura no", "fatura n", "numero da fatura", "fatura-recibo", "fatura recibo", "factura simplificada",
        "nota de credito", "nota de credito no", "creditnotanummer", "credit note number",
        "avoir numero", "numero d'avoir", "no d'avoir", "no de l'avoir", "credit memo", "credit memo no",
        "credit memo number", "note de credit", "note de credit no", "numero de note de credit",
        "numer faktury", "faktura nr", "nr faktury", "faktura vat nr", "faktura", "faktura vat", "korekta nr",
        "faktura korygujaca nr", "fee note", "fee note no", "fee note number",
        "fakturanummer", "fakturanr", "kreditfaktura", "kreditnota", "kreditnota nr", "kreditnotanummer",  # Nordic
        "laskun numero", "laskun nro", "laskunumero", "lasku", "lasku nro", "hyvityslasku",  # Finnish
        "cislo faktury", "faktura c", "faktura cislo", "cislo dokladu", "danovy doklad c", "doklad c",  # Czech, Slovak
        "opravny danovy doklad", "dobropis", "dobropis c",
        "szamlaszam", "szamla sorszama", "szamla szama", "sorszam",  # Hungarian
        "factura nr", "nr factura", "numar factura", "factura seria",  # Romanian
        "nota fiscal", "nota fiscal no", "nf-e", "nfe no",  # Brazil
        "fatura no", "fatura numarasi", "fatura nr", "belge no",  # Turkish
        "folio no", "folio number", "folio",  # a hotel's bill (guest folio)
    ],
    # a user's order form: its own number
    "order_number": [
        "po", "po no", "po number", "po #", "purchase order", "purchase order no", "purchase order number",
        "order no", "order number", "order #", "order ref", "bestellnummer", "bestell nr", "bestellung nr",
        "auftragsnummer", "no de commande", "numero de commande", "bon de commande no", "commande no",
        "ordernummer", "inkoopordernummer", "inkooporder", "bestelnummer", "numero de pedido", "pedido no",
        "numero d'ordine", "ordine no", "zamowienie nr", "ordernr", "your order", "your order no", "customer order",
        "auftrag", "auftrag nr", "ihre bestellung", "ref commande", "reference commande", "votre commande",
    ],
    # a user's delivery note: who carries the goods
    "carrier": [
        "carrier", "shipped via", "ship via", "via", "forwarder", "haulier", "courier", "spediteur",
        "frachtfuhrer", "versandart", "transporteur", "expediteur", "transportista", "vettore", "corriere",
        "vervoerder", "transporter",
    ],
    # a user's delivery note: its own number
    "delivery_note_number": [
        "delivery note", "delivery note no", "delivery note number", "dn no", "packing slip", "packing slip no",
        "despatch note", "dispatch note", "lieferschein", "lieferschein nr", "lieferscheinnummer", "nummer",
        "bon de livraison", "bon de livraison no", "bl", "no bl", "bon no", "pakbon", "pakbonnummer", "albaran",
        "albaran no", "nota de entrega", "bolla", "ddt", "ddt no", "documento di trasporto", "guia de remessa",
    ],
    "issue_date": [
        "invoice date", "date of issue", "issue date", "date", "dated", "billing date", "document date",
        "rechnungsdatum", "belegdatum", "datum", "ausstellungsdatum", "date de facture", "date facture",
        "date d'emission", "factuurdatum", "fecha", "fecha de factura", "data", "data fattura",
        "date of invoice", "invoice dated", "date de facturation", "datum factuur", "fecha de emision",
        "fecha factura", "data documento", "data emissione", "data di emissione", "rechnung vom",
        "data wystawienia", "data faktury", "issued", "issued on", "date issued", "data de emissao",
        "fakturadatum", "fakturadato", "dato", "laskun paivays", "laskun paivamaara", "paivays", "paivamaara",
        "datum vystaveni", "vystaveno", "datum vyhotovenia", "datum vystavenia", "szamla kelte", "kelte",
        "kiallitas datuma",
        "data emiterii", "data facturii", "data emitere",  # Romanian
        "fatura tarihi", "duzenleme tarihi", "tarih",  # Turkish
        # a UK VAT invoice's date that is also its tax point ('Date/Tax point', 'Tax point / Date')
        "date tax point", "tax point date", "invoice date tax point",
        "folio date",  # a hotel's bill (guest folio)
    ],
    "due_date": [
        "due date", "payment due", "due", "pay by", "due on", "faellig am", "fallig am", "falligkeit",
        "falligkeitsdatum", "zahlbar bis", "zahlungsziel", "date d'echeance", "echeance", "vervaldatum",
        "fecha de vencimiento", "scadenza", "vencimiento", "fecha vencimiento", "vencimento", "data de vencimento",
        "data vencimento", "data di scadenza",
        "termin platnosci",
        "payment deadline", "deadline", "payment due date", "pay before", "due by",
        "forfallodatum", "forfallodag", "betalas senast", "sista betalningsdag", "forfaldsdato", "betalingsfrist",
        "sidste betalingsdag", "forfallsdato", "betalingsdato", "erapaiva", "maksetaan viimeistaan",
        "datum splatnosti", "splatnost", "splatno", "splatne do", "fizetesi hatarido", "esedekesseg",
        "termen de plata", "data scadentei", "scadenta",  # Romanian
        "vade tarihi", "son odeme tarihi", "vade",  # Turkish
    ],
    "seller": [
        "seller", "vendor", "supplier", "from", "issued by", "bill from", "service provider", "sold by",
        "verkaufer", "lieferant", "rechnungssteller", "rechnungsersteller", "auftragnehmer",
        "fournisseur", "vendeur", "prestataire", "emetteur", "leverancier", "verkoper", "emisor",
        "proveedor", "fornitore", "cedente", "afzender", "datos del emisor", "emittente", "venditore",
        "fornecedor", "vendedor", "emitente",
        "sprzedawca", "wystawca",
        "leverantor", "saljare", "leverandor", "sælger", "selger", "myyja", "laskuttaja",
        "dodavatel", "prodavajici", "elado", "szallito", "kiallito",
        "furnizor", "vanzator", "prestator", "satici",  # Romanian, Turkish
    ],
    "buyer": [
        "bill to", "billed to", "buyer", "customer", "sold to", "invoice to", "kaufer", "kunde",
        "rechnungsempfanger", "leistungsempfanger", "auftraggeber", "client", "acheteur", "facture a",
        "klant", "cliente", "destinatario", "cessionario", "bill to address", "koper", "factuuradres",
        "comprador", "facturar a", "datos del cliente", "committente", "destinataire",
        "aan", "empfanger", "adressat", "cliente finale", "facture a l'ordre de",
        "factuur aan", "gefactureerd aan", "rechnung an", "fattura a", "fatturato a", "factura a", "fatura para",
        "nabywca", "odbiorca", "platnik", "adquirente",
        "kund", "kopare", "faktureringsadress", "kober", "asiakas", "ostaja", "odberatel", "kupujici", "vevo",
        "cumparator", "beneficiar", "alici", "musteri",  # Romanian, Turkish
        "sayin",  # Turkish salutation heading the recipient's block
        "account holder", "billing address", "invoice address", "rechnungsadresse",
        "adresse de facturation", "indirizzo di fatturazione", "direccion de facturacion", "morada de faturacao",
        "spettle", "spettabile", "messrs",  # a salutation heading the recipient's block ('Spett.le:')
        # an insurer's bill: the policyholder is billed
        "policyholder", "policy holder", "insured", "versicherungsnehmer", "preneur d'assurance", "assure",
        "tomador", "contraente", "verzekeringnemer",
    ],
    # a user's order form or delivery note: where the goods go
    "delivery_address": [
        "ship to", "deliver to", "delivery address", "shipping address", "ship to address", "delivery to",
        "consignee", "lieferanschrift", "lieferadresse", "lieferung an", "adresse de livraison", "livrer a",
        "lieu de livraison", "afleveradres", "leveradres", "afleveren op", "direccion de entrega",
        "entregar en", "indirizzo di consegna", "consegna a", "luogo di consegna", "leveransadress",
        "leveringsadresse", "morada de entrega", "adres dostawy", "site address",
    ],
    "currency": ["currency", "wahrung", "rechnungswahrung", "betrage in", "devise", "valuta", "moneda", "waluta",
                 "mena", "penznem"],
}

# Table column roles by item field name.
ITEM_ROLE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("item_description", re.compile(r"(description|name|item|article|product|text|designation)")),
    ("item_quantity", re.compile(r"(quantity|qty|count|units)")),
    ("item_unit_price", re.compile(r"(unit_?price|price_?unit|rate|price)$")),
    ("item_amount", re.compile(r"(amount|line_?total|total|subtotal|net)$")),
]
ITEM_ROLE_LABELS: dict[str, list[str]] = {
    "item_description": ["description", "item", "article", "artikel", "bezeichnung", "artikelbezeichnung",
                         "beschreibung", "leistung", "produkt", "désignation", "designation", "omschrijving",
                         "concepto", "descripcion", "descrizione", "articolo", "prodotto", "servizio",
                         "beskrivning", "beskrivelse", "vara", "tjanst", "kuvaus", "tuote", "popis", "oznaceni",
                         "oznaceni dodavky", "polozka", "megnevezes", "termek",
                         "denumire", "denumirea serviciilor", "denumirea produselor", "mal hizmet", "aciklama"],
    "item_quantity": ["qty", "quantity", "menge", "anzahl", "aantal", "nombre", "quantite", "qte", "cantidad",
                      "cant", "q.ta", "qta", "quantita", "uds", "unidades", "stuks", "antal", "antall", "maara", "kpl",
                      "mnozstvi", "pocet", "ks", "mennyiseg", "db", "cantitate", "miktar",
                      "units", "hours", "hrs"],
    "item_unit_price": ["unit price", "price", "rate", "einzelpreis", "preis", "nettopreis", "vk-preis",
                        "p.u. ht", "prix unitaire", "prijs per stuk", "prijs", "precio", "precio unitario",
                        "prezzo", "prezzo unitario", "p.u.", "stukprijs", "a-pris", "apris", "styckpris", "enhetspris",
                        "pris", "enhedspris", "stykpris", "yksikkohinta", "a-hinta", "cena/mj", "cena za mj",
                        "jednotkova cena", "cena", "egysegar", "pret unitar", "birim fiyat"],
    "item_amount": ["amount", "line total", "total", "betrag", "gesamt", "gesamtpreis", "nettobetrag",
                    "nettowert", "zeilenbetrag", "entgelt", "summe", "montant ht", "montant", "prix ht",
                    "prijs incl btw", "bedrag", "importe", "importo", "totale", "net", "net amount", "belopp", "belob",
                    "belop", "summa", "hinta", "yhteensa", "celkem", "celkem bez dph", "castka", "osszeg", "ertek",
                    "valoare", "tutar", "ext price", "extended price", "ext amount", "extension"],
}

DOC_TITLE_WORDS = {
    "invoice", "tax invoice", "rechnung", "facture", "factuur", "factura", "fattura", "receipt",
    "payment receipt", "quittung", "credit note", "gutschrift", "kostenrechnung", "warenrechnung",
    "handelsrechnung", "bill", "statement", "simplified tax invoice", "official receipt", "sales receipt",
    "cash receipt", "cash bill", "cash sale", "guest check", "delivery order", "quotation",
    "fatura", "fatura-recibo", "fatura recibo", "fatura simplificada", "factura simplificada", "nota de credito",
    "nota di credito", "avoir", "creditnota", "credit memo", "fee note", "faktura", "faktura vat",
    "kreditfaktura", "kreditnota", "lasku", "hyvityslasku", "danovy doklad", "dobropis", "szamla", "note de credit",
    "factura fiscala", "e-fatura", "e-arsiv fatura", "guest folio", "folio",
}

# Table rows that carry a running sum between pages, not an item.
CARRY_WORDS = {
    "ubertrag", "uebertrag", "carried forward", "brought forward", "carry forward", "balance forward",
    "a reporter", "report", "transport", "zwischensumme", "riporto", "suma anterior", "subtotal",
}

# A line saying the table goes on on the next page: the table ends here on this page.
CONTINUED_WORDS = {
    "continued overleaf", "continued on next page", "continued on page", "continues on next page",
    "see next page", "pto", "fortsetzung auf", "fortsetzung nachste seite", "fortsetzung siehe",
    "suite au verso", "suite page suivante", "a suivre", "vervolg op volgende pagina", "zie volgende pagina",
    "continua alla pagina", "continua en la pagina siguiente",
}

# Words of the legal footer/imprint block: the issuer's name sits at its top.
REGISTRATION_WORDS = {
    "siege", "capital", "rcs", "siret", "siren", "ape", "naf", "hrb", "hra", "amtsgericht",
    "registergericht", "handelsregister", "geschaftsfuhrer", "geschaftsfuhrung", "vorstand",
    "ust-idnr", "ustid", "steuernummer", "kvk", "registered", "company", "vat", "reg", "iban", "bic",
    "ustidnr", "cif", "nif", "piva", "rea", "capitale", "registro", "mercantil", "btw", "kbo", "rcs", "rc",
}

# Number labels of a credit note: where one labels a number, an invoice-number label on the same
# page names the invoice the credit note corrects ('Betreft factuur: 2024-301').
# Numbers that stand for the document's own number where an insurer bills a policy: a fallback
# label, weaker than any invoice-number label printed on the same page (`scalars.all_hits`).
POLICY_NUMBER_LABELS = [
    "policy number", "policy no", "policy #", "policy nr", "policy ref", "versicherungsscheinnummer",
    "versicherungsschein nr", "versicherungsschein", "policennummer", "police nr", "polizze nr", "numero de police",
    "n de police", "police n", "numero di polizza", "polizza n", "polizza", "numero de poliza", "poliza n",
    "poliza no", "polisnummer", "polis nr", "polisnr", "versicherungsnummer",
]
# A contract's number: the document's number only where nothing else on the page labels one (an
# insurer's bill); beside an invoice number it is a reference (`scalars.all_hits`).
CONTRACT_NUMBER_LABELS = [
    "vertragsnummer", "vertrags nr", "contract number", "contract no", "no de contrat", "numero de contrat",
    "contrat no", "numero di contratto", "numero de contrato", "contractnummer",
]

# A bare 'Number:' ('Número:', 'Nummer:', 'N°:') opening a line piece: on a page whose own number
# has no fuller label, the document's number; weaker still than a policy number.
BARE_NUMBER_LABELS = ["number", "numero", "nummer", "no", "nr", "num"]

CREDIT_NOTE_LABELS = {
    "gutschrift nr", "gutschrift-nr", "gutschriftsnummer", "gutschriftsnr", "credit note no", "credit note number",
    "avoir no", "numero d'avoir", "avoir numero", "no d'avoir", "no de l'avoir", "nota di credito no",
    "creditnota nr", "creditnotanummer",
    "nota de credito no", "factura rectificativa no", "credit memo no", "credit memo number",
}

# Words before a document-number label that make it another document's number: a credit note's
# 'zu Rechnung: 2024-101', 'Corrects invoice: INV-5531', 'Rif. fattura 12/2024'.
REFERENCE_WORDS = {
    "zu", "zur", "bezug", "bzgl", "ref", "reference", "referenz", "corrects", "correcting", "original",
    "orig", "against", "cancels", "storno", "ursprungliche", "annule", "rif", "riferimento", "rectifica",
    "rectificada", "origineel", "oorspronkelijke", "related", "previous", "vorherige", "applies", "applied",
    "relative", "relatif", "relativa", "relativo", "concernant", "regarding", "betreffend", "betrifft", "bezuglich",
    "sur",  # 'Note de crédit relative à la facture F-2025-0211', 'Avoir sur facture N° …'
}

# Labels of numbers that are not the document's own: customer, order, delivery-note, account numbers
# (label tokens, folded, dots and dashes dropped); compounds are matched by their first part.
OTHER_NUMBER_WORDS = {
    "customer", "client", "account", "order", "po", "purchase", "delivery", "contract", "cliente", "commande",
    "pedido", "ordine", "ddt", "albaran", "bestellung", "auftrag", "kunde", "klant", "debiteur", "debitor",
    "pakbon", "lieferschein", "referentie", "reference", "ref", "rif", "cod", "code", "codice", "codigo",
}
OTHER_NUMBER_STEMS = ("kunden", "auftrags", "bestell", "lieferschein", "debitoren", "debiteur", "klant", "order",
                      "pakbon", "kd", "liefer", "vertrags")

# Words opening the line that names a business's owner under its trading name ('Inh. Sabine
# Auer e.K.', 'Prop. J. Smith', 'Titolare: …'): the owner, not the seller's name (label tokens).
OWNER_WORDS = {
    "inh", "inhaber", "inhaberin", "owner", "prop", "propr", "proprietor", "proprietress", "titolare",
    "eigenaar", "eigenaresse", "proprietaire", "proprietario", "proprietaria", "propietario", "propietaria",
}

# Salutations printed on a line of their own over a recipient's name ('Herrn', 'Firma', 'Spett.le',
# 'Attn'): part of the address block, never the name (label tokens: folded, dots dropped).
SALUTATIONS = {
    "firma", "herrn", "herr", "frau", "an", "to", "attn", "mr", "mrs", "ms", "messrs", "m", "mme", "spettle",
    "spett", "spettabile", "egregio", "gentile", "sig", "sigra", "att", "tav", "dhr", "mevr", "sr", "sra",
    "senor", "senora", "monsieur", "madame",
}

# Sub-labels inside a party block whose value is an identifier, not the party's name.
PARTY_ID_KEYS = {
    "gln", "nummer", "globale", "liefnr", "kundennr", "kundennummer", "ustidnr", "ustid", "steuernummer",
    "steuernr", "tel", "telefon", "fax", "email", "mail", "phone", "vat", "handelsname", "ansprechpartner",
    "contact", "kontakt", "abteilung", "iban", "bic", "web", "www", "gstin", "cin", "attn",
}
PARTY_NAME_KEYS = {"name", "firma", "company", "nom", "raison", "naam", "nombre", "ragione"}


def role_of(field_name: str) -> str:
    key = field_name.lower()
    for role, pattern in ROLE_PATTERNS:
        if pattern.search(key):
            return role
    return ""


def item_role_of(field_name: str) -> str:
    key = field_name.lower()
    for role, pattern in ITEM_ROLE_PATTERNS:
        if pattern.search(key):
            return role
    return ""


# What a row's label says an amount is, beyond the schema roles above: lines of a receipt's or
# invoice's money block that are *not* the amount a field asks for (the cash handed over, the
# change, a rounding line, a discount, a count of items, an amount already paid).
OTHER_AMOUNT_ROLES: dict[str, list[str]] = {
    "cash": [
        "cash", "cash tendered", "tendered", "amount tendered", "amount paid", "paid", "payment", "tunai",
        "visa", "mastercard", "master card", "amex", "credit card", "debit card", "card", "credit",
        "bar", "bargeld", "gegeben", "ec karte", "karte", "especes", "cb", "carte bancaire", "efectivo",
        "tarjeta", "contanti", "carta", "contant", "pin", "eftpos", "gotowka", "karta", "platnosc karta",
    ],
    "change": [
        "change", "change due", "cash change", "baki", "baki tunai", "ruckgeld", "wechselgeld",
        "zuruck", "rendu", "monnaie rendue", "a rendre", "cambio", "vuelto", "resto", "wisselgeld", "reszta",
    ],
    "rounding": [
        "rounding", "rounding adj", "rounding adjustment", "round adj", "rounding adjustments", "rundung",
        "arrondi", "redondeo", "arrotondamento", "afronding", "pembundaran",
    ],
    "tip": [
        "tip", "tips", "gratuity", "trinkgeld", "pourboire", "propina", "mancia", "fooi", "fooi/tip",
    ],
    "discount": [
        "discount", "disc", "total discount", "discount amount", "savings", "you saved", "rabatt", "nachlass",
        "skonto", "remise", "escompte", "descuento", "sconto", "korting",
    ],
    # the sum of the lines before a discount is taken off ('Gross  2,006.90 / Discount 10%  -200.69')
    "before_discount": ["gross", "gross amount", "total before discount", "amount before discount"],
    "count": [
        "qty", "quantity", "total qty", "total quantity", "items", "item", "item count", "total items",
        "no of items", "no of item", "number of items", "pcs", "units", "menge", "anzahl", "artikel",
        "stuck", "stk", "articles", "nombre d'articles", "cantidad", "articoli", "aantal",
    ],
    "prepaid": [
        "prepaid", "prepayment", "deposit", "already paid", "payment received", "payments received",
        "anzahlung", "bereits bezahlt", "geleistete anzahlung", "abschlag", "abschlagszahlung",
        "acompte", "deja paye", "anticipo", "aanbetaling",
    ],
    "unit_price": ["unit price", "price", "u/p", "rate", "einzelpreis", "prix unitaire", "precio unitario"],
}

# Dates printed on invoices and receipts that are not the issue or due date.
OTHER_DATE_ROLES: dict[str, list[str]] = {
    "delivery": [
        "delivery date", "date of delivery", "date of supply", "supply date", "service date", "tax point",
        "shipped", "ship date", "shipping date", "leistungsdatum", "lieferdatum", "liefertermin",
        "leistungszeitraum", "lieferzeitraum", "date de livraison", "date de prestation", "livraison",
        "fecha de entrega", "data di consegna", "leverdatum", "leveringsdatum", "dispatch date",
        "date d'execution", "fecha de operacion", "data consegna", "data ddt", "afleverdatum",
        "delivery", "deliver by", "required by", "delivery required", "requested delivery", "gewenste leverdatum",
        "datum der lieferung", "livre le", "delivered on", "date of dispatch", "versanddatum", "geliefert am",
        "livraison souhaitee", "date de livraison souhaitee", "wunschtermin", "gewunschter liefertermin",
    ],
    "order": [
        "order date", "date of order", "order", "po date", "bestelldatum", "auftragsdatum", "bestellung vom",
        "bestellung", "auftrag vom", "date de commande", "commande", "fecha de pedido", "pedido",
        "data ordine", "ordine", "besteldatum", "orderdatum",
    ],
    "print": [
        "printed", "print date", "printed on", "gedruckt", "gedruckt am", "druckdatum", "erstellt am",
        "received", "eingang", "eingangsdatum", "paid on", "payment date", "bezahlt am", "valid until",
        "gultig bis", "expiry", "expires", "exp", "date de paiement", "stand",
    ],
    "period": [
        "arrival", "departure", "check in", "check out", "anreise", "abreise", "arrivee", "depart",
        "period", "billing period", "zeitraum", "abrechnungszeitraum", "periode", "from", "to", "von",
        "bis", "du", "au", "vom", "periodo", "since", "until",
    ],
}


# Separators between the parts of a one-line address and contact line ('Markt 7 | 9711 AA
# Groningen | KvK …'): never part of a word, so also a separator when glued to one.
PART_SEPARATORS = frozenset({"|", "·", "•", "●"})
