"""`docpipe eval` chart scoring on an output written by the product's own row builders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from docpipe.charts.model import ChartData, ChartPoint, ChartSeries
from docpipe.cli import app
from docpipe.evaluate.charts import evaluate_charts, is_chart_truth
from docpipe.output.chart_rows import chart_rows_table
from docpipe.output.rows import DocumentHead, document_rows_table
from docpipe.records import ChartAnswer, ErrorCategory, ErrorInfo, PageResult, Status
from docpipe.schema_registry import load_schema

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def _chart(points: list[tuple[str, float]], x_values: bool = False, cpu: float = 0.5) -> ChartData:
    return ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), reader="raster", confidence=0.9, cpu_s=cpu,
                     series=[ChartSeries(points=[ChartPoint(x=x, x_value=float(x) if x_values else None, y=y,
                                                            source="measured", confidence=0.9) for x, y in points])])


def _write(out: Path, docs: dict[str, tuple[list[ChartAnswer], list[ChartData]]]) -> None:
    chart_schema = load_schema("chart").model
    heads, results = [], []
    for i, (name, (_, charts)) in enumerate(docs.items()):
        heads.append(DocumentHead(doc_id=f"d{i}", source_path=f"/in/{name}", page_count=1, pages_processed=1,
                                  status=Status.ok, schema="chart", schema_hash="h", pipeline="charts",
                                  engine="offline", prompt_hash="p", run_id="r", processed_at=NOW))
        results.append(PageResult(doc_id=f"d{i}", source_path=f"/in/{name}", page_index=0, page_count=1,
                                  total_pages=1, width_pt=1, height_pt=1, status=Status.ok, charts=charts))
    documents = document_rows_table(heads, [None] * len(heads), [[] for _ in heads], chart_schema,
                                    answers=[a for a, _ in docs.values()])
    (out / "documents").mkdir(parents=True)
    (out / "charts").mkdir()
    pq.write_table(documents, out / "documents" / "part.parquet")
    pq.write_table(chart_rows_table(results, run_id="r", processed_at=NOW), out / "charts" / "part.parquet")


def test_chart_scoring_counts_answers_values_points_and_cpu(tmp_path: Path) -> None:
    refused = ErrorInfo(category=ErrorCategory.unsupported_question, message="no")
    _write(tmp_path / "out", {
        "a.png": ([ChartAnswer(question="Q1", answer="104"), ChartAnswer(question="Q2", answer="East"),
                   ChartAnswer(question="Q3", error=refused)], [_chart([("2019", 10.0), ("2020", 20.5)])]),
        "b.png": ([], [_chart([("1", 1.0), ("2", 2.0), ("3", 9.0)], x_values=True, cpu=1.5)]),
    })
    truth = tmp_path / "truth.jsonl"
    truth.write_text("\n".join(json.dumps(x) for x in [
        {"file": "a.png", "qa": [{"question": "Q1", "answer": "100"}, {"question": "Q2", "answer": "West"},
                                 {"question": "Q3", "answer": "3"}],
         "table": {"columns": ["Year", "Sales"], "rows": [["2019", "10.1"], ["2020", "23"]]}},
        {"file": "b.png", "points": [[1, 1.0], [2, 2.01], [3, 5.0]]},
        {"file": "gone.png", "qa": [{"question": "Q", "answer": "1"}]},
    ]) + "\n")
    assert is_chart_truth(truth)
    report = evaluate_charts(tmp_path / "out", truth)
    assert (report.documents, report.matched, report.missing) == (3, 2, ["gone.png"])
    # Questions of files missing from the output are reported as missing, not as unanswered.
    assert (report.questions, report.answered, report.correct) == (3, 2, 1)
    assert report.answer_precision == 0.5 and report.answer_share == pytest.approx(2 / 3)
    assert (report.values, report.values_within) == (2, 1)  # 20.5 vs 23 is 11% of the range
    assert (report.points, report.points_matched) == (3, 2)
    assert report.charts == 2 and report.cpu_s_per_chart == pytest.approx(1.0) and report.cpu_s_max == 1.5
    assert report.misses == [{"file": "a.png", "question": "Q2", "got": "East", "want": "West"}]

    result = CliRunner().invoke(app, ["eval", str(tmp_path / "out"), "--truth", str(truth), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["answer_precision"] == 0.5


def test_vegalite_values_numeric_x_and_arc_shares(tmp_path: Path) -> None:
    line = _chart([("0.98", 10.0), ("2.01", 30.5), ("4", 99.0)], x_values=True)
    pie = _chart([("Sky", 75.5), ("Shade", 24.5)])
    _write(tmp_path / "out", {"line.png": ([], [line]), "pie.png": ([], [pie])})
    truth = tmp_path / "truth.jsonl"
    truth.write_text("\n".join(json.dumps(x) for x in [
        {"file": "line.png", "chart_type": "line", "x_field": "x", "y_field": "y",
         "values": [{"x": 1, "y": 10}, {"x": 2, "y": 30}, {"x": 3, "y": 20}, {"x": 4, "y": None}]},
        {"file": "pie.png", "chart_type": "arc", "x_field": None, "y_field": None,
         "fields": {"theta": "v", "color": "c"}, "values": [{"c": "Sky", "v": 75}, {"c": "Shade", "v": 25}]},
    ]) + "\n")
    report = evaluate_charts(tmp_path / "out", truth)
    # x=1 and x=2 are read (x within 2% of the x span), x=3 has no read point, x=4 has no truth value.
    assert (report.values, report.values_within) == (5, 4)
