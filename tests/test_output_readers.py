"""The written datasets read back with typed values through pyarrow.dataset, pandas, polars and DuckDB."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from docpipe.output.commit import DatasetWriter
from docpipe.output.ledger import LedgerEntry
from docpipe.output.rows import (
    DocumentHead,
    dataset_metadata,
    document_rows_table,
    documents_schema,
    page_rows_table,
    read_dataset_metadata,
)
from docpipe.records import ErrorCategory, ErrorInfo, FieldGrounding, PageResult, Status
from schemas.invoice import Invoice, LineItem

NOW = dt.datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=dt.timezone.utc)
META = dataset_metadata(Invoice, schema_name="invoice", run_config_json='{"engine": "offline", "dpi": 150}')

INVOICES: dict[str, Invoice | None] = {
    "a": Invoice(invoice_number="A-1", issue_date=dt.date(2024, 12, 31), total=Decimal("1234.5"),
                 tax_total=Decimal("-0.0001"), currency="EUR",
                 line_items=[LineItem(description="Ünïcode €", quantity=Decimal("3"), amount=Decimal("0.3333")),
                             LineItem(description=None, amount=Decimal("99999999999999.9999"))]),
    "b": None,
    "c": Invoice(due_date=dt.date(2000, 2, 29)),
}
EXPECTED = {
    "a": {"invoice_number": "A-1", "issue_date": dt.date(2024, 12, 31), "due_date": None,
          "total": Decimal("1234.5000"), "tax_total": Decimal("-0.0001"), "currency": "EUR",
          "line_items": [
              {"description": "Ünïcode €", "quantity": Decimal("3.0000"), "unit_price": None,
               "amount": Decimal("0.3333")},
              {"description": None, "quantity": None, "unit_price": None, "amount": Decimal("99999999999999.9999")},
          ]},
    "b": {"invoice_number": None, "issue_date": None, "due_date": None, "total": None, "tax_total": None,
          "currency": None, "line_items": None},
    "c": {"invoice_number": None, "issue_date": None, "due_date": dt.date(2000, 2, 29), "total": None,
          "tax_total": None, "currency": None, "line_items": []},
}
COLUMNS = list(EXPECTED["a"])


def _commit(writer: DatasetWriter, doc_ids: list[str]) -> None:
    heads, pages = [], []
    for doc_id in doc_ids:
        failed = INVOICES[doc_id] is None
        heads.append(DocumentHead(
            doc_id=doc_id, source_path=f"in/{doc_id}.pdf", page_count=1, pages_processed=1,
            status=Status.failed if failed else Status.ok,
            error=ErrorInfo(category=ErrorCategory.corrupt, message="broken") if failed else None,
            schema="invoice", schema_hash="sh", pipeline="default", engine="offline", prompt_hash="ph",
            run_id="r1", processed_at=NOW))
        pages.append(PageResult(doc_id=doc_id, source_path=f"in/{doc_id}.pdf", page_index=0, page_count=1,
                                total_pages=1, width_pt=612.0, height_pt=792.0, status=heads[-1].status,
                                ocr_text=f"text of {doc_id}"))
    groundings = [[FieldGrounding(field="total", value="1", page_index=0, bbox=(0.0, 0.5, 0.25, 1.0),
                                  score=0.5, grounded=True, source="both")] for _ in doc_ids]
    documents = document_rows_table(heads, [INVOICES[d] for d in doc_ids], groundings, Invoice, metadata=META)
    page_table = page_rows_table(pages, run_id="r1", processed_at=NOW, metadata=META)
    writer.commit({"documents": documents, "pages": page_table}, [
        LedgerEntry(row_key=h.row_key, doc_id=h.doc_id, work_key="w", status=h.status, source_path=h.source_path,
                    run_id="r1") for h in heads])


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readers")
    with DatasetWriter(root, run_id="r1") as writer:
        _commit(writer, ["a", "b"])
        _commit(writer, ["c"])
    assert len(list((root / "documents").glob("*.parquet"))) == 2
    return root


def _by_id(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(r["doc_id"]): r for r in rows}


def test_pyarrow_dataset(out: Path) -> None:
    table = ds.dataset(out / "documents", format="parquet").to_table()
    assert table.schema.field("total").type == pa.decimal128(18, 4)
    assert table.schema.remove_metadata().equals(documents_schema(Invoice))
    rows = _by_id(table.to_pylist())
    for doc_id, expected in EXPECTED.items():
        assert {c: rows[doc_id][c] for c in COLUMNS} == expected
    assert rows["a"]["processed_at"] == NOW
    assert rows["a"]["grounding"][0]["bbox"] == [0.0, 0.5, 0.25, 1.0]  # type: ignore[index]
    assert rows["b"]["error"] == {"category": "corrupt", "message": "broken", "stage": None}
    pages = ds.dataset(out / "pages", format="parquet").to_table()
    assert sorted(pages.column("ocr_text").to_pylist()) == ["text of a", "text of b", "text of c"]


def test_pandas(out: Path) -> None:
    frame = pd.read_parquet(out / "documents")
    assert len(frame) == 3
    rows = _by_id(frame.to_dict("records"))
    a = rows["a"]
    assert a["total"] == Decimal("1234.5000") and a["tax_total"] == Decimal("-0.0001")
    assert a["issue_date"] == dt.date(2024, 12, 31)
    assert a["processed_at"] == pd.Timestamp(NOW)
    assert str(frame["processed_at"].dtype) == "datetime64[us, UTC]"
    assert [item["amount"] for item in a["line_items"]] == [Decimal("0.3333"), Decimal("99999999999999.9999")]
    assert rows["b"]["line_items"] is None and pd.isna(rows["b"]["total"])
    assert len(rows["c"]["line_items"]) == 0


def test_polars(out: Path) -> None:
    frame = pl.scan_parquet(str(out / "documents" / "*.parquet")).collect()
    schema = frame.schema
    assert schema["total"] == pl.Decimal(18, 4)
    assert schema["issue_date"] == pl.Date
    assert schema["processed_at"] == pl.Datetime("us", "UTC")
    assert schema["line_items"] == pl.List(pl.Struct({"description": pl.String, "quantity": pl.Decimal(18, 4),
                                                      "unit_price": pl.Decimal(18, 4), "amount": pl.Decimal(18, 4)}))
    rows = _by_id(frame.to_dicts())
    for doc_id, expected in EXPECTED.items():
        assert {c: rows[doc_id][c] for c in COLUMNS} == expected
    assert rows["a"]["processed_at"] == NOW


def test_duckdb(out: Path) -> None:
    glob = str(out / "documents" / "*.parquet")
    con = duckdb.connect()
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{glob}'))")
                 .fetchall())
    assert types["total"] == "DECIMAL(18,4)"
    assert types["issue_date"] == "DATE"
    assert types["processed_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["line_items"].startswith("STRUCT(description VARCHAR, quantity DECIMAL(18,4)")
    # Fetching TIMESTAMPTZ as Python objects needs pytz; compare it as epoch microseconds instead.
    cursor = con.execute(f"SELECT doc_id, {', '.join(COLUMNS)}, epoch_us(processed_at) AS at_us, "
                         f"grounding[1].bbox AS bbox FROM read_parquet('{glob}') ORDER BY doc_id")
    names = [d[0] for d in cursor.description]
    rows = _by_id([dict(zip(names, row)) for row in cursor.fetchall()])
    for doc_id, expected in EXPECTED.items():
        assert {c: rows[doc_id][c] for c in COLUMNS} == expected
    assert rows["a"]["at_us"] == int(NOW.timestamp()) * 1_000_000 + NOW.microsecond
    assert rows["a"]["bbox"] == [0.0, 0.5, 0.25, 1.0]
    (total,) = con.execute(f"SELECT sum(total) FROM read_parquet('{glob}')").fetchone()  # type: ignore[misc]
    assert total == Decimal("1234.5000")


def test_parquet_metadata_and_compression(out: Path) -> None:
    for dataset in ("documents", "pages"):
        for part in (out / dataset).glob("*.parquet"):
            meta = read_dataset_metadata(str(part))
            assert meta["docpipe.schema_name"] == "invoice"
            assert json.loads(meta["docpipe.run_config"]) == {"engine": "offline", "dpi": 150}
            assert json.loads(meta["docpipe.schema_json"])["title"] == "Invoice"
            assert meta["docpipe.version"]
            assert pq.ParquetFile(part).metadata.row_group(0).column(0).compression == "ZSTD"
    field = pq.read_schema(next((out / "documents").glob("*.parquet"))).field("total")
    assert field.metadata[b"description"] == b"Total amount of the invoice including tax."
