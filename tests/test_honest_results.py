"""Issue 9 (fresh-user findings): every status, count and exit code says what really happened.

The CLI is driven with the in-process stream (no Ray), on generated inputs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docpipe import cli, runner as runner_module
from docpipe.cli import EXIT_FAILED_DOCS, EXIT_OK, EXIT_USAGE, app
from docpipe.discover import InputError, check_output_outside_inputs, list_inputs
from docpipe.records import ErrorCategory
from tests.inprocess import inprocess_stream

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"
_SECOND_INTERRUPT = cli._exit_on_second_interrupt


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    real = runner_module.execute

    def execute(config, reporter, started=None, stream_fn=None):
        return real(config, reporter, started=started, stream_fn=inprocess_stream)

    monkeypatch.setattr(runner_module, "execute", execute)
    monkeypatch.setattr(cli, "_exit_on_second_interrupt", lambda *a: None)


def _run(*args: str):
    return runner.invoke(app, ["run", *args, "--engine", "offline", "--log-format", "json"])


def _summary(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- 1. --out equal to (or holding) an input folder ------------------------------------------------

def test_out_equal_to_the_input_folder_is_a_usage_error_before_anything_is_written(tmp_path):
    same = tmp_path / "same"
    same.mkdir()
    shutil.copy(SAMPLES / "invoice_acme.pdf", same / "a.pdf")
    before = sorted(p.name for p in same.iterdir())
    result = _run(str(same), "--out", str(same))
    assert result.exit_code == EXIT_USAGE, result.output
    assert "is the input folder" in result.output
    assert sorted(p.name for p in same.iterdir()) == before  # nothing written


def test_out_holding_an_input_folder_is_refused_but_a_subfolder_output_is_allowed(tmp_path):
    inputs = tmp_path / "parent" / "in"
    inputs.mkdir(parents=True)
    with pytest.raises(InputError, match="holds the input"):
        check_output_outside_inputs(str(tmp_path / "parent"), [str(inputs)])
    check_output_outside_inputs(str(inputs / "out"), [str(inputs)])  # passed over by the walk: allowed
    check_output_outside_inputs(str(tmp_path / "elsewhere"), [str(inputs)])
    # a symlink to the input folder is the same folder
    (tmp_path / "link").symlink_to(inputs)
    with pytest.raises(InputError, match="is the input folder"):
        check_output_outside_inputs(str(tmp_path / "link"), [str(inputs)])
    # a folder a glob pattern matches is walked like a named one
    with pytest.raises(InputError, match="is the input folder"):
        check_output_outside_inputs(str(inputs), [str(tmp_path / "parent" / "i*")])
    # a named file inside the output is always read: not refused
    (inputs / "a.pdf").write_bytes(b"%PDF-1.4")
    check_output_outside_inputs(str(inputs), [str(inputs / "a.pdf")])


def test_uri_outputs_are_compared_by_prefix():
    with pytest.raises(InputError, match="is the input folder"):
        check_output_outside_inputs("s3://bucket/inbox/", ["s3://bucket/inbox"])
    with pytest.raises(InputError, match="holds the input"):
        check_output_outside_inputs("s3://bucket", ["s3://bucket/inbox/"])
    check_output_outside_inputs("s3://bucket/inbox/out", ["s3://bucket/inbox/"])
    check_output_outside_inputs("s3://bucket/inbox2", ["s3://bucket/inbox"])  # a prefix of the name only


# -- 2. a named path that does not exist is a row, not the end of the run ---------------------------

def test_a_named_missing_path_is_a_not_found_row(tmp_path):
    missing = tmp_path / "nope.pdf"
    listing = list_inputs([str(missing)])
    assert [d.source_path for d in listing.docs] == [str(missing)]
    assert listing.docs[0].error.category is ErrorCategory.not_found


def test_a_run_with_a_missing_named_path_goes_on_and_counts_it_failed(tmp_path):
    missing = tmp_path / "nope.pdf"
    result = _run(str(SAMPLES / "invoice_acme.pdf"), str(missing), "--out", str(tmp_path / "out"))
    assert result.exit_code == EXIT_FAILED_DOCS, result.output
    summary = _summary(result)
    assert summary["inputs"] == 2 and summary["processed"] == 2
    assert summary["by_status"].get("failed") == 1 and summary["by_error"].get("not_found") == 1
    assert [f["source_path"] for f in summary["failed"]] == [str(missing)]


def test_a_run_whose_only_inputs_are_missing_paths_gives_a_row_each_and_exit_1(tmp_path):
    missing = [str(tmp_path / "a.pdf"), str(tmp_path / "b")]
    result = _run(*missing, "--out", str(tmp_path / "out"))
    assert result.exit_code == EXIT_FAILED_DOCS, result.output
    summary = _summary(result)
    assert summary["by_status"] == {"failed": 2} and summary["by_error"] == {"not_found": 2}
    import pyarrow.parquet as pq

    rows = pq.read_table(tmp_path / "out" / "documents").to_pylist()
    assert sorted(r["source_path"] for r in rows) == sorted(missing)
    assert {r["error"]["category"] for r in rows} == {"not_found"}


def test_second_run_into_same_folder_after_refusal_still_sees_new_inputs(tmp_path):
    """The fresh-user sequence: out beside (not equal to) the inputs keeps finding new documents."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SAMPLES / "invoice_acme.pdf", inputs / "a.pdf")
    assert _run(str(inputs), "--out", str(inputs / "out")).exit_code == EXIT_OK
    shutil.copy(SAMPLES / "invoice_mueller_2p.pdf", inputs / "b.pdf")
    result = _run(str(inputs), "--out", str(inputs / "out"))
    assert result.exit_code == EXIT_OK, result.output
    summary = _summary(result)
    assert summary["inputs"] == 2 and summary["processed"] == 1 and summary["skipped_done"] == 1
    assert summary["passed_over"] == {"docpipe_output": 1}


