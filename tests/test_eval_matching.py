"""`docpipe eval` matches truth lines to output rows by path: same base names in two folders,
duplicate inputs scored from the row holding their content."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from docpipe.evaluate import evaluate, render_eval
from docpipe.evaluate.matching import RowIndex

SCHEMA = pa.schema([("doc_id", pa.string()), ("source_path", pa.string()), ("status", pa.string()),
                    ("total", pa.decimal128(18, 2))])


def _run(out: Path, rows: list[dict]) -> None:
    (out / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), out / "documents" / "part-0.parquet")


def _truth(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


ROWS = [
    {"doc_id": "A", "source_path": "/in/a/scan.png", "status": "ok", "total": Decimal("23.40")},
    {"doc_id": "B", "source_path": "/in/b/scan.png", "status": "ok", "total": Decimal("8.50")},
    {"doc_id": "A", "source_path": "/in/copy.png", "status": "skipped", "total": None},  # same content as a/scan.png
]


def test_a_truth_path_picks_its_folders_file(tmp_path: Path) -> None:
    _run(tmp_path / "OUT", ROWS)
    truth = _truth(tmp_path / "t.jsonl", [{"file": "a/scan.png", "total": "23.40"},
                                          {"file": "b/scan.png", "total": "8.50"}])
    report = evaluate(tmp_path / "OUT", truth)
    [total] = report.fields
    assert (total.correct, total.truth, report.matched, report.ambiguous) == (2, 2, 2, [])


def test_a_base_name_that_fits_two_inputs_is_reported_not_scored(tmp_path: Path) -> None:
    _run(tmp_path / "OUT", ROWS)
    truth = _truth(tmp_path / "t.jsonl", [{"file": "scan.png", "total": "23.40"},
                                          {"file": "a/scan.png", "total": "23.40"}])
    report = evaluate(tmp_path / "OUT", truth)
    [total] = report.fields
    assert report.ambiguous == ["scan.png"] and report.matched == 1 and (total.correct, total.truth) == (1, 1)
    console = Console(width=200, record=True)
    console.print(render_eval(report))
    assert "fits several inputs" in console.export_text()


def test_a_duplicate_input_is_scored_from_the_row_holding_its_content(tmp_path: Path) -> None:
    _run(tmp_path / "OUT", ROWS)
    report = evaluate(tmp_path / "OUT", _truth(tmp_path / "t.jsonl", [{"file": "copy.png", "total": "23.40"}]))
    [total] = report.fields
    assert (total.correct, total.truth) == (1, 1)


def test_whole_path_components_only() -> None:
    index = RowIndex(ROWS)
    assert index.find("n/a/scan.png") == (None, False)  # 'n/a/scan.png' is not '/in/a/scan.png'
    assert index.find("py.png") == (None, False)  # nor is 'copy.png' a 'py.png'
    row, ambiguous = index.find("in/b/scan.png")
    assert row is not None and row["doc_id"] == "B" and not ambiguous


def test_chart_truth_matches_by_path_too(tmp_path: Path) -> None:
    from docpipe.evaluate.charts import evaluate_charts

    def answers(value: str) -> list[dict]:
        return [{"question": "What is the highest value?", "answer": value, "error": None}]

    rows = [{"doc_id": "A", "source_path": "/in/a/chart.png", "status": "ok", "answers": answers("55.2")},
            {"doc_id": "B", "source_path": "/in/b/chart.png", "status": "ok", "answers": answers("9")}]
    (tmp_path / "OUT" / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "OUT" / "documents" / "part-0.parquet")
    qa = [{"question": "What is the highest value?", "answer": "55.2"}]
    truth = _truth(tmp_path / "t.jsonl", [{"file": "a/chart.png", "qa": qa}, {"file": "chart.png", "qa": qa}])
    report = evaluate_charts(tmp_path / "OUT", truth)
    assert (report.matched, report.correct, report.ambiguous) == (1, 1, ["chart.png"])
