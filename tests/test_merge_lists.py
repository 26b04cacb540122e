"""The merge policy for list fields: plain values a later page repeats are kept once, records never
are merged away, and every kept item's grounding follows it to its new index."""

from __future__ import annotations

from pydantic import BaseModel

from docpipe.merge import merge_document
from docpipe.records import FieldGrounding, PageResult, Status


class Line(BaseModel):
    description: str | None = None
    amount: float | None = None


class Agreement(BaseModel):
    party: list[str] = []
    lines: list[Line] = []


def _page(index: int, values: Agreement, grounding: list[FieldGrounding]) -> PageResult:
    return PageResult(doc_id="d", source_path="d.pdf", page_index=index, page_count=2, total_pages=2,
                      width_pt=595, height_pt=842, status=Status.ok,
                      extraction_json=values.model_dump_json(), grounding=grounding)


def _g(path: str, page: int, value: str) -> FieldGrounding:
    return FieldGrounding(field=path, value=value, page_index=page, bbox=(0.1, 0.1, 0.2, 0.12),
                          text=value, score=1.0, grounded=True, source="words")


def test_a_party_named_on_two_pages_is_one_party_and_keeps_its_first_grounding() -> None:
    first = Agreement(party=["Acme Corp.", "Globex GmbH"])
    second = Agreement(party=["ACME Corp", "Initech LLC"])
    merged = merge_document([
        _page(0, first, [_g("party[0]", 0, "Acme Corp."), _g("party[1]", 0, "Globex GmbH")]),
        _page(1, second, [_g("party[0]", 1, "ACME Corp"), _g("party[1]", 1, "Initech LLC")]),
    ], Agreement)
    assert merged.values.party == ["Acme Corp.", "Globex GmbH", "Initech LLC"]
    by_path = {g.field: g for g in merged.grounding}
    assert set(by_path) == {"party[0]", "party[1]", "party[2]"}
    assert by_path["party[0]"].page_index == 0 and by_path["party[0]"].value == "Acme Corp."
    assert by_path["party[2]"].page_index == 1 and by_path["party[2]"].value == "Initech LLC"
    assert by_path["party[2]"].row_index == 2


def test_equal_records_on_two_pages_are_two_rows() -> None:
    line = Line(description="Consulting", amount=100.0)
    merged = merge_document([
        _page(0, Agreement(lines=[line]), [_g("lines[0].amount", 0, "100.00")]),
        _page(1, Agreement(lines=[line]), [_g("lines[0].amount", 1, "100.00")]),
    ], Agreement)
    assert len(merged.values.lines) == 2
    assert {(g.field, g.page_index) for g in merged.grounding} == {("lines[0].amount", 0), ("lines[1].amount", 1)}
