from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest
from pydantic import BaseModel, Field

from docpipe.output.arrow_values import ValueOutOfRange
from docpipe.output.rows import (
    ColumnConflict,
    DocumentHead,
    DocumentTail,
    PageRow,
    dataset_metadata,
    document_rows_table,
    documents_schema,
    page_rows_table,
    pages_schema,
)
from docpipe.records import (
    ChartAnswer,
    ErrorCategory,
    ErrorInfo,
    FieldGrounding,
    PageResult,
    Status,
    TaskOutcome,
)
from schemas.invoice import Invoice, LineItem

NOW = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone.utc)
HEAD_COLUMNS = ["doc_id", "row_key", "source_path", "page_count", "pages_processed", "status", "error", "missing_fields",
                "broken_rules", "schema",
                "schema_hash", "pipeline", "engine", "model", "model_revision", "prompt_hash", "run_id",
                "processed_at"]
TAIL_COLUMNS = ["grounding", "ungrounded_count", "confidence", "answers"]


def head(doc_id: str, status: Status = Status.ok, error: ErrorInfo | None = None) -> DocumentHead:
    return DocumentHead(doc_id=doc_id, source_path=f"in/{doc_id}.pdf", page_count=2, pages_processed=2,
                        status=status, error=error, schema="invoice", schema_hash="sh", pipeline="default",
                        engine="hf", model="org/model", model_revision="abc", prompt_hash="ph", run_id="run1",
                        processed_at=NOW)


def test_documents_schema_columns_in_order() -> None:
    schema = documents_schema(Invoice)
    invoice_columns = list(Invoice.model_fields)
    assert schema.names == HEAD_COLUMNS + invoice_columns + TAIL_COLUMNS
    # Spliced schema columns are all nullable: a failed document has no values.
    assert all(schema.field(name).nullable for name in invoice_columns)
    assert schema.field("total").type == pa.decimal128(18, 4)
    assert schema.field("line_items").type.value_type.field("amount").type == pa.decimal128(18, 4)
    assert schema.field("status").type == pa.string() and not schema.field("status").nullable
    assert schema.field("processed_at").type == pa.timestamp("us", tz="UTC")
    error = schema.field("error")
    assert error.nullable
    assert [error.type.field(i).name for i in range(error.type.num_fields)] == ["category", "message", "stage"]
    assert schema.field("model").nullable and schema.field("model_revision").nullable
    grounding = schema.field("grounding").type.value_type
    assert [grounding.field(i).name for i in range(grounding.num_fields)] == list(FieldGrounding.model_fields)
    assert grounding.field("bbox").type.value_type == pa.float64()
    assert schema.field("confidence").nullable and schema.field("confidence").type == pa.float64()
    assert schema.field("ungrounded_count").type == pa.int64()


class Clashing(BaseModel):
    status: str | None = None
    confidence: float | None = None


class AliasClash(BaseModel):
    doc: str | None = Field(None, alias="doc_id")


@pytest.mark.parametrize("model", [Clashing, AliasClash])
def test_schema_field_colliding_with_fixed_column_is_a_config_error(model: type[BaseModel]) -> None:
    with pytest.raises(ColumnConflict, match="collide") as info:
        documents_schema(model)
    assert isinstance(info.value, ValueError)


def test_document_rows_table_values_and_nulls_for_failed_documents() -> None:
    invoice = Invoice(invoice_number="INV-7", issue_date=dt.date(2025, 2, 28), total=Decimal("119.00"),
                      currency="EUR", line_items=[LineItem(description="Widget", quantity=Decimal("2"),
                                                           amount=Decimal("100"))])
    groundings = [
        FieldGrounding(field="invoice_number", value="INV-7", page_index=0, bbox=(0.1, 0.1, 0.3, 0.12),
                       text="INV-7", score=1.0, grounded=True, source="words"),
        FieldGrounding(field="total", value="119.00", page_index=1, score=0.5, grounded=False),
        FieldGrounding(field="due_date", value=None),  # not extracted: counts for nothing
    ]
    failed = ErrorInfo(category=ErrorCategory.corrupt, message="bad xref", stage="raster")
    table = document_rows_table([head("a"), head("b", Status.failed, failed)], [invoice, None],
                                [groundings, []], Invoice)
    a, b = table.to_pylist()
    assert a["status"] == "ok" and a["error"] is None and a["schema"] == "invoice"
    assert a["invoice_number"] == "INV-7" and a["issue_date"] == dt.date(2025, 2, 28)
    assert a["total"] == Decimal("119.0000") and a["currency"] == "EUR"
    assert a["line_items"] == [{"description": "Widget", "quantity": Decimal("2.0000"), "unit_price": None,
                                "amount": Decimal("100.0000")}]
    assert a["grounding"][0]["bbox"] == [0.1, 0.1, 0.3, 0.12] and a["grounding"][0]["source"] == "words"
    assert a["ungrounded_count"] == 1 and a["confidence"] == pytest.approx(0.75)
    assert a["processed_at"] == NOW
    assert b["status"] == "failed"
    assert b["error"] == {"category": "corrupt", "message": "bad xref", "stage": "raster"}
    assert all(b[name] is None for name in Invoice.model_fields)
    assert b["grounding"] == [] and b["ungrounded_count"] == 0 and b["confidence"] is None


