"""One kind inference for schemas without docpipe hints, used by grounding, extraction and eval."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import BaseModel, Field

from docpipe.fields import field_specs, infer_kind
from docpipe.grounding.durations import parse_duration
from docpipe.grounding.normalize import values_equal
from docpipe.grounding.verify import verify_on_page
from docpipe.devtools.synthetic_words import synthetic_page
from docpipe.processing.grounding_step import ground_page
from docpipe.records import DocKind, PageImage
from docpipe.tasks.base import PageWork
from docpipe.tasks.values import flatten_values


class PurchaseOrder(BaseModel):  # a user's schema without hints
    po_number: str | None = None
    order_date: str | None = None
    supplier: str | None = None
    delivery_period: str | None = None
    country_of_origin: str | None = None
    signatories: list[str] = []
    notes: str | None = None
    counterparty_info: str | None = Field(None, description="The company that signs on the other side.")
    how_long: str | None = Field(None, description="How long the offer stays open.")


@pytest.mark.parametrize(("field", "kind"), [
    ("po_number", "identifier"), ("order_date", "date"), ("supplier", "name"), ("delivery_period", "duration"),
    ("country_of_origin", "place"), ("signatories", "name"), ("notes", "text"), ("counterparty_info", "name"),
    ("how_long", "duration"),
])
def test_kinds_from_names_types_and_descriptions(field: str, kind: str) -> None:
    specs = {s.name: s for s in field_specs(PurchaseOrder)}
    assert specs[field].kind == kind


def test_types_come_first_and_hints_override() -> None:
    assert infer_kind("term", Decimal) == "amount"
    assert infer_kind("anything", date) == "date"
    assert infer_kind("notice", timedelta) == "duration"
    assert infer_kind("language", str) == "language"

    class Hinted(BaseModel):
        term: str | None = Field(None, json_schema_extra={"kind": "text"})

    assert field_specs(Hinted)[0].kind == "text"


def test_vlm_grounding_uses_the_same_kind_inference_identifier_matched_exactly() -> None:
    """A hint-less po_number printed as PO-1003 does not ground the value PO-1002 (it used to,
    by fuzzy text match, because tasks/values had its own kind rule)."""
    words = synthetic_page([(0.1, 0.1, "Purchase Order"), (0.6, 0.1, "PO-1003"), (0.1, 0.2, "Acme Supplies Ltd")])
    flat = {v.path: v for v in flatten_values(PurchaseOrder(po_number="PO-1002", supplier="Acme Supplies Ltd"))}
    assert flat["po_number"].kind == "identifier"
    page = PageImage(doc_id="x", source_path="/x.pdf", kind=DocKind.pdf, page_index=0, page_count=1, total_pages=1,
                     width_pt=595, height_pt=842, words=words, word_source="pdf_text")
    work = PageWork(page=page, image=None)
    work.extraction = PurchaseOrder(po_number="PO-1002", supplier="Acme Supplies Ltd")
    by_field = {g.field: g for g in ground_page(work)}
    assert by_field["po_number"].grounded is False
    assert by_field["supplier"].grounded is True
    work.extraction = PurchaseOrder(po_number="PO-1003")
    assert {g.field: g for g in ground_page(work)}["po_number"].grounded is True


def test_list_items_have_the_kind_of_their_field() -> None:
    flat = flatten_values(PurchaseOrder(signatories=["Ann Lee", "Bo Ito"]))
    assert [(v.path, v.kind) for v in flat] == [("signatories[0]", "name"), ("signatories[1]", "name")]


@pytest.mark.parametrize(("a", "b", "same"), [
    ("3 years", "three (3) years", True), ("3 years", "36 months", True), ("1 year", "twelve (12) months", True),
    ("2 weeks", "14 days", True), ("a three-year period", "3 years", True), ("2 years", "3 years", False),
    ("1 year", "365 days", False), ("twenty-four (24) months", "2 years", True),
])
def test_durations_compare_by_length(a: str, b: str, same: bool) -> None:
    assert values_equal(a, b, "duration") is same


def test_a_text_with_two_lengths_is_no_duration() -> None:
    assert parse_duration("one year and six months") is None
    assert parse_duration("no length here") is None
    assert str(parse_duration("thirty (30) days")) == "30 days"


@pytest.mark.parametrize(("a", "b", "same"), [
    ("New York", "the State of New York", True), ("Massachusetts", "Commonwealth of Massachusetts", True),
    ("Delaware", "New York", False),
])
def test_places_compare_without_their_introducing_words(a: str, b: str, same: bool) -> None:
    assert values_equal(a, b, "place") is same


def test_durations_are_grounded_by_length_and_places_fuzzily() -> None:
    from docpipe.grounding.verify import GroundingQuery

    words = synthetic_page([(0.1, 0.1, "shall survive for three (3) years from the date"),
                            (0.1, 0.2, "governed by the laws of the State of Delaware")])
    found = verify_on_page([GroundingQuery(field="term", value="3 years", kind="duration"),
                            GroundingQuery(field="term2", value="36 months", kind="duration"),
                            GroundingQuery(field="term3", value="2 years", kind="duration"),
                            GroundingQuery(field="law", value="Delaware", kind="place")], words, 0)
    assert [g.grounded for g in found] == [True, True, False, True]
    assert found[0].text == "three (3) years"
