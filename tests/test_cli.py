"""CLI surface: listing commands, usage errors and their exit codes (no Ray needed)."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from docpipe.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


def test_schemas_lists_builtin_schemas_with_fields():
    result = runner.invoke(app, ["schemas"])
    assert result.exit_code == 0
    for text in ("invoice", "receipt", "chart", "page", "invoice_number", "line_items[].amount", "merchant_name"):
        assert text in result.output


def test_pipelines_lists_pipeline_files():
    result = runner.invoke(app, ["pipelines"])
    assert result.exit_code == 0
    assert "charts" in result.output and "chart_qa" in result.output


def test_usage_errors_exit_2_with_a_message_and_no_traceback(tmp_path):
    cases = [
        ["run", str(SAMPLES), "--schema", "nope", "--out", str(tmp_path / "o")],
        ["run", str(tmp_path / "*.nothing"), "--out", str(tmp_path / "o")],  # a named missing path is a row
        ["run", str(SAMPLES), "--engine", "gpu", "--out", str(tmp_path / "o")],
        ["run", str(SAMPLES), "--pipeline", "nope", "--out", str(tmp_path / "o")],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o" / "documents").exists()  # nothing written for a usage error


def test_unwritable_output_is_fatal_exit_3(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--engine", "offline",
                                 "--out", str(blocker / "out")])
    assert result.exit_code == 3 and "error:" in result.output


def test_eval_requires_an_output_folder(tmp_path):
    result = runner.invoke(app, ["eval", str(tmp_path), "--truth", str(SAMPLES / "truth.jsonl")])
    assert result.exit_code == 2 and "no documents dataset" in result.output
    result = runner.invoke(app, ["eval", str(tmp_path / "nope"), "--truth", str(SAMPLES / "truth.jsonl")])
    assert result.exit_code == 2 and "output folder not found" in result.output
    (tmp_path / "documents").mkdir()  # a run still starting: the folder exists, nothing committed yet
    result = runner.invoke(app, ["eval", str(tmp_path), "--truth", str(SAMPLES / "truth.jsonl")])
    assert result.exit_code == 2 and "holds no documents yet" in result.output and "unknown key" not in result.output


def test_second_run_on_a_locked_output_exits_3_naming_the_holder(tmp_path):
    from docpipe.output.lock import OutputLock

    out = tmp_path / "out"
    out.mkdir()
    with OutputLock(out, run_id="first-run"):
        result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--engine", "offline",
                                     "--out", str(out)])
    assert result.exit_code == 3
    assert "first-run" in result.output and str(os.getpid()) in result.output
    assert not (out / "documents").exists() or not any((out / "documents").iterdir())


def test_bench_ocr_compares_the_engines_side_by_side():
    import json

    result = runner.invoke(app, ["bench-ocr", "--pages", "1", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    rows = {r["engine"]: r for r in payload["results"]}
    assert set(rows) == {"rapidocr", "rapidocr-stock", "tesseract"}
    for r in rows.values():
        assert r["error"] is None and r["pages"] == 1 and r["words"] > 50 and r["cpu_s_per_page"] > 0
        assert r["truth_words"] > 100 and 0.5 < r["recall"] <= 1.0
    assert payload["machine"]["logical_cpus"] >= 1
