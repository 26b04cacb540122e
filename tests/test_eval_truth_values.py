"""`docpipe eval` checks the shape of every truth value before scoring: a value its field's kind
cannot hold, or a documented key of the wrong shape, is a one-line usage error naming FILE:LINE
(exit 2), never a traceback and never silently left unscored; an empty truth file scores nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from docpipe.cli import EXIT_USAGE, app

runner = CliRunner()
SCHEMA = pa.schema([("doc_id", pa.string()), ("source_path", pa.string()), ("status", pa.string()),
                    ("total", pa.decimal128(18, 2)), ("issue_date", pa.date32()),
                    ("line_items", pa.list_(pa.struct([("description", pa.string()), ("amount", pa.float64())])))])
ROW = {"doc_id": "A", "source_path": "/in/inv.pdf", "status": "ok", "total": Decimal("23.40"),
       "issue_date": date(2024, 3, 5), "line_items": [{"description": "Lamp", "amount": 23.4}]}


def _eval(tmp_path: Path, line: str):
    out = tmp_path / "OUT"
    (out / "documents").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([ROW], schema=SCHEMA), out / "documents" / "part-0.parquet")
    truth = tmp_path / "t.jsonl"
    truth.write_text(line + "\n" if line else "")
    return runner.invoke(app, ["eval", str(out), "--truth", str(truth)]), truth


@pytest.mark.parametrize("line, says", [
    ('{"file": "inv.pdf", "line_count": "two"}', "`line_count` must be a whole number"),
    ('{"file": "inv.pdf", "line_count": true}', "`line_count` must be a whole number"),
    ('{"file": "inv.pdf", "total": true}', "`total` (amount) cannot be true"),
    ('{"file": "inv.pdf", "total": {"x": 1}}', "`total` (amount) cannot be"),
    ('{"file": "inv.pdf", "total": "twelve"}', "`total` is an amount"),
    ('{"file": "inv.pdf", "expected": {"total": "n/a"}}', "`total` is an amount"),
    ('{"file": "inv.pdf", "expected": [1]}', "`expected` must be an object"),
    ('{"file": "inv.pdf", "issue_date": "05/03/2024"}', "`issue_date` is a date: ISO YYYY-MM-DD"),
    ('{"file": "inv.pdf", "issue_date": "2024-02-31"}', "`issue_date` is a date: ISO YYYY-MM-DD"),
    ('{"file": "inv.pdf", "line_items": [1, 2]}', "`line_items` is a table"),
    ('{"file": "inv.pdf", "qa": "x"}', "`qa` must be a list"),
    ('{"file": "inv.pdf", "qa": [{"question": "Q"}]}', "`qa` must be a list"),
    ('{"file": "inv.pdf", "points": [[1]]}', "`points` must be a list of pairs of numbers"),
    ('{"file": "inv.pdf", "values": [1]}', "`values` must be a list of record objects"),
    ('{"file": "inv.pdf", "table": [1]}', "`table` must be an object"),
    ('{"file": "inv.pdf", "table": {"columns": "a", "rows": 1}}', "`table` must be an object"),
    ('{"file": "inv.pdf", "table": {"columns": ["a"], "rows": [1, 2]}}', "`table` must be an object"),
    ('{"file": "inv.pdf", "table": {"rows": [["x", 1]]}}', "`table` must be an object"),
    ('{"file": "inv.pdf", "table": {"columns": ["a"], "rows": [[{"x": 1}]]}}', "`table` must be an object"),
    ('{"file": "inv.pdf", "values": [{"x": 1}], "x_field": 5, "y_field": [1]}', "`x_field` must be the name"),
    ('{"file": "inv.pdf", "qa": [{"question": "q", "answer": {"a": 1}}]}', "a `qa` answer must be text"),
    ('{"file": "inv.pdf", "point_boxes": "x"}', "`point_boxes` must be a list"),
    ('{"file": "inv.pdf", "total": [1, 2]}', "`total` (amount) holds one value, not a list"),
    ('{"file": "inv.pdf", "expected": {"total": [45.8]}}', "`total` (amount) holds one value, not a list"),
    ('{"file": "inv.pdf", "issue_date": ["2024-03-05"]}', "`issue_date` (date) holds one value, not a list"),
    ('{"file": "inv.pdf", "total": 1e400}', "`total` is an amount"),
])
def test_a_truth_value_of_the_wrong_shape_is_a_usage_error_with_file_and_line(tmp_path, line, says) -> None:
    result, truth = _eval(tmp_path, line)
    text = " ".join(result.output.split())
    assert result.exit_code == EXIT_USAGE, result.output
    assert f"{truth}:1: {says}" in text
    assert "Traceback" not in result.output


@pytest.mark.parametrize("line", [
    '{"file": "inv.pdf", "total": "23.40", "issue_date": "2024-03-05"}',
    '{"file": "inv.pdf", "total": 23.4, "issue_date": null, "line_count": 1}',
    '{"file": "inv.pdf", "total": "23.40", "line_count": 1.0}',
    '{"file": "inv.pdf", "expected": {"total": "23.40", "line_items": [{"description": "Lamp", "amount": "23.40"}]}}',
])
def test_well_formed_truth_is_scored(tmp_path, line) -> None:
    result, _ = _eval(tmp_path, line)
    assert result.exit_code == 0, result.output
    out = tmp_path / "OUT"
    report = json.loads(runner.invoke(app, ["eval", str(out), "--truth", str(tmp_path / "t.jsonl"), "--json"]).stdout)
    fields = {f["field"]: f for f in report["fields"]}
    assert fields["total"]["correct"] == 1


def test_an_empty_truth_file_is_nothing_to_score(tmp_path) -> None:
    result, truth = _eval(tmp_path, "")
    assert result.exit_code == EXIT_USAGE
    assert "nothing to score" in " ".join(result.output.split())


def test_a_truth_file_with_a_byte_order_mark_is_read(tmp_path) -> None:
    result, truth = _eval(tmp_path, '{"file": "inv.pdf", "total": "23.40"}')
    truth.write_bytes(b"\xef\xbb\xbf" + truth.read_bytes())
    result = runner.invoke(app, ["eval", str(tmp_path / "OUT"), "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    assert {f["field"]: f["correct"] for f in json.loads(result.stdout)["fields"]}["total"] == 1


@pytest.mark.parametrize("value", ["-1", "2"])
def test_a_threshold_outside_0_1_is_a_usage_error(tmp_path, value) -> None:
    _eval(tmp_path, '{"file": "inv.pdf", "total": "23.40"}')
    result = runner.invoke(app, ["eval", str(tmp_path / "OUT"), "--truth", str(tmp_path / "t.jsonl"),
                                 "--threshold", value])
    assert result.exit_code == EXIT_USAGE
    assert "--threshold" in result.output
