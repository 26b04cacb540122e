"""Merging page results into one document record."""

from __future__ import annotations

from decimal import Decimal

from docpipe.merge import merge_document
from docpipe.records import ErrorCategory, ErrorInfo, FieldGrounding, PageResult, Status
from docpipe.schema_registry import load_schema

INVOICE = load_schema("invoice").model


def _page(index: int, count: int, extraction: dict | None, grounding=(), status=Status.ok, error=None,
          doc_error=None) -> PageResult:
    return PageResult(
        doc_id="d", source_path="d.pdf", page_index=index, page_count=count, total_pages=count,
        width_pt=595, height_pt=842, status=status, error=error, doc_error=doc_error,
        extraction_json=INVOICE.model_validate(extraction).model_dump_json() if extraction is not None else None,
        grounding=list(grounding),
    )


def _g(field: str, page: int, grounded: bool = True, value: str = "v") -> FieldGrounding:
    return FieldGrounding(field=field, value=value, page_index=page, bbox=(0.1, 0.1, 0.2, 0.2) if grounded else None,
                          text=value if grounded else None, score=0.9 if grounded else 0.0, grounded=grounded,
                          source="words" if grounded else None)


# The invoice schema's required fields besides invoice_number and total, grounded on page 0.
REST = {"issue_date": "2024-03-01", "currency": "EUR", "seller_name": "Seller GmbH"}
REST_G = [_g(name, 0) for name in REST]


def test_scalars_take_first_grounded_value_and_lists_concatenate_in_page_order():
    p0 = _page(0, 2, {"invoice_number": "X-1", "total": "5.00", **REST,
                      "line_items": [{"description": "a", "amount": "1"}, {"description": "b", "amount": "2"}]},
               [_g("invoice_number", 0), _g("total", 0, grounded=False),
                _g("line_items[0].amount", 0), _g("line_items[1].amount", 0), *REST_G])
    p1 = _page(1, 2, {"total": "9.00", "line_items": [{"description": "c", "amount": "3"}]},
               [_g("total", 1), _g("line_items[0].amount", 1)])
    merged = merge_document([p1, p0], INVOICE)  # order of arrival must not matter
    assert merged.values.invoice_number == "X-1"
    assert merged.values.total == Decimal("9.00")  # page 0's total was not found on the page
    assert [li.description for li in merged.values.line_items] == ["a", "b", "c"]
    fields = {(g.field, g.page_index) for g in merged.grounding}
    assert ("line_items[2].amount", 1) in fields  # re-indexed after page 0's two rows
    assert ("total", 1) in fields and ("total", 0) not in fields
    assert merged.status == Status.ok and merged.pages_processed == 2


def test_ungrounded_values_make_the_document_partial():
    merged = merge_document([_page(0, 1, {"total": "5.00", "invoice_number": "A", **REST},
                                   [_g("total", 0, grounded=False), _g("invoice_number", 0), *REST_G])], INVOICE)
    assert merged.status == Status.partial
    assert merged.error.category == ErrorCategory.ungrounded and "total" in merged.error.message
    assert merged.ungrounded_count == 1


def test_failed_pages_make_partial_or_failed():
    err = ErrorInfo(category=ErrorCategory.token_budget, message="cut", stage="extract")
    ok = _page(0, 2, {"invoice_number": "A"}, [_g("invoice_number", 0)])
    bad = _page(1, 2, None, status=Status.failed, error=err)
    merged = merge_document([ok, bad], INVOICE)
    assert merged.status == Status.partial and "1 of 2 pages failed" in merged.error.message
    all_bad = merge_document([bad.model_copy(update={"page_index": 0}), bad], INVOICE)
    assert all_bad.status == Status.failed and all_bad.values is None
    assert all_bad.error.category == ErrorCategory.token_budget


def test_truncated_document_is_partial():
    note = ErrorInfo(category=ErrorCategory.too_many_pages, message="3 of 1500 pages", stage="raster")
    merged = merge_document([_page(0, 1, {"invoice_number": "A"}, [_g("invoice_number", 0)], doc_error=note)],
                            INVOICE)
    assert merged.status == Status.partial and merged.error.category == ErrorCategory.too_many_pages


def test_later_page_wins_only_with_a_clearly_better_grounding():
    weak = _g("tax_total", 0).model_copy(update={"score": 0.5})
    p0 = _page(0, 2, {"tax_total": "123"}, [weak])
    p1 = _page(1, 2, {"tax_total": "1794.68"}, [_g("tax_total", 1)])
    assert merge_document([p0, p1], INVOICE).values.tax_total == Decimal("1794.68")
    same = _page(1, 2, {"tax_total": "999"}, [weak.model_copy(update={"page_index": 1})])
    assert merge_document([p0, same], INVOICE).values.tax_total == Decimal("123")  # tie: earlier page