# -- 7. a duplicate input is counted once ------------------------------------------------------------

def test_a_duplicate_is_counted_once_as_skipped_not_again_as_an_error(tmp_path):
    from rich.console import Console

    from docpipe.summary import RunSummary, summary_table

    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SAMPLES / "invoice_acme.pdf", inputs / "a.pdf")
    shutil.copy(SAMPLES / "invoice_acme.pdf", inputs / "copy.pdf")
    result = _run(str(inputs), "--out", str(tmp_path / "out"))
    assert result.exit_code == EXIT_OK, result.output
    summary = _summary(result)
    assert summary["inputs"] == 2 and summary["processed"] == 1 and summary["skipped_duplicates"] == 1
    assert "duplicate" not in summary["by_error"]
    console = Console(record=True, width=200)
    console.print(summary_table(RunSummary.model_validate(summary)))
    text = console.export_text()
    assert "duplicates of another input (skipped)" in text and "documents with error: duplicate" not in text


# -- 6. one precedence for the document's error, answers included -----------------------------------

def _chart_page(extraction: dict, answers, grounding=()):
    from docpipe.records import PageResult
    from docpipe.schema_registry import load_schema

    chart = load_schema("chart").model
    return PageResult(doc_id="d", source_path="d.pdf", page_index=0, page_count=1, total_pages=1, width_pt=595, status="ok",
                      height_pt=842, extraction_json=chart.model_validate(extraction).model_dump_json(),
                      answers=list(answers), grounding=list(grounding))


def test_an_unanswered_question_comes_before_ungrounded_values_and_missing_fields():
    from docpipe.merge import merge_document
    from docpipe.records import ChartAnswer, ErrorInfo, FieldGrounding, Status
    from docpipe.schema_registry import load_schema

    chart = load_schema("chart").model
    no_chart = ErrorInfo(category=ErrorCategory.unreadable_chart, message="no chart was found", stage="chart_qa")
    ungrounded = FieldGrounding(field="answers[1]", value="7", grounded=False)
    # one unanswered question plus an answer the page does not support
    page = _chart_page({}, [ChartAnswer(question="a?", error=no_chart), ChartAnswer(question="b?", answer="7")],
                       [ungrounded])
    merged = merge_document([page], chart)
    assert merged.status is Status.partial and merged.error.category is ErrorCategory.unreadable_chart
    assert merged.error.message.startswith("1 of 2 question(s) not answered")
    # no field of the schema found (an invoice read with --pipeline charts) and the question unanswered
    merged = merge_document([_chart_page({}, [ChartAnswer(question="a?", error=no_chart)])], chart)
    assert merged.error.category is ErrorCategory.unreadable_chart and merged.missing_fields
    # every question answered: the fields decide as before
    merged = merge_document([_chart_page({}, [ChartAnswer(question="b?", answer="7")], [ungrounded])], chart)
    assert merged.error.category is ErrorCategory.missing_field


