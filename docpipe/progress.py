"""How a run reports while it goes: a live display on a terminal, plain lines when stderr is not a
terminal (a cron log, a CI job), or JSON lines for schedulers (`--log-format json`).

Every reporter gets the same events from the runner:
    notice(message)            one-line notices (e.g. the engine fell back)
    phase(text)                what the run is doing now: "starting Ray", "starting workers (loading
                               the OCR models)", "processing"; shown until the next phase
    start(total_docs)          documents to process in this run
    pages_total(pages)         the page total, once every document has reported its page count
    document(head, pages)      a document finished (its status, and its pages)
    stop()
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from docpipe.output.rows import DocumentHead
from docpipe.records import Status

PLAIN_INTERVAL_S = 10.0  # seconds between plain progress lines when stderr is not a terminal


class Reporter(Protocol):
    def notice(self, message: str) -> None: ...
    def phase(self, text: str) -> None: ...
    def start(self, total_docs: int) -> None: ...
    def pages_total(self, pages: int) -> None: ...
    def document(self, head: DocumentHead, pages: int) -> None: ...
    def stop(self) -> None: ...


class SilentReporter:
    """The Reporter protocol, saying nothing (benchmarks and embedding code print their own progress)."""

    def notice(self, message: str) -> None:
        pass

    def phase(self, text: str) -> None:
        pass

    def start(self, total_docs: int) -> None:
        pass

    def pages_total(self, pages: int) -> None:
        pass

    def document(self, head: DocumentHead, pages: int) -> None:
        pass

    def stop(self) -> None:
        pass


class _Counts:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.total_docs = 0
        self.done = 0
        self.pages = 0
        self.pages_total: int | None = None
        self.failures = 0
        self.phase = "starting"

    def add(self, head: DocumentHead, pages: int) -> None:
        self.done += 1
        self.pages += pages
        self.failures += head.status == Status.failed

    @property
    def rate(self) -> float:
        return self.pages / max(1e-6, time.monotonic() - self.started)

    def pages_text(self) -> str:
        return f"{self.pages}/{self.pages_total} pages" if self.pages_total is not None else f"{self.pages} pages"

    def line(self) -> str:
        return (f"{self.phase}: {self.done}/{self.total_docs} documents, {self.pages_text()}, "
                f"{self.rate:.2f} pages/s, {self.failures} failed, {time.monotonic() - self.started:.0f} s")


class RichReporter:
    """A live progress display on a terminal; a plain progress line every few seconds otherwise."""

    def __init__(self, console: Console, plain_interval_s: float = PLAIN_INTERVAL_S) -> None:
        self.console = console
        self.counts = _Counts()
        self.plain_interval_s = plain_interval_s
        self._last_plain = 0.0
        self._progress: Progress | None = None
        self._task = None

    @property
    def live(self) -> bool:
        return self.console.is_terminal

    def notice(self, message: str) -> None:
        self.console.print(f"[yellow]notice[/yellow] {message}", soft_wrap=True)

    def phase(self, text: str) -> None:
        self.counts.phase = text
        if self._progress is not None:
            self._progress.update(self._task, phase=text)
        elif not self.live:
            self._plain(force=True)

    def start(self, total_docs: int) -> None:
        self.counts.total_docs = total_docs
        self.counts.started = time.monotonic()
        if not self.live:
            self._plain(force=True)
            return
        self._progress = Progress(
            SpinnerColumn(), TextColumn("[cyan]{task.fields[phase]}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("documents · {task.fields[pages]} · {task.fields[rate]} pages/s · "
                       "[red]{task.fields[failures]} failed"),
            TimeElapsedColumn(), console=self.console, transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("run", total=total_docs, phase=self.counts.phase,
                                             pages=self.counts.pages_text(), rate="0.00", failures=0)

    def pages_total(self, pages: int) -> None:
        self.counts.pages_total = pages
        self._refresh(advance=0)

    def document(self, head: DocumentHead, pages: int) -> None:
        self.counts.add(head, pages)
        self._refresh(advance=1)

    def _refresh(self, advance: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=advance, pages=self.counts.pages_text(),
                                  rate=f"{self.counts.rate:.2f}", failures=self.counts.failures)
        elif not self.live:
            self._plain()

    def _plain(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_plain >= self.plain_interval_s:
            self._last_plain = now
            self.console.print(f"progress {self.counts.line()}", soft_wrap=True, highlight=False)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        elif not self.live and self.counts.total_docs:
            self._plain(force=True)


class JsonReporter:
    """One JSON object per line on `stream` (default: stderr at call time), no terminal codes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.done = 0
        self.total = 0

    def _emit(self, event: str, **fields) -> None:
        import sys

        stream = self.stream or sys.stderr
        record = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(), "event": event, **fields}
        stream.write(json.dumps(record, default=str) + "\n")
        stream.flush()

    def notice(self, message: str) -> None:
        self._emit("notice", message=message)

    def phase(self, text: str) -> None:
        self._emit("phase", phase=text)

    def start(self, total_docs: int) -> None:
        self.total = total_docs
        self._emit("start", documents=total_docs)

    def pages_total(self, pages: int) -> None:
        self._emit("pages_total", pages=pages)

    def document(self, head: DocumentHead, pages: int) -> None:
        self.done += 1
        self._emit("document", done=self.done, total=self.total, doc_id=head.doc_id,
                   source_path=head.source_path, status=head.status.value, pages=pages,
                   error=head.error.category.value if head.error else None,
                   message=head.error.message if head.error else None)

    def error(self, message: str, exit_code: int) -> None:
        self._emit("error", message=message, exit_code=exit_code)

    def stop(self) -> None:
        self._emit("stop", done=self.done, total=self.total)
