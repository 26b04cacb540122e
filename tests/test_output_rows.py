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
TAIL_COLUMNS = ["grounding", "ungrounded_count", "mean_match_score", "answers"]


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
    assert schema.field("mean_match_score").nullable and schema.field("mean_match_score").type == pa.float64()
    assert schema.field("ungrounded_count").type == pa.int64()


class Clashing(BaseModel):
    status: str | None = None
    mean_match_score: float | None = None


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
    assert a["ungrounded_count"] == 1 and a["mean_match_score"] == pytest.approx(0.75)
    assert a["processed_at"] == NOW
    assert b["status"] == "failed"
    assert b["error"] == {"category": "corrupt", "message": "bad xref", "stage": "raster"}
    assert all(b[name] is None for name in Invoice.model_fields)
    assert b["grounding"] == [] and b["ungrounded_count"] == 0 and b["mean_match_score"] is None


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
    assert tail.ungrounded_count == 1 and tail.mean_match_score == pytest.approx(0.3)


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


def test_pages_carry_the_typed_word_layer_and_its_source_record() -> None:
    from docpipe.records import Word
    from docpipe.word_records import WordRegion, WordSourceReason, WordSourceRecord

    words = [Word(text="Office", bbox=(0.1, 0.2, 0.3, 0.25), conf=0.875, line_id=0, block_id=0, raw="O\ufb03ce"),
             Word(text="42", bbox=(0.4, 0.2, 0.5, 0.25), conf=1.0, line_id=0, block_id=0)]
    record = WordSourceRecord(source="pdf_text+rapidocr", reason=WordSourceReason.images_without_text,
                              detail="d", regions=[WordRegion(source="rapidocr", bbox=(0.0, 0.0, 1.0, 1.0),
                                                              word_count=1)], sampled=4, agreed=4)
    page = _page().model_copy(update={"words": words, "word_record": record, "word_source": "pdf_text+rapidocr"})
    table = page_rows_table([page], run_id="run1", processed_at=NOW)
    word_type = table.schema.field("words").type.value_type
    assert [(word_type.field(i).name, str(word_type.field(i).type)) for i in range(word_type.num_fields)] == [
        ("text", "string"), ("bbox", "list<item: double not null>"), ("confidence", "double"),
        ("line", "int64"), ("block", "int64"), ("raw", "string")]
    row = table.to_pylist()[0]
    assert row["words"] == [
        {"text": "Office", "bbox": [0.1, 0.2, 0.3, 0.25], "confidence": 0.875, "line": 0, "block": 0, "raw": "O\ufb03ce"},
        {"text": "42", "bbox": [0.4, 0.2, 0.5, 0.25], "confidence": 1.0, "line": 0, "block": 0, "raw": None}]
    assert row["word_source"] == "pdf_text+rapidocr"
    assert row["word_source_record"]["reason"] == "images_without_text"
    assert row["word_source_record"]["regions"] == [{"source": "rapidocr", "bbox": [0.0, 0.0, 1.0, 1.0],
                                                     "word_count": 1}]


def _words(n: int, line: int = 0) -> list:
    from docpipe.records import Word

    return [Word(text=f"w{i}", bbox=(i / 100, 0.1, i / 100 + 0.01, 0.2), conf=0.5 + i / 1000, line_id=line + i // 5,
                 block_id=i // 20, raw="r" if i % 7 == 0 else None) for i in range(n)]


def test_words_shipped_as_arrow_give_the_same_pages_table_as_word_objects() -> None:
    from docpipe.output.rows import page_words_array, words_arrow_of

    pages = [_page().model_copy(update={"page_index": i, "words": _words(n, line=i)}) for i, n in enumerate((3, 0, 41))]
    expected = page_rows_table(pages, run_id="run1", processed_at=NOW, row_keys=["a", "a", "b"])
    # As a worker ships them: one column for the batch (null for a row that is not a page), one
    # element taken per page on the receiving side, and no Word objects left in the results.
    column = pa.chunked_array([page_words_array([None, pages[0].words]), page_words_array([pages[1].words,
                                                                                        pages[2].words])])
    received = []
    for page, at in zip(pages, (1, 2, 3)):
        light = page.model_copy(update={"words": []})
        light._words_arrow = words_arrow_of(column, at)
        received.append(light)
    received[1]._words_arrow = None  # a page whose words stayed objects mixes with shipped ones
    received[1] = received[1].model_copy(update={"words": pages[1].words})
    table = page_rows_table(received, run_id="run1", processed_at=NOW, row_keys=["a", "a", "b"])
    assert table.schema.equals(expected.schema, check_metadata=True)
    assert table.equals(expected)
    assert [len(w) for w in table.column("words").to_pylist()] == [3, 0, 41]


def test_a_word_that_cannot_be_stored_is_named() -> None:
    from docpipe.output.rows import page_words_array
    from docpipe.records import Word

    with pytest.raises(ValueOutOfRange, match=r"words\[1\]\.line"):
        page_words_array([[Word(text="a", bbox=(0, 0, 1, 1)), Word(text="b", bbox=(0, 0, 1, 1), line_id=2**64)]])


def test_grounding_location_columns_follow_the_path_without_needless_copies() -> None:
    kept = FieldGrounding(field="line_items[2].amount", value="1")
    assert kept.located() is kept and (kept.field_name, kept.row_index, kept.column) == ("line_items", 2, "amount")
    stale = kept.model_copy(update={"field": "line_items[0].amount"})  # a copy that kept the old location
    assert stale.row_index == 2
    fixed = stale.located()
    assert (fixed.field_name, fixed.row_index, fixed.column) == ("line_items", 0, "amount")
    tail = DocumentTail.from_groundings([stale])
    assert tail.grounding[0].row_index == 0
