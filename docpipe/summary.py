"""The run summary: what a scheduler or an operator reads after a run."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pydantic import BaseModel, Field
from rich.table import Table

from docpipe.records import Status


class FailedDocument(BaseModel):
    source_path: str
    status: Status
    category: str
    message: str


class RunSummary(BaseModel):
    run_id: str
    out_dir: str
    pipeline: str
    schema_name: str
    engine: str
    model: str | None = None
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    wall_s: float = 0.0
    startup_s: float | None = None  # command start → first page result
    inputs: int = 0
    # paths a folder walk or listing passed over, by reason (hidden, sidecar, symlink_loop, ...)
    passed_over: dict[str, int] = Field(default_factory=dict)
    passed_over_examples: dict[str, list[str]] = Field(default_factory=dict)
    skipped_done: int = 0  # already done with the same work key in an earlier run
    skipped_duplicates: int = 0  # same bytes as another input of this run: a `skipped` row, not processed
    processed: int = 0
    pages: int = 0
    by_status: dict[str, int] = Field(default_factory=dict)
    by_error: dict[str, int] = Field(default_factory=dict)
    failed: list[FailedDocument] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    interrupted: bool = False  # stopped by Ctrl-C / SIGINT; documents committed before are kept
    config: dict = Field(default_factory=dict)

    def count(self, status: Status, category: str | None, source_path: str, message: str | None) -> None:
        self.by_status = dict(Counter(self.by_status) + Counter({status.value: 1}))
        if category:
            self.by_error = dict(Counter(self.by_error) + Counter({category: 1}))
        if status in (Status.failed, Status.partial) and category:
            if len(self.failed) < 1000:  # keep the summary file bounded on huge broken corpora
                self.failed.append(FailedDocument(source_path=source_path, status=status,
                                                  category=category, message=message or ""))

    @property
    def any_failed(self) -> bool:
        return self.by_status.get(Status.failed.value, 0) > 0


def summary_table(summary: RunSummary) -> Table:
    title = f"docpipe run {summary.run_id}" + (" (interrupted)" if summary.interrupted else "")
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("documents", justify="left")
    table.add_column("count", justify="right")
    model = f" · model {summary.model}" if summary.model else ""
    table.add_row(f"engine {summary.engine}{model} · schema {summary.schema_name} · pipeline {summary.pipeline}", "")
    table.add_row("inputs", str(summary.inputs))
    for reason, n in sorted(summary.passed_over.items()):
        table.add_row(f"  passed over: {reason.replace('_', ' ')}", str(n))
    table.add_row("already done (skipped)", str(summary.skipped_done))
    if summary.skipped_duplicates:
        table.add_row("duplicates of another input (skipped)", str(summary.skipped_duplicates))
    table.add_row("processed", str(summary.processed))
    for status in Status:
        n = summary.by_status.get(status.value, 0)
        if status == Status.skipped:
            n -= summary.skipped_duplicates  # counted above, not processed: the sub-counts add up to `processed`
        if n > 0:
            style = {"ok": "green", "partial": "yellow", "failed": "red"}.get(status.value, "")
            table.add_row(f"  [{style}]{status.value}[/{style}]" if style else f"  {status.value}", str(n))
    for category, n in sorted(summary.by_error.items(), key=lambda kv: -kv[1]):
        table.add_row(f"  documents with error: {category}", str(n))  # document-level, not pages
    table.add_row("pages", str(summary.pages))
    rate = summary.pages / summary.wall_s if summary.wall_s else 0.0
    table.add_row("wall time", f"{summary.wall_s:.1f} s ({rate:.2f} pages/s)")
    return table


def failures_table(summary: RunSummary, limit: int = 20) -> Table | None:
    rows = [f for f in summary.failed if f.status == Status.failed] + \
           [f for f in summary.failed if f.status != Status.failed]
    if not rows:
        return None
    table = Table(title="documents not ok", show_header=True, header_style="bold")
    for column in ("status", "file", "category", "message"):
        table.add_column(column, overflow="fold")
    for f in rows[:limit]:
        table.add_row(f.status.value, f.source_path, f.category, f.message[:160])
    if len(rows) > limit:
        table.add_row("…", f"{len(rows) - limit} more in _runs/{summary.run_id}.json", "", "")
    return table
