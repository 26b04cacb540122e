"""How a run reports while it goes: a rich progress display, or JSON log lines for schedulers."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from docpipe.output.rows import DocumentHead
from docpipe.records import Status


class Reporter(Protocol):
    def notice(self, message: str) -> None: ...
    def start(self, total_docs: int) -> None: ...
    def document(self, head: DocumentHead, pages: int) -> None: ...
    def stop(self) -> None: ...


class RichReporter:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.pages = 0
        self.failures = 0
        self.started = time.monotonic()
        self._progress: Progress | None = None
        self._task = None

    def notice(self, message: str) -> None:
        self.console.print(f"[yellow]notice[/yellow] {message}")

    def start(self, total_docs: int) -> None:
        self.started = time.monotonic()
        self._progress = Progress(
            TextColumn("[bold]documents"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[pages]} pages · {task.fields[rate]} pages/s · "
                       "[red]{task.fields[failures]} failed"),
            TimeElapsedColumn(), console=self.console, transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("run", total=total_docs, pages=0, rate="0.00", failures=0)

    def document(self, head: DocumentHead, pages: int) -> None:
        self.pages += pages
        self.failures += head.status == Status.failed
        if self._progress is not None:
            elapsed = max(1e-6, time.monotonic() - self.started)
            self._progress.update(self._task, advance=1, pages=self.pages,
                                  rate=f"{self.pages / elapsed:.2f}", failures=self.failures)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class JsonReporter:
    """One JSON object per line on stderr: machine-readable, no terminal control codes."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0

    def _emit(self, event: str, **fields) -> None:
        record = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(), "event": event, **fields}
        sys.stderr.write(json.dumps(record, default=str) + "\n")
        sys.stderr.flush()

    def notice(self, message: str) -> None:
        self._emit("notice", message=message)

    def start(self, total_docs: int) -> None:
        self.total = total_docs
        self._emit("start", documents=total_docs)

    def document(self, head: DocumentHead, pages: int) -> None:
        self.done += 1
        self._emit("document", done=self.done, total=self.total, doc_id=head.doc_id,
                   source_path=head.source_path, status=head.status.value, pages=pages,
                   error=head.error.category.value if head.error else None,
                   message=head.error.message if head.error else None)

    def stop(self) -> None:
        self._emit("stop", done=self.done, total=self.total)
