"""Eval report tables printed to a pipe are as wide as they need: no header or figure cut to '…'."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from docpipe.cli import _report_console


def test_a_table_wider_than_132_columns_prints_whole_when_piped() -> None:
    table = Table(title="wide")
    for i in range(12):
        table.add_column(f"straight-through-{i}", justify="right")
    table.add_row(*[f"0.{i:02d} (13/65)" for i in range(12)])
    console = _report_console(table)
    console.file = io.StringIO()
    console.print(table)
    text = console.file.getvalue()
    assert "…" not in text and "straight-through-11" in text
    assert console.width >= Console(width=400).measure(table).maximum > 132


def test_the_two_tables_do_not_give_one_name_to_two_rates(tmp_path) -> None:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from docpipe.evaluate import evaluate
    from docpipe.evaluate.fields import render_calibration, render_eval

    grounding = pa.list_(pa.struct([("field", pa.string()), ("value", pa.string()), ("confidence", pa.float64())]))
    schema = pa.schema([("doc_id", pa.string()), ("source_path", pa.string()), ("status", pa.string()),
                        ("total", pa.string()), ("grounding", grounding)])
    rows = [{"doc_id": "a", "source_path": "/in/a.png", "status": "ok", "total": "1.00",
             "grounding": [{"field": "total", "value": "1.00", "confidence": 0.9}]},
            {"doc_id": "b", "source_path": "/in/b.png", "status": "ok", "total": None, "grounding": []}]
    (tmp_path / "OUT" / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp_path / "OUT" / "documents" / "p.parquet")
    truth = tmp_path / "t.jsonl"
    truth.write_text(json.dumps({"file": "a.png", "total": "1.00"}) + "\n" + json.dumps({"file": "b.png", "total": "2.00"}) + "\n")
    report = evaluate(tmp_path / "OUT", truth)
    names = [c.header for c in render_eval(report).columns]
    calibration = render_calibration(report)
    assert calibration is not None
    assert not set(names) & {c.header for c in calibration.columns} - {"field"}