def test_document_rows_table_checks_its_inputs() -> None:
    with pytest.raises(ValueError, match="one item per document"):
        document_rows_table([head("a")], [], [[]], Invoice)
    with pytest.raises(TypeError, match="Invoice"):
        document_rows_table([head("a")], [LineItem()], [[]], Invoice)


def test_overflow_in_a_document_names_row_and_field() -> None:
    with pytest.raises(ValueOutOfRange, match=r"row 'big'.*'total'"):
        document_rows_table([head("ok"), head("big")], [Invoice(total=Decimal(1)), Invoice(total=Decimal("1e30"))],
                            [[], []], Invoice)


def test_row_key_defaults_to_doc_id_and_can_be_set() -> None:
    assert head("x").row_key == "x"
    dup = head("x").model_copy(update={"row_key": "x#2"})
    assert document_rows_table([dup], [None], [[]], Invoice).column("row_key").to_pylist() == ["x#2"]


def test_tail_from_groundings() -> None:
    tail = DocumentTail.from_groundings([FieldGrounding(field="a", value="1", score=0.2, grounded=True),
                                         FieldGrounding(field="b", value="2", score=0.4)])
    assert tail.ungrounded_count == 1 and tail.confidence == pytest.approx(0.3)


def _page(status: Status = Status.ok) -> PageResult:
    return PageResult(
        doc_id="d1", source_path="in/d1.pdf", page_index=1, page_count=3, total_pages=5, width_pt=595.0,
        height_pt=842.0, image_width=1240, image_height=1754, status=status,
        error=ErrorInfo(category=ErrorCategory.invalid_output, message="no json") if status != Status.ok else None,
        extraction_json='{"total": "1"}', ocr_text="hello", chart_json=None,
        answers=[ChartAnswer(question="q?", answer="a"),
                 ChartAnswer(question="q2?", error=ErrorInfo(category=ErrorCategory.not_supported, message="ocr"))],
        tasks=[TaskOutcome(task="extract", status=Status.failed, raw_output="{oops", repaired=True,
                           prompt_tokens=10, completion_tokens=5, latency_s=1.5),
               TaskOutcome(task="chart", status=Status.ok, raw_output="{}"),
               TaskOutcome(task="qa", status=Status.failed, raw_output="nope")],
        word_count=12, word_source="rapidocr", engine="hf", latency_s=2.0, prompt_tokens=10, completion_tokens=5,
    )


def test_page_rows_from_page_results() -> None:
    table = page_rows_table([_page(Status.partial)], run_id="run1", processed_at=NOW, row_keys=["d1#2"])
    assert table.schema.equals(pages_schema())
    row = table.to_pylist()[0]
    assert row["row_key"] == "d1#2" and row["doc_id"] == "d1"
    assert row["status"] == "partial" and row["error"]["category"] == "invalid_output"
    assert row["word_source"] == "rapidocr" and row["ocr_text"] == "hello"
    assert row["answers"][1]["error"] == {"category": "not_supported", "message": "ocr", "stage": None}
    assert row["tasks"][0] == {"task": "extract", "status": "failed", "error": None, "repaired": True,
                               "prompt_tokens": 10, "completion_tokens": 5, "latency_s": 1.5}
    # Raw text is kept for the failed tasks only, headed by task when there are several.
    assert row["raw_output"] == "[extract]\n{oops\n\n[qa]\nnope"
    assert row["processed_at"] == NOW and row["run_id"] == "run1"
    assert PageRow.from_result(_page(), run_id="r", processed_at=NOW).row_key == "d1"


def test_pages_schema_columns() -> None:
    schema = pages_schema()
    assert schema.names[:4] == ["doc_id", "row_key", "source_path", "page_index"]
    task = schema.field("tasks").type.value_type
    assert [task.field(i).name for i in range(task.num_fields)] == [
        "task", "status", "error", "repaired", "prompt_tokens", "completion_tokens", "latency_s"]
    answer = schema.field("answers").type.value_type
    assert [answer.field(i).name for i in range(answer.num_fields)] == [
        "question", "answer", "value", "unit", "page_index", "chart_index", "bbox", "mark_boxes", "grounded",
        "confidence", "error", "table_agrees"]
    for name in ("extraction_json", "chart_json", "raw_output", "ocr_text"):
        assert schema.field(name).type == pa.string() and schema.field(name).nullable


def test_dataset_metadata() -> None:
    meta = dataset_metadata(Invoice, schema_name="invoice", run_config_json='{"engine": "offline"}')
    assert json.loads(meta["docpipe.schema_json"])["title"] == "Invoice"
    assert meta["docpipe.schema_name"] == "invoice" and meta["docpipe.version"]
    table = document_rows_table([head("a")], [None], [[]], Invoice, metadata=meta)
    assert table.schema.metadata[b"docpipe.run_config"] == b'{"engine": "offline"}'
    with pytest.raises(ValueError):
        dataset_metadata(Invoice, schema_name="invoice", run_config_json="not json")
