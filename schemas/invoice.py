"""Invoice: the fields accounts-payable teams query. Names are a stable contract for analysts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from docpipe.fields import amounts_agree, consistency_rule


class LineItem(BaseModel):
    description: str | None = Field(
        None,
        description="What was sold, as written on the line.",
        json_schema_extra={"kind": "text", "labels": ["description", "item", "article", "product", "service",
                                                      "Bezeichnung", "Beschreibung", "Artikel", "Leistung",
                                                      "désignation", "libellé", "descripción", "descrizione"]},
    )
    quantity: Decimal | None = Field(
        None,
        description="Quantity on the line.",
        json_schema_extra={"kind": "amount", "labels": ["qty", "quantity", "menge", "anzahl", "qté", "quantité",
                                                        "cantidad", "quantità"]},
    )
    unit_price: Decimal | None = Field(
        None,
        description="Price of one unit, without currency symbol.",
        json_schema_extra={"kind": "amount", "labels": ["unit price", "price", "rate", "einzelpreis", "preis",
                                                        "prix unitaire", "p.u.", "precio unitario", "prezzo"]},
    )
    amount: Decimal | None = Field(
        None,
        description="Line total, without currency symbol.",
        json_schema_extra={"kind": "amount", "labels": ["amount", "total", "line total", "betrag", "gesamt",
                                                        "gesamtpreis", "montant", "importe", "importo"]},
    )

    @consistency_rule("quantity × unit_price = amount")
    def _line_adds_up(self) -> bool | None:
        if None in (self.quantity, self.unit_price, self.amount):
            return None
        # A unit price may be printed with more decimals than the rounded line amount; a credit
        # note may print only the line amount negative ('2 × 45,00 = -90,00').
        product = self.quantity * self.unit_price
        if self.amount < 0 < product:
            product = -product
        return amounts_agree(product, self.amount, tolerance=max(
            Decimal("0.02"), abs(self.quantity) * Decimal("0.005")))


class Invoice(BaseModel):
    """A commercial invoice. Amounts are plain numbers in the invoice currency."""

    invoice_number: str | None = Field(
        None,
        description="The invoice's identifier exactly as printed (not an order, customer or tax number).",
        json_schema_extra={"required": True, "kind": "identifier", "labels": [
            "invoice number", "invoice no", "invoice no.", "invoice #", "invoice", "inv no", "bill number",
            "document number", "rechnungsnummer", "rechnungs-nr", "rechnung nr", "rechnung", "beleg-nr",
            "n° de facture", "numéro de facture", "facture n°", "facture", "número de factura", "factura",
            "numero fattura", "fattura n", "factuurnummer"]},
    )
    issue_date: date | None = Field(
        None,
        description="Date the invoice was issued, ISO 8601.",
        json_schema_extra={"required": True, "kind": "date", "labels": [
            "invoice date", "date of issue", "issue date", "issued", "date", "billing date",
            "rechnungsdatum", "datum", "belegdatum", "ausstellungsdatum", "date de facture", "date",
            "date d'émission", "fecha de factura", "fecha", "data fattura", "factuurdatum"]},
    )
    due_date: date | None = Field(
        None,
        description="Date payment is due, ISO 8601.",
        json_schema_extra={"kind": "date", "labels": [
            "due date", "payment due", "due", "pay by", "fällig am", "fälligkeitsdatum", "zahlbar bis",
            "date d'échéance", "échéance", "fecha de vencimiento", "scadenza"]},
    )
    seller_name: str | None = Field(
        None,
        description="Name of the company or person issuing the invoice.",
        json_schema_extra={"required": True, "kind": "name", "labels": [
            "seller", "vendor", "supplier", "from", "issued by", "verkäufer", "lieferant", "rechnungssteller",
            "fournisseur", "vendeur", "emisor", "proveedor", "fornitore"]},
    )
    seller_address: str | None = Field(
        None,
        description="Postal address of the seller.",
        json_schema_extra={"kind": "address", "labels": ["seller address", "address", "anschrift", "adresse"]},
    )
    buyer_name: str | None = Field(
        None,
        description="Name of the customer being billed.",
        json_schema_extra={"kind": "name", "labels": [
            "bill to", "billed to", "buyer", "customer", "sold to", "invoice to", "kunde", "käufer",
            "rechnungsempfänger", "client", "acheteur", "facturé à", "cliente", "destinatario"]},
    )
    buyer_address: str | None = Field(
        None,
        description="Postal address of the customer.",
        json_schema_extra={"kind": "address", "labels": ["billing address", "customer address", "lieferanschrift",
                                                         "adresse de facturation"]},
    )
    currency: str | None = Field(
        None,
        description="ISO 4217 code of the invoice currency, e.g. EUR, USD.",
        pattern=r"^[A-Z]{3}$",
        json_schema_extra={"required": True, "kind": "currency", "labels": ["currency", "währung", "devise", "moneda", "valuta"]},
    )
    subtotal: Decimal | None = Field(
        None,
        description="Total before tax.",
        json_schema_extra={"kind": "amount", "labels": [
            "subtotal", "sub total", "net amount", "net total", "total net", "amount before tax", "total excl",
            "nettobetrag", "netto", "summe netto", "gesamtbetrag netto", "zwischensumme", "total ht",
            "montant ht", "sous-total", "base imponible", "imponibile"]},
    )
    discount_total: Decimal | None = Field(
        None,
        description="Discount taken off the sum of the line amounts before tax (Rabatt, Skonto, remise), "
                    "as printed (often negative); null when none is printed.",
        json_schema_extra={"kind": "amount", "labels": [
            "discount", "total discount", "rabatt", "nachlass", "skonto", "abzgl. skonto", "abzgl. rabatt",
            "remise", "escompte", "descuento", "sconto", "korting"]},
    )
    tax_total: Decimal | None = Field(
        None,
        description="Total tax (VAT, sales tax) charged.",
        json_schema_extra={"kind": "amount", "labels": [
            "tax", "vat", "sales tax", "total tax", "tax amount", "gst", "mwst", "mwst.", "ust", "umsatzsteuer",
            "mehrwertsteuer", "steuerbetrag", "tva", "montant tva", "total tva", "iva", "impuesto"]},
    )
    total: Decimal | None = Field(
        None,
        description="Total amount of the invoice including tax.",
        json_schema_extra={"required": True, "kind": "amount", "labels": [
            "total", "total amount", "amount due", "total due", "balance due", "grand total", "invoice total",
            "total incl", "gesamtbetrag", "gesamtsumme", "rechnungsbetrag", "bruttobetrag", "endbetrag",
            "zu zahlen", "zahlbetrag", "total ttc", "montant ttc", "net à payer", "total a pagar", "totale"]},
    )
    line_items: list[LineItem] = Field(
        default_factory=list,
        description="Billed lines in the order printed.",
        json_schema_extra={"kind": "table"},
    )

    @consistency_rule("subtotal + tax_total = total")
    def _totals_add_up(self) -> bool | None:
        if None in (self.subtotal, self.tax_total, self.total):
            return None
        return amounts_agree(self.subtotal + self.tax_total, self.total)

    @consistency_rule("sum of line_items.amount − discount_total = subtotal")
    def _lines_add_up(self) -> bool | None:
        amounts = [item.amount for item in self.line_items]
        if self.subtotal is None or not amounts or None in amounts:
            return None
        # Each printed line amount may carry up to half a cent of rounding; a credit note may print
        # its lines positive under a negative subtotal. A discount is printed with either sign and
        # always makes the amount before tax smaller in size.
        total = sum(amounts)
        if self.subtotal < 0 and all(amount >= 0 for amount in amounts):
            total = -total
        if self.discount_total:
            total -= abs(self.discount_total) if total >= 0 else -abs(self.discount_total)
        return amounts_agree(total, self.subtotal, tolerance=max(Decimal("0.02"), Decimal("0.005") * len(amounts)))

    @consistency_rule("due_date ≥ issue_date", evidence=False)
    def _due_after_issue(self) -> bool | None:
        if self.issue_date is None or self.due_date is None:
            return None
        return self.due_date >= self.issue_date


SCHEMA = Invoice
