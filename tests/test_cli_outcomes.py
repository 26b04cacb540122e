"""What `docpipe run` reports when it does not finish normally: the JSON line on stdout for exit
130 and 4, an honest message for a second Ctrl-C during cleanup, and where the run log is kept
for URI outputs (no Ray: the runner is replaced or driven in-process)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docpipe import cli, runner as runner_module
from docpipe.cli import EXIT_INTERRUPTED, EXIT_NO_INPUTS, app
from docpipe.summary import RunSummary

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


def _summary(out: Path, **extra) -> RunSummary:
    return RunSummary(run_id="r-test", out_dir=str(out), pipeline="invoice", schema_name="invoice",
                      engine="offline", started_at=dt.datetime.now(dt.timezone.utc), **extra)


@pytest.fixture(autouse=True)
def _no_sigint_handler(monkeypatch):
    monkeypatch.setattr(cli, "_exit_on_second_interrupt", lambda *a: None)  # keep pytest's own SIGINT handling


def _run(monkeypatch, tmp_path: Path, raised: BaseException, *extra: str):
    def fake_execute(config, reporter, started=None, stream_fn=None):
        raise raised

    monkeypatch.setattr(runner_module, "execute", fake_execute)
    return runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--engine", "offline",
                               "--out", str(tmp_path / "out"), *extra])


def test_json_mode_prints_the_outcome_on_stdout_for_interrupted_and_no_input_runs(monkeypatch, tmp_path):
    summary = _summary(tmp_path / "out", processed=3, interrupted=True)
    result = _run(monkeypatch, tmp_path, runner_module.RunInterrupted(summary), "--log-format", "json")
    assert result.exit_code == EXIT_INTERRUPTED
    printed = json.loads(result.stdout.strip().splitlines()[0])
    assert printed["interrupted"] is True and printed["processed"] == 3 and printed["run_id"] == "r-test"

    result = _run(monkeypatch, tmp_path, runner_module.NoInputs("no input documents found in x; nothing to do"),
                  "--log-format", "json")
    assert result.exit_code == EXIT_NO_INPUTS
    printed = json.loads(result.stdout.strip().splitlines()[0])
    assert printed["outcome"] == "no_inputs" and printed["exit_code"] == EXIT_NO_INPUTS
    assert "no input documents" in printed["message"]


def test_a_second_ctrl_c_during_cleanup_does_not_claim_nothing_was_written(monkeypatch, tmp_path):
    result = _run(monkeypatch, tmp_path, runner_module.InterruptedInCleanup())
    assert result.exit_code == EXIT_INTERRUPTED
    assert "nothing was written" not in result.output
    assert "already committed are kept" in result.output and "re-run" in result.output
    # A Ctrl-C the runner did not turn into RunInterrupted may come after commits: no claim of "nothing".
    result = _run(monkeypatch, tmp_path, KeyboardInterrupt())
    assert result.exit_code == EXIT_INTERRUPTED
    assert "nothing was written" not in result.output and "re-run" in result.output


def test_runner_turns_a_ctrl_c_during_its_cleanup_into_interrupted_in_cleanup(monkeypatch, tmp_path):
    from docpipe.config import RunConfig, pipeline_for_schema
    from docpipe.progress import SilentReporter
    from tests.inprocess import inprocess_stream

    def interrupted_stream(config, plan, docs):
        yield from inprocess_stream(config, plan, docs[:1])
        raise KeyboardInterrupt

    def second_ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    config = RunConfig(inputs=[str(SAMPLES / "invoice_acme.pdf"), str(SAMPLES / "invoice_mueller_2p.pdf")],
                       out_dir=str(tmp_path / "out"), pipeline=pipeline_for_schema("invoice"), engine="offline")
    monkeypatch.setattr(runner_module, "_finish_summary", second_ctrl_c)
    with pytest.raises(runner_module.InterruptedInCleanup):
        runner_module.execute(config, SilentReporter(), stream_fn=interrupted_stream)


def test_the_run_log_goes_into_a_file_uri_output(tmp_path):
    out = tmp_path / "out"
    (out / "_runs").mkdir(parents=True)
    summary = _summary(out)
    (out / "_runs" / "r-test.json").write_text(summary.model_dump_json())
    log = tmp_path / "docpipe-run-x.log"
    log.write_text("a library warning\n")
    shown = cli._keep_log(log, f"file://{out}", summary)
    assert shown == "_runs/r-test.log" and not log.exists()
    assert (out / "_runs" / "r-test.log").read_text() == "a library warning\n"


def test_the_run_log_goes_into_an_object_store_output(bucket, tmp_path):
    from docpipe.storage.store import open_store

    uri = f"s3://{bucket}/out"
    store = open_store(uri)
    summary = _summary(Path("unused"))
    store.write_bytes("_runs/r-test.json", summary.model_dump_json().encode())
    log = tmp_path / "docpipe-run-y.log"
    log.write_text("ray said something\n")
    assert cli._keep_log(log, uri, summary) == "_runs/r-test.log" and not log.exists()
    assert store.read_bytes("_runs/r-test.log") == b"ray said something\n"


def test_the_run_log_is_named_by_its_full_path_when_it_cannot_go_into_out(tmp_path):
    log = tmp_path / "docpipe-run-z.log"
    log.write_text("kept here\n")
    shown = cli._keep_log(log, str(tmp_path / "no-summary-here"), _summary(tmp_path))
    assert shown == str(log) and log.exists()


def test_a_run_without_a_summary_keeps_its_log_only_when_it_failed_fatally(tmp_path):
    dropped, kept = tmp_path / "docpipe-run-a.log", tmp_path / "docpipe-run-b.log"
    dropped.write_text("Set ray log level\n")
    kept.write_text("the engine could not start\n")
    assert cli._keep_log(dropped, str(tmp_path / "out"), None) is None and not dropped.exists()
    assert cli._keep_log(kept, str(tmp_path / "out"), None, keep_unsummarised=True) == str(kept) and kept.exists()


def test_a_usage_error_leaves_no_log_in_the_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen = []

    def nothing_found(config, reporter, **kwargs):
        os.write(2, b"a library line on the native stderr\n")  # what Ray's core writes at start-up
        seen.extend(temp.glob("docpipe-run-*.log"))
        raise runner_module.NoInputs("no input documents found; nothing to do")

    monkeypatch.setattr(runner_module, "execute", nothing_found)
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["run", str(tmp_path / "empty"), "--engine", "offline", "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_NO_INPUTS, result.output
    assert len(seen) == 1 and list(temp.glob("docpipe-run-*.log")) == []


def test_two_empty_files_each_get_an_empty_file_row(tmp_path):
    import pyarrow.dataset as ds

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.pdf").write_bytes(b"")
    (tmp_path / "in" / "b.pdf").write_bytes(b"")
    result = runner.invoke(app, ["run", str(tmp_path / "in"), "--engine", "offline", "--out", str(tmp_path / "out")])
    assert result.exit_code != 0, result.output  # failed documents
    rows = ds.dataset(tmp_path / "out" / "documents", format="parquet").to_table().to_pylist()
    assert sorted((Path(r["source_path"]).name, r["status"], r["error"]["category"]) for r in rows) == [
        ("a.pdf", "failed", "empty_file"), ("b.pdf", "failed", "empty_file")]


def test_an_empty_folder_says_nothing_to_do_once(tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["run", str(tmp_path / "empty"), "--engine", "offline", "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_NO_INPUTS, result.output
    assert result.output.count("nothing to do") == 1 and "no input documents found" in result.output


def test_questions_file_lines_that_match_no_input_are_noticed(tmp_path):
    from docpipe.config import RunConfig, load_pipeline
    from tests.inprocess import inprocess_stream
    from tests.test_progress_cli import Recorder

    qfile = tmp_path / "q.jsonl"
    qfile.write_text("\n".join(json.dumps({"file": name, "question": "What is the highest value?"})
                               for name in ("chart_bar.pdf", "nosuch.pdf", "other.png")) + "\n")
    recorder = Recorder()
    config = RunConfig(inputs=[str(SAMPLES / "chart_bar.pdf")], out_dir=str(tmp_path / "out"),
                       pipeline=load_pipeline("charts"), engine="offline", questions_file=qfile)
    summary = runner_module.execute(config, recorder, stream_fn=inprocess_stream)
    [notice] = [n for n in summary.notices if "name no input document" in n]
    assert notice.startswith("2 line(s)") and "nosuch.pdf" in notice and "other.png" in notice
    assert ("notice", notice) in recorder.events and not summary.any_failed
