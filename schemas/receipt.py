"""Receipt: till and card-terminal slips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field


class ReceiptItem(BaseModel):
    description: str | None = Field(None, description="Item as printed.", json_schema_extra={"kind": "text"})
    quantity: Decimal | None = Field(None, description="Quantity as printed on the line; null when it prints none.",
                                     json_schema_extra={"kind": "amount"})
    price: Decimal | None = Field(None, description="Price of the line.", json_schema_extra={"kind": "amount"})


class Receipt(BaseModel):
    """A point-of-sale receipt."""

    merchant_name: str | None = Field(
        None, description="Shop or merchant name, usually at the top.",
        json_schema_extra={"required": True, "kind": "name", "labels": ["merchant", "store", "shop", "geschäft", "magasin"]},
    )
    merchant_address: str | None = Field(
        None, description="Merchant's street address.",
        json_schema_extra={"kind": "address", "labels": ["address", "adresse", "anschrift"]},
    )
    # `date` is the analysts' column name, so the type is spelled dt.date to avoid shadowing.
    date: dt.date | None = Field(
        None, description="Date of purchase, ISO 8601.",
        json_schema_extra={"required": True, "kind": "date", "labels": ["date", "datum", "fecha", "data"]},
    )
    total: Decimal | None = Field(
        None,
        description="Amount paid: the purchase total with tax, plus a tip or rounding adjustment printed after it.",
        json_schema_extra={"required": True, "kind": "amount", "labels": [
            "total", "amount", "total due", "summe", "gesamt", "zu zahlen", "bar", "montant", "total ttc"]},
    )
    currency: str | None = Field(
        None, description="ISO 4217 currency code.", pattern=r"^[A-Z]{3}$",
        json_schema_extra={"kind": "currency", "labels": ["currency", "währung", "devise"]},
    )
    items: list[ReceiptItem] = Field(default_factory=list, description="Purchased items in order.",
                                     json_schema_extra={"kind": "table"})


SCHEMA = Receipt
