"""`docpipe eval` on truth written as sample_docs/truth.jsonl writes it (issue 9): chart questions
under `qa` are scored, an undocumented key is a usage error with FILE:LINE, a rate with nothing to
rate is n/a (null in JSON), and a truth file none of whose documents is in the output exits 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from docpipe.cli import EXIT_USAGE, app
from docpipe.devtools.truth import SampleTruth
from docpipe.records import ChartAnswer
from tests.test_eval_charts import _write

runner = CliRunner()
SAMPLE_TRUTH = Path(__file__).resolve().parents[1] / "sample_docs" / "truth.jsonl"


def _truth(tmp_path: Path, *lines: dict) -> Path:
    path = tmp_path / "truth.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_sample_truth_stores_chart_questions_under_the_key_eval_scores():
    lines = [json.loads(line) for line in SAMPLE_TRUTH.read_text().splitlines() if line.strip()]
    charts = [line for line in lines if line["kind"] == "chart"]
    assert charts and all(line.get("qa") for line in charts)
    assert not [line["file"] for line in lines if "questions" in line]
    assert "qa" in SampleTruth.model_fields and "questions" not in SampleTruth.model_fields


def test_chart_answers_of_a_mixed_truth_file_are_scored(tmp_path):
    """Invoices and charts in one file, as in sample_docs: chart answers are scored, not ignored."""
    _write(tmp_path / "out", {"chart.png": ([ChartAnswer(question="Which is highest?", answer="East")], [])})
    truth = _truth(tmp_path,
                   {"file": "invoice.pdf", "kind": "invoice", "expected": {"total": "10.00"}},
                   {"file": "chart.png", "kind": "chart", "expected": {"charts": []},
                    "qa": [{"question": "Which is highest?", "answer": "East"}]})
    result = runner.invoke(app, ["eval", str(tmp_path / "out"), "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["charts"]["questions"] == 1 and report["charts"]["correct"] == 1
    assert report["charts"]["documents"] == 1  # the invoice line is field truth, not a chart
    assert report["fields"]["missing"] == ["invoice.pdf"]


def test_an_unknown_top_level_key_is_a_usage_error_with_file_and_line(tmp_path):
    _write(tmp_path / "out", {"chart.png": ([ChartAnswer(question="Q", answer="1")], [])})
    truth = _truth(tmp_path, {"file": "chart.png", "qa": [{"question": "Q", "answer": "1"}]},
                   {"file": "chart.png", "questions": [{"question": "Q", "answer": "1"}]})
    result = runner.invoke(app, ["eval", str(tmp_path / "out"), "--truth", str(truth)])
    assert result.exit_code == EXIT_USAGE
    assert f"{truth}:2: unknown key(s) questions" in " ".join(result.output.split())


def test_a_truth_file_matching_no_document_exits_2_and_rates_are_null(tmp_path):
    _write(tmp_path / "out", {"chart.png": ([], [])})
    truth = _truth(tmp_path, {"file": "other.png", "qa": [{"question": "Q", "answer": "1"}]})
    result = runner.invoke(app, ["eval", str(tmp_path / "out"), "--truth", str(truth)])
    assert result.exit_code == EXIT_USAGE
    assert "nothing to score" in result.output and "other.png" in result.output


def test_a_rate_over_nothing_is_n_a_not_zero(tmp_path):
    # the question was asked of the truth but never answered: precision over answered has n = 0
    _write(tmp_path / "out", {"chart.png": ([], [])})
    truth = _truth(tmp_path, {"file": "chart.png", "qa": [{"question": "Q", "answer": "1"}]},
                   {"file": "invoice.pdf", "kind": "invoice", "qa": [], "expected": {"total": "1.00"}})
    result = runner.invoke(app, ["eval", str(tmp_path / "out"), "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    charts = report["charts"]
    assert charts["documents"] == 1  # an empty `qa` is no chart truth
    assert charts["answer_precision"] is None and charts["answer_accuracy"] == 0.0
    result = runner.invoke(app, ["eval", str(tmp_path / "out"), "--truth", str(truth)])
    row = next(line for line in result.output.splitlines() if "precision of answered" in line)
    assert result.exit_code == 0 and "n/a" in row
    # field truth: a field whose truth is null everywhere has no accuracy, and the table says n/a
    from rich.console import Console

    from docpipe.evaluate.fields import EvalReport, FieldScore, render_eval

    score = FieldScore(field="total", kind="amount", truth_null=1)
    assert score.accuracy is None and json.loads(score.model_dump_json())["accuracy"] is None
    console = Console(width=200, record=True)
    console.print(render_eval(EvalReport(out_dir="o", truth_path="t", documents=1, matched=1, fields=[score])))
    row = next(line for line in console.export_text().splitlines() if "total" in line)
    assert "n/a" in row and "0%" not in row.split("amount")[1].split()[0]