# -- 5. a repaired PDF: ok when nothing was lost, as the README says ----------------------------------

def _broken_xref_pdf(path: Path, lines: list[str]) -> Path:
    import re

    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for i, line in enumerate(lines):
        page.insert_text((60, 80 + 16 * i), line, fontsize=11)
    data = doc.tobytes()
    tail = data.rindex(b"startxref")
    path.write_bytes(data[:tail] + re.sub(rb"startxref\s+\d+", b"startxref\n999999", data[tail:]))
    assert pymupdf.open(path).is_repaired  # the cross-reference table had to be rebuilt
    return path


def test_a_repaired_pdf_that_lost_nothing_is_ok_with_the_same_values(tmp_path):
    import pyarrow.parquet as pq

    lines = ["Invoice number: R-7", "Date: 2024-03-05", "Total: 12.50 EUR"]
    good = tmp_path / "in" / "good.pdf"
    good.parent.mkdir()
    _broken_xref_pdf(tmp_path / "in" / "repaired.pdf", lines)
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for i, line in enumerate(lines):
        page.insert_text((60, 80 + 16 * i), line, fontsize=11)
    doc.save(good)
    result = _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert result.exit_code in (EXIT_OK, EXIT_FAILED_DOCS), result.output
    rows = {Path(r["source_path"]).name: r for r in pq.read_table(tmp_path / "out" / "documents").to_pylist()}
    repaired, intact = rows["repaired.pdf"], rows["good.pdf"]
    assert repaired["pages_processed"] == 1 and repaired["invoice_number"] == "R-7"
    # the repair lost nothing: the same status, error and values as the intact file
    assert (repaired["status"], repaired["error"]) == (intact["status"], intact["error"])
    assert (repaired["total"], repaired["issue_date"]) == (intact["total"], intact["issue_date"])
    pages = pq.read_table(tmp_path / "out" / "pages").to_pylist()
    words = {Path(p["source_path"]).name: p["ocr_text"] for p in pages}
    assert words["repaired.pdf"] == words["good.pdf"] and "R-7" in words["repaired.pdf"]


# -- 8. a second Ctrl-C says what was kept; piped help keeps option names whole -----------------------

@pytest.mark.parametrize("log_format", ["rich", "json"])
def test_a_second_ctrl_c_prints_one_line_saying_what_was_kept(monkeypatch, capfd, log_format):
    import signal

    from docpipe.cli import SECOND_INTERRUPT_MESSAGE

    installed = {}
    monkeypatch.setattr(signal, "signal", lambda sig, handler: installed.setdefault(sig, handler))

    def fake_exit(code):
        raise SystemExit(code)

    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    _SECOND_INTERRUPT(log_format)  # the real handler (the autouse fixture replaces cli's)
    with pytest.raises(SystemExit) as exited:
        installed[signal.SIGINT](signal.SIGINT, None)
    assert exited.value.code == 130
    lines = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1
    if log_format == "json":
        event = json.loads(lines[0])
        assert event["event"] == "error" and event["exit_code"] == 130 and "kept" in event["message"]
    else:
        assert lines[0] == SECOND_INTERRUPT_MESSAGE and "re-run" in lines[0]


def test_piped_help_does_not_cut_option_names():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("TERMINAL_WIDTH", "COLUMNS")}
    result = subprocess.run([sys.executable, "-m", "docpipe", "run", "--help"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0
    assert "--raster-workers" in result.stdout and "--recycle-after-pages" in result.stdout
    assert "…" not in result.stdout
