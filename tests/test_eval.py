from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from docpipe.evaluate import EvalReport, evaluate, render_eval
from schemas.invoice import Invoice

GROUNDING = pa.list_(pa.struct([
    ("field", pa.string()), ("value", pa.string()), ("page_index", pa.int32()),
    ("bbox", pa.list_(pa.float64(), 4)), ("text", pa.string()), ("score", pa.float64()),
    ("grounded", pa.bool_()), ("source", pa.string()),
]))


def g(field: str, value: str, grounded: bool = True) -> dict:
    return {"field": field, "value": value, "page_index": 0, "bbox": [0.1, 0.1, 0.2, 0.12] if grounded else None,
            "text": value if grounded else None, "score": 1.0 if grounded else 0.2, "grounded": grounded,
            "source": "words" if grounded else None}


def write_run(out: Path) -> None:
    schema = pa.schema([
        ("doc_id", pa.string()), ("source_path", pa.string()), ("status", pa.string()),
        ("invoice_number", pa.string()), ("issue_date", pa.date32()), ("total", pa.decimal128(18, 2)),
        ("seller_name", pa.string()), ("currency", pa.string()), ("due_date", pa.date32()),
        ("line_items", pa.list_(pa.struct([("description", pa.string()), ("amount", pa.decimal128(18, 2))]))),
        ("grounding", GROUNDING),
    ])
    rows = [
        {"doc_id": "a", "source_path": "/in/a.pdf", "status": "ok", "invoice_number": "RE-2014 / 502",
         "issue_date": date(2014, 7, 3), "total": Decimal("571.04"), "seller_name": "BEI SPIEL GMBH",
         "currency": "EUR", "line_items": [{"description": "x", "amount": Decimal("1.00")}] * 3,
         "grounding": [g("invoice_number", "RE-2014 / 502"), g("issue_date", "2014-07-03"), g("total", "571.04"),
                       g("seller_name", "BEI SPIEL GMBH", grounded=False)]},
        {"doc_id": "b", "source_path": "/in/sub/b.pdf", "status": "ok", "invoice_number": "4711",
         "issue_date": date(2020, 1, 2), "total": Decimal("10.00"), "seller_name": None, "currency": "USD",
         "line_items": [], "grounding": [g("invoice_number", "4711"), g("total", "10.00")]},
        {"doc_id": "b0", "source_path": "/old/b.pdf", "status": "failed", "invoice_number": None, "issue_date": None,
         "total": None, "seller_name": None, "currency": None, "line_items": [], "grounding": []},
    ]
    (out / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / "documents" / "part-0.parquet")


def write_truth(path: Path) -> None:
    truth = [
        {"file": "a.pdf", "kind": "invoice", "expected": {   # the nested shape sample_docs/truth.jsonl uses
            "invoice_number": "RE-2014/502", "issue_date": "2014-07-03", "total": "571.04",
            "seller_name": "Bei Spiel GmbH", "currency": "EUR", "due_date": "2014-07-24",
            "line_items": [{"amount": "1.00"}] * 3}},
        {"file": "b.pdf", "invoice_number": "4711", "issue_date": "2020-01-03", "total": "10.0",
         "seller_name": "Foo Inc.", "currency": None, "line_count": 1},
        {"file": "c.pdf", "invoice_number": "9", "issue_date": None, "total": "1.00", "raw": {"x": 1}},
    ]
    path.write_text("\n".join(json.dumps(t) for t in truth) + "\n")


