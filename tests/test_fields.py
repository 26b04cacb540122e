"""The one field model: kinds, required fields, consistency rules, and the schema workers receive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, Field

from docpipe.fields import (
    RULE_CONTEXT, amounts_agree, check_rules, consistency_rule, field_specs, filled_fields, kind_of,
    missing_required,
)
from docpipe.schema_registry import load_schema, load_schema_source
from docpipe.tasks.decoding_schema import decoding_schema

REPO = Path(__file__).resolve().parents[1]


class Row(BaseModel):
    qty: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None

    @consistency_rule("qty × price = amount")
    def _row(self) -> bool | None:
        if None in (self.qty, self.price, self.amount):
            return None
        return amounts_agree(self.qty * self.price, self.amount)


class Order(BaseModel):
    order_no: str | None = Field(None, json_schema_extra={"required": True})
    placed: dt.date | None = None
    total: Decimal | None = Field(None, json_schema_extra={"required": True})
    rows: list[Row] = Field(default_factory=list)

    @consistency_rule("sum of rows.amount = total")
    def _sum(self) -> bool | None:
        amounts = [r.amount for r in self.rows]
        if self.total is None or not amounts or None in amounts:
            return None
        return amounts_agree(sum(amounts), self.total)


def test_required_fields_are_declared_per_field_and_reported_when_missing() -> None:
    specs = {s.name: s for s in field_specs(Order)}
    assert specs["order_no"].required and specs["total"].required and not specs["placed"].required
    assert missing_required(Order, Order(order_no="A-1", total=Decimal("3"))) == []
    assert missing_required(Order, Order(order_no="  ", placed=dt.date(2024, 1, 2))) == ["order_no", "total"]
    assert missing_required(Order, None) == ["order_no", "total"]
    assert filled_fields(Order(placed=dt.date(2024, 1, 2))) == ["placed"]
    assert filled_fields(Order()) == []


def test_required_hint_stays_out_of_the_decoding_schema() -> None:
    schema = decoding_schema(Order)
    assert schema["required"] == ["order_no", "placed", "total", "rows"]
    assert "required" not in schema["properties"]["order_no"]


def test_rules_name_the_broken_rule_with_its_path_and_never_fail_validation() -> None:
    good = Order(total=Decimal("5.00"), rows=[Row(qty=Decimal(2), price=Decimal("1.5"), amount=Decimal("3")),
                                              Row(amount=Decimal("2"))])
    assert check_rules(good) == []
    bad = Order.model_validate({"total": "9", "rows": [{"qty": 2, "price": "1.5", "amount": "4"}]})
    assert [str(v) for v in check_rules(bad)] == ["sum of rows.amount = total", "rows[0]: qty × price = amount"]
    sink: list[str] = []
    Order.model_validate(bad.model_dump(), context={RULE_CONTEXT: sink})
    assert sorted(sink) == ["qty × price = amount", "sum of rows.amount = total"]
    # A rule that does not apply (values missing) is not a violation.
    assert check_rules(Order(total=Decimal("1"))) == []


def test_builtin_invoice_rules_hold_on_consistent_values_and_catch_a_wrong_total() -> None:
    invoice = load_schema("invoice", REPO).model
    ok = invoice(subtotal=Decimal("100.00"), tax_total=Decimal("19.00"), total=Decimal("119.00"),
                 issue_date=dt.date(2024, 3, 1), due_date=dt.date(2024, 3, 31),
                 line_items=[{"quantity": 3, "unit_price": "33.333", "amount": "100.00"}])
    assert check_rules(ok) == []
    wrong = ok.model_copy(update={"total": Decimal("129.00"), "due_date": dt.date(2024, 2, 1)})
    assert {v.rule for v in check_rules(wrong)} == {"subtotal + tax_total = total", "due_date ≥ issue_date"}


def test_one_kind_inference_for_paths_and_unhinted_fields() -> None:
    invoice = load_schema("invoice", REPO).model
    assert kind_of(invoice, "line_items[3].unit_price") == "amount"
    assert kind_of(invoice, "total") == "amount" and kind_of(invoice, "no_such_field") == "text"

    class PurchaseOrder(BaseModel):
        po_number: str | None = None
        supplier_name: str | None = None
        ship_to_address: str | None = None

    kinds = {s.name: s.kind for s in field_specs(PurchaseOrder)}
    assert kinds == {"po_number": "identifier", "supplier_name": "name", "ship_to_address": "address"}


def test_workers_get_the_model_the_driver_resolved_not_a_path(tmp_path: Path) -> None:
    source = '''
from pydantic import BaseModel

class Receipt(BaseModel):
    shop: str | None = None

class PurchaseOrder(BaseModel):
    po_number: str | None = None

SCHEMA = Receipt
'''
    path = tmp_path / "mine.py"
    path.write_text(source)
    driver = load_schema(f"{path}:PurchaseOrder", tmp_path)
    assert driver.model.__name__ == "PurchaseOrder"
    path.unlink()  # a worker on another machine has no such file
    worker = load_schema_source(driver.source.model_copy())
    assert worker.model.__name__ == "PurchaseOrder" and list(worker.model.model_fields) == ["po_number"]
    assert worker.hash == driver.hash


def test_schema_hash_changes_when_a_rule_changes_but_not_the_json_schema(tmp_path: Path) -> None:
    base = '''
from decimal import Decimal
from pydantic import BaseModel
from docpipe.fields import consistency_rule

class Doc(BaseModel):
    a: Decimal | None = None
    b: Decimal | None = None

    @consistency_rule("a <= b")
    def _r(self):
        return None if None in (self.a, self.b) else self.a <= b_limit(self.b)

def b_limit(b):
    return b * {factor}

SCHEMA = Doc
'''
    one, two = tmp_path / "one.py", tmp_path / "two.py"
    one.write_text(base.replace("{factor}", "1"))
    two.write_text(base.replace("{factor}", "2"))
    first, second = load_schema(str(one), tmp_path), load_schema(str(two), tmp_path)
    assert first.json_schema == second.json_schema
    assert first.hash != second.hash
