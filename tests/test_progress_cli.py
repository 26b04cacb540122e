"""What a run tells the operator: phases and page totals, plain lines when not on a terminal, a
summary naming engine, model and schema, duplicates counted as skipped, and readable --help."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from docpipe.cli import app, readable_help
from docpipe.config import RunConfig, pipeline_for_schema
from docpipe.output.rows import DocumentHead
from docpipe.progress import RichReporter
from docpipe.runner import execute
from docpipe.summary import summary_table
from tests.inprocess import inprocess_stream


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def notice(self, message): self.events.append(("notice", message))
    def phase(self, text): self.events.append(("phase", text))
    def start(self, total_docs): self.events.append(("start", total_docs))
    def pages_total(self, pages): self.events.append(("pages_total", pages))
    def document(self, head, pages): self.events.append(("document", head.status.value, pages))
    def stop(self): self.events.append(("stop",))


def _head(status: str = "ok") -> DocumentHead:
    import datetime as dt

    return DocumentHead(doc_id="d", source_path="d.pdf", page_count=1, pages_processed=1, status=status,
                        schema="invoice", schema_hash="h", pipeline="invoice", engine="offline", prompt_hash="p",
                        run_id="r", processed_at=dt.datetime.now(dt.timezone.utc))


def test_plain_progress_lines_when_stderr_is_not_a_terminal() -> None:
    buffer = io.StringIO()
    reporter = RichReporter(Console(file=buffer, force_terminal=False, width=200), plain_interval_s=0.0)
    reporter.start(3)
    reporter.phase("starting Ray")
    reporter.pages_total(5)
    reporter.document(_head(), 2)
    reporter.document(_head("failed"), 3)
    reporter.stop()
    lines = buffer.getvalue().splitlines()
    assert lines and all(line.startswith("progress ") for line in lines)
    assert "starting Ray: 0/3 documents" in lines[1]
    assert "2/3 documents, 5/5 pages" in lines[-1] and "1 failed" in lines[-1]
    assert "\x1b" not in buffer.getvalue()  # no terminal control codes in a log file


def _pdf(path: Path, text: str) -> Path:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), text, fontsize=11)
    doc.save(path)
    return path


def test_phases_page_total_and_duplicates_counted_as_skipped(tmp_path: Path) -> None:
    a = _pdf(tmp_path / "a.pdf", "Invoice number: DUP-1")
    copy = tmp_path / "copy_of_a.pdf"
    copy.write_bytes(a.read_bytes())
    b = _pdf(tmp_path / "b.pdf", "Invoice number: B-2")
    recorder = Recorder()
    config = RunConfig(inputs=[str(a), str(copy), str(b)], out_dir=tmp_path / "out",
                       pipeline=pipeline_for_schema("invoice"), engine="offline")
    summary = execute(config, recorder, stream_fn=inprocess_stream)
    assert ("start", 3) in recorder.events and ("phase", "processing") in recorder.events
    assert ("pages_total", 2) in recorder.events  # two documents to process, one page each
    assert (summary.processed, summary.skipped_duplicates, summary.inputs) == (2, 1, 3)
    assert summary.by_status.get("skipped") == 1
    console = Console(record=True, width=200)
    console.print(summary_table(summary))
    text = console.export_text()
    assert "engine offline" in text and "schema invoice" in text and "pipeline invoice" in text
    assert "duplicates of another input (skipped)" in text
    rows = [line.strip("│┃ ").split("│") for line in text.splitlines() if "│" in line]
    cells = [(r[0].strip(), r[-1].strip()) for r in rows if len(r) >= 2]
    labels = [label for label, _ in cells]
    under = cells[labels.index("processed") + 1:labels.index("pages")]
    statuses = [int(n) for label, n in under if label in ("ok", "partial", "failed", "skipped")]
    assert sum(statuses) == summary.processed  # the sub-counts add up to `processed`, duplicates apart
    errors_after_pages = [label for label, _ in cells[labels.index("pages"):] if "error" in label]
    assert errors_after_pages == []  # document-level errors are listed with the documents, not under pages


def test_help_reads_like_a_cli() -> None:
    import click.testing
    import typer

    command = readable_help(typer.main.get_command(app))
    result = click.testing.CliRunner().invoke(command, ["run", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = result.output
    assert "INPUT..." in text and "{inputs}" not in text and "{INPUT" not in text
    assert "<bool>" not in text and "<list" not in text and "<str>" not in text and "<int>" not in text
    assert "--max-pages" in text and " N " in text