def test_evaluate_scores_fields(tmp_path: Path) -> None:
    write_run(tmp_path / "OUT")
    write_truth(tmp_path / "truth.jsonl")
    report = evaluate(tmp_path / "OUT", tmp_path / "truth.jsonl", fields=None)
    assert (report.documents, report.matched, report.missing) == (3, 2, ["c.pdf"])
    scores = {s.field: s for s in report.fields}
    assert set(scores) == {"invoice_number", "issue_date", "total", "seller_name", "currency", "due_date"}
    # An all-null column still scores by its Arrow type: a date, not text.
    assert (scores["due_date"].kind, scores["due_date"].truth, scores["due_date"].predicted) == ("date", 1, 0)
    inv = scores["invoice_number"]
    # c.pdf is not in the output: reported as missing, not scored as a wrong value.
    assert (inv.kind, inv.truth, inv.predicted, inv.correct) == ("identifier", 2, 2, 2)
    assert inv.accuracy == 1.0 and inv.grounding_rate == 1.0 and inv.grounded_correct_rate == 1.0
    assert report.not_in_output == 1
    day = scores["issue_date"]
    assert (day.kind, day.truth, day.correct) == ("date", 2, 1)
    assert day.misses[0]["file"] == "b.pdf"
    total = scores["total"]
    assert (total.kind, total.truth, total.correct, total.predicted) == ("amount", 2, 2, 2)  # 10.00 == 10.0
    seller = scores["seller_name"]
    assert (seller.kind, seller.truth, seller.predicted, seller.correct) == ("name", 2, 1, 1)
    assert seller.coverage == 0.5 and seller.grounding_rate == 1.0 and seller.grounded_correct_rate == 0.0
    assert scores["currency"].truth == 1 and scores["currency"].accuracy == 1.0
    assert (report.line_count_correct, report.line_count_total) == (0, 1)  # b.pdf: truth gives only a count
    [rows] = report.tables  # a.pdf lists its rows: scored cell by cell
    assert (rows.table, rows.truth_rows, rows.output_rows, rows.matched_rows) == ("line_items", 3, 3, 3)
    assert {c.column: c.accuracy for c in rows.columns} == {"amount": 1.0}


def test_evaluate_with_schema_and_field_subset(tmp_path: Path) -> None:
    write_run(tmp_path / "OUT")
    write_truth(tmp_path / "truth.jsonl")
    report = evaluate(tmp_path / "OUT" / "documents", tmp_path / "truth.jsonl", fields=["total"], schema=Invoice)
    assert [s.field for s in report.fields] == ["total"]


def test_report_renders_and_serialises(tmp_path: Path) -> None:
    write_run(tmp_path / "OUT")
    write_truth(tmp_path / "truth.jsonl")
    report = evaluate(tmp_path / "OUT", tmp_path / "truth.jsonl", fields=None)
    table = render_eval(report)
    # plus the table's rows line, one line per table column, and the row-count line
    assert table.row_count == len(report.fields) + 1 + 1 + 1
    console = Console(width=140, record=True)
    console.print(table)
    text = console.export_text()
    assert "invoice_number" in text and "100%" in text and "not in output (1): c.pdf" in text
    payload = json.loads(report.to_json())
    assert payload["matched"] == 2
    assert {f["field"]: f["accuracy"] for f in payload["fields"]}["total"] == 1.0
    assert json.loads(report.model_dump_json())["fields"][0]["coverage"] is not None  # what `docpipe eval --json` prints
    assert EvalReport.model_validate(payload).matched == 2


def test_tables_are_scored_cell_by_cell_with_rows_aligned(tmp_path: Path) -> None:
    from docpipe.evaluate.tables import TableScore, align_rows, score_table

    kinds = {"description": "text", "quantity": "amount", "amount": "amount"}
    truth = [{"description": "Hex bolts M6x20 (100 pcs.)", "quantity": "2", "amount": "10.00"},
             {"description": "Threaded rod TR16x4, 1000 mm", "quantity": "1", "amount": "31.50"},
             {"description": "Washers (set of 12)", "quantity": "3", "amount": "4.50"}]
    output = [{"description": "Hex bolts M6x20 (100", "quantity": Decimal("2"), "amount": Decimal("10.00")},
              {"description": "Washers (set of 12)", "quantity": Decimal("3"), "amount": Decimal("4.50")},
              {"description": "Shipping", "quantity": None, "amount": Decimal("7.00")}]
    assert align_rows(output, truth, kinds) == [(0, 0), (1, 2)]  # the missing middle row shifts nothing
    score = TableScore(table="line_items")
    score_table(score, "x.pdf", output, truth, kinds)
    assert (score.truth_rows, score.output_rows, score.matched_rows) == (3, 3, 2)
    assert score.row_precision == 2 / 3 and score.row_recall == 2 / 3
    cells = {c.column: (c.correct, c.truth) for c in score.columns}
    assert cells == {"description": (1, 2), "quantity": (2, 2), "amount": (2, 2)}  # the cut description is wrong
    assert {"file": "x.pdf", "row": 0, "column": "description", "got": "Hex bolts M6x20 (100",
            "want": "Hex bolts M6x20 (100 pcs.)"} in score.misses
