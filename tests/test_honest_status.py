"""Issue: honest results. A document is never `ok` with nothing (or not enough) found, every value is
verified, and one document's problem after inference is that document's row, never the run's end."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.dataset as ds
import pymupdf
import pytest

from docpipe import collector as collector_mod
from docpipe.config import RunConfig, load_pipeline, pipeline_for_schema
from docpipe.progress import JsonReporter
from docpipe.records import PageImage
from docpipe.runner import execute
from docpipe.schema_registry import load_schema
from docpipe.tasks.base import PageWork
from docpipe.tasks.ground import MAX_BOXES_ASKED, GroundTask, values_to_ask
from tests.inprocess import inprocess_stream

REPO = Path(__file__).resolve().parents[1]


def _text_pdf(path: Path, pages: list[list[str]]) -> Path:
    doc = pymupdf.open()
    for lines in pages:
        page = doc.new_page(width=595, height=842)
        for i, line in enumerate(lines):
            page.insert_text((60, 80 + 22 * i), line, fontsize=11)
    doc.save(path)
    doc.close()
    return path


def _run(inputs: list[Path], out: Path, schema: str | None = None, pipeline: str | None = None) -> list[dict]:
    spec = load_pipeline(pipeline) if pipeline else pipeline_for_schema(schema or "invoice")
    if pipeline and schema:
        spec = spec.with_overrides(schema=schema)
    config = RunConfig(inputs=[str(p) for p in inputs], out_dir=out, pipeline=spec, engine="offline")
    execute(config, JsonReporter(), stream_fn=inprocess_stream)
    return ds.dataset(str(out / "documents"), format="parquet").to_table().to_pylist()


def test_a_receipt_without_merchant_or_date_is_partial_naming_the_missing_fields(tmp_path: Path) -> None:
    pdf = _text_pdf(tmp_path / "slip.pdf", [["Apples            2.00", "Pears             1.50",
                                            "TOTAL             3.50"]])
    [row] = _run([pdf], tmp_path / "out", schema="receipt")
    assert row["status"] == "partial"
    assert row["error"]["category"] == "missing_field"
    assert {"merchant_name", "date"} <= set(row["missing_fields"])
    assert "merchant_name" in row["error"]["message"]


def test_a_page_with_nothing_of_the_schema_is_never_ok(tmp_path: Path) -> None:
    pdf = _text_pdf(tmp_path / "poem.pdf", [["The sea is calm tonight.", "The tide is full, the moon lies fair"]])
    [row] = _run([pdf], tmp_path / "out", schema="invoice")
    assert row["status"] == "partial" and row["error"]["category"] == "missing_field"
    assert "no field" in row["error"]["message"]
    assert set(row["missing_fields"]) >= {"invoice_number", "total", "line_items"}
    pages = ds.dataset(str(tmp_path / "out" / "pages"), format="parquet").to_table().to_pylist()
    assert [p["status"] for p in pages] == ["partial"]
    assert pages[0]["error"]["category"] == "missing_field"


def test_a_complete_document_is_ok_and_lists_nothing_missing(tmp_path: Path) -> None:
    pdf = _text_pdf(tmp_path / "inv.pdf", [[
        "Northwind Traders GmbH", "Hafenstrasse 5, 20457 Hamburg", "",
        "Invoice number: NW-2024-0042", "Invoice date: 2024-03-14", "",
        "Total: 119.00 EUR"]])
    [row] = _run([pdf], tmp_path / "out", schema="invoice")
    assert row["invoice_number"] == "NW-2024-0042" and row["total"] == Decimal("119.00")
    assert row["missing_fields"] == [] and row["broken_rules"] == []
    assert row["status"] == "ok", row["error"]


def test_values_breaking_a_consistency_rule_are_kept_and_the_document_is_inconsistent(tmp_path: Path) -> None:
    pdf = _text_pdf(tmp_path / "inv.pdf", [[
        "Northwind Traders GmbH", "Hafenstrasse 5, 20457 Hamburg", "",
        "Invoice number: NW-2024-0043", "Invoice date: 2024-03-14", "",
        "Subtotal: 100.00 EUR", "VAT: 19.00 EUR", "Total: 129.00 EUR"]])
    [row] = _run([pdf], tmp_path / "out", schema="invoice")
    assert row["total"] == Decimal("129.00") and row["subtotal"] == Decimal("100.00")
    assert row["status"] == "partial" and row["error"]["category"] == "inconsistent"
    assert row["broken_rules"] == ["subtotal + tax_total = total"]


def test_every_value_is_verified_and_only_the_boxes_asked_of_a_model_are_capped() -> None:
    from docpipe.processing.grounding_step import ground_page
    from docpipe.records import ChartAnswer, Word

    invoice = load_schema("invoice", REPO).model
    items = [{"description": f"Item {i}", "quantity": 1, "unit_price": f"{i}.00", "amount": f"{i}.00"}
             for i in range(1, 21)]
    extraction = invoice.model_validate({"invoice_number": "A-1", "total": "210.00", "line_items": items})
    words = [Word(text="A-1", bbox=(0.1, 0.1, 0.2, 0.12))]
    page = PageImage(doc_id="d", source_path="d.pdf", kind="pdf", page_index=0, page_count=1, total_pages=1,
                     width_pt=595, height_pt=842, words=words, word_source="pdf_text")
    work = PageWork(page=page, image=b"png", extraction=extraction,
                    answers=[ChartAnswer(question="q?", answer="42")])
    grounding = ground_page(work)
    assert len(grounding) == 2 + 20 * 4 + 1  # every value has an entry, the answer included
    assert any(g.field == "answers[0]" for g in grounding)
    assert sum(not g.grounded for g in grounding) == len(grounding) - 1  # only A-1 is printed
    asked = [v.path for v in values_to_ask(work)]
    assert len(asked) == MAX_BOXES_ASKED and asked[0] == "invoice_number" and "answers[0]" in asked
    assert "total" in asked
    schema = GroundTask("rel_1", 256).decoding_schema(work)
    assert len(schema["required"]) == MAX_BOXES_ASKED


STEPS = ["merge_document", "check_fits", "document_rows_table", "page_rows_table"]


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_in_any_per_document_step_after_inference_is_that_documents_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    good = _text_pdf(tmp_path / "good.pdf", [["Invoice number: G-1", "Total: 5.00 EUR"]])
    bad = _text_pdf(tmp_path / "bad.pdf", [["Invoice number: B-2", "Total: 7.00 EUR"]])
    real = getattr(collector_mod, step)

    def broken(*args, **kwargs):
        # The fault follows the bad document's values (what a real conversion failure would), so the
        # document's own failed row, which carries no values, can still be written.
        carried = args[1] if step == "document_rows_table" else args[0]
        if "B-2" in repr(carried):
            raise RuntimeError(f"injected fault in {step}")
        return real(*args, **kwargs)

    monkeypatch.setattr(collector_mod, step, broken)
    rows = {Path(r["source_path"]).name: r for r in _run([good, bad], tmp_path / "out")}
    assert set(rows) == {"good.pdf", "bad.pdf"}
    assert rows["bad.pdf"]["status"] == "failed"
    assert rows["bad.pdf"]["error"]["category"] == "invalid_output"
    assert f"injected fault in {step}" in rows["bad.pdf"]["error"]["message"]
    assert rows["good.pdf"]["invoice_number"] == "G-1"
    runs = list((tmp_path / "out" / "_runs").glob("*.json"))
    assert json.loads(runs[0].read_text())["by_status"]["failed"] == 1


def test_a_list_constraint_exceeded_across_pages_fails_only_that_document(tmp_path: Path) -> None:
    from docpipe.records import PageResult

    schema = tmp_path / "short.py"
    schema.write_text('''
from decimal import Decimal
from pydantic import BaseModel, Field

class Line(BaseModel):
    description: str | None = None
    amount: Decimal | None = None

class ShortInvoice(BaseModel):
    invoice_number: str | None = None
    line_items: list[Line] = Field(default_factory=list, max_length=3)

SCHEMA = ShortInvoice
''')
    long_pdf = _text_pdf(tmp_path / "long.pdf", [["page one"], ["page two"]])
    fine_pdf = _text_pdf(tmp_path / "fine.pdf", [["page"]])

    def two_rows_per_page(config, plan, docs):  # each page within the limit, the document over it
        for doc in docs:
            count = 2 if doc.source_path.endswith("long.pdf") else 1
            for index in range(count):
                rows = [{"description": f"row {index}.{k}", "amount": "1.00"} for k in range(2)]
                yield PageResult(doc_id=doc.doc_id, source_path=doc.source_path, page_index=index,
                                 page_count=count, total_pages=count, width_pt=595, height_pt=842,
                                 status="ok", engine="offline",
                                 extraction_json=json.dumps({"invoice_number": "N-1", "line_items": rows}))

    spec = pipeline_for_schema(str(schema))
    config = RunConfig(inputs=[str(long_pdf), str(fine_pdf)], out_dir=tmp_path / "out", pipeline=spec,
                       engine="offline")
    summary = execute(config, JsonReporter(), stream_fn=two_rows_per_page)
    rows = {Path(r["source_path"]).name: r
            for r in ds.dataset(str(tmp_path / "out" / "documents"), format="parquet").to_table().to_pylist()}
    assert rows["long.pdf"]["status"] == "failed"
    assert rows["long.pdf"]["error"]["category"] == "invalid_output" and rows["long.pdf"]["error"]["stage"] == "merge"
    assert "line_items" in rows["long.pdf"]["error"]["message"]
    assert rows["fine.pdf"]["status"] in ("ok", "partial") and len(rows["fine.pdf"]["line_items"]) == 2
    assert summary.processed == 2


def test_a_new_extractor_reprocesses_what_an_old_one_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docpipe import runner
    from docpipe.code_version import result_code_files

    covered = {f.relative_to(REPO / "docpipe").as_posix() for f in result_code_files()}
    assert {"offline/extract.py", "grounding/verify.py", "fields.py", "merge.py", "ocr/rapid.py"} <= covered
    assert "cli.py" not in covered and not any(c.startswith("bench/") for c in covered)
    pdf = _text_pdf(tmp_path / "inv.pdf", [["Invoice number: R-7", "Total: 5.00 EUR"]])
    spec = pipeline_for_schema("invoice")
    config = RunConfig(inputs=[str(pdf)], out_dir=tmp_path / "out", pipeline=spec, engine="offline")
    first = execute(config, JsonReporter(), stream_fn=inprocess_stream)
    again = execute(config, JsonReporter(), stream_fn=inprocess_stream)
    assert (first.processed, again.processed, again.skipped_done) == (1, 0, 1)
    monkeypatch.setattr(runner, "result_code_fingerprint", lambda: "a-newer-extractor")
    upgraded = execute(config, JsonReporter(), stream_fn=inprocess_stream)
    assert (upgraded.processed, upgraded.skipped_done) == (1, 0)
    rows = ds.dataset(str(tmp_path / "out" / "documents"), format="parquet").to_table().to_pylist()
    assert len(rows) == 1  # processed again, still one row


def test_grounding_carries_its_location_as_columns_and_documents_the_bbox_convention(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pdf = _text_pdf(tmp_path / "inv.pdf", [[
        "Invoice number: INV-7731", "", "", "Description                         Amount",
        "Bolts                               10.00", "Nuts                                20.00", "Total: 30.00 EUR"]])
    [row] = _run([pdf], tmp_path / "out", schema="invoice")
    located = {(g["field_name"], g["row_index"], g["column"]) for g in row["grounding"]}
    assert ("invoice_number", None, None) in located and ("total", None, None) in located
    for g in row["grounding"]:
        expected = g["field"].split("[")[0].split(".")[0]
        assert g["field_name"] == expected
        if g["row_index"] is not None:
            assert g["field"].startswith(f"{g['field_name']}[{g['row_index']}].{g['column']}")
    [part] = (tmp_path / "out" / "documents").glob("*.parquet")
    bbox = pq.read_schema(part).field("grounding").type.value_type.field("bbox")
    assert b"origin top-left" in bbox.metadata[b"description"] and b"fractions" in bbox.metadata[b"description"]
