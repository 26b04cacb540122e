"""Driver side: gather page results per document, merge, and commit rows in batches.

A document is committed only when all its pages are in, together with its ledger entry, so a
crash loses at most the uncommitted batch and a re-run redoes exactly those documents.

Inputs are tracked by their URI (source_path): the driver lists them without reading, and learns
each one's doc_id (the sha256 its worker computed) from its first result. At that moment `claim`
decides its row: content already committed under that path with the same work key is counted as
done, an input with content whose row another input holds becomes a `skipped/duplicate` row.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from collections.abc import Callable

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from docpipe.merge import merge_document
from docpipe.output.chart_rows import chart_rows_table
from docpipe.output.rows import DocumentHead, document_rows_table, page_rows_table
from docpipe.output.arrow_values import ValueOutOfRange, check_fits
from docpipe.output.commit import CHARTS, DOCUMENTS, PAGES
from docpipe.output.ledger import LedgerEntry
from docpipe.raster.result import RasterOutput
from docpipe.records import ChartAnswer, ErrorCategory, ErrorInfo, FieldGrounding, PageResult, SourceDoc, Status


class Provenance(BaseModel):
    """Columns shared by every document row of a run."""

    schema_name: str
    schema_hash: str
    pipeline: str
    engine: str
    model: str | None
    model_revision: str | None
    prompt_hash: str
    run_id: str


@dataclass(slots=True)
class PendingDoc:
    """One input the run waits for (a slotted dataclass: a run may wait for millions)."""

    doc: SourceDoc
    row_key: str = ""  # decided by Collector.claim once the doc_id is known
    work_key: str = ""


class Claim(BaseModel):
    """What the runner decided for one input once its content id is known."""

    row_key: str | None = None  # None: not a row of this run (done already, or a duplicate row was written)
    work_key: str = ""
    done_already: bool = False  # same content committed with the same work key
    duplicate_of: str | None = None  # URI of the input of this run with the same content


ClaimFn = Callable[[PendingDoc, str], Claim]


class StagedDocument(BaseModel):
    """One finished document waiting for the next commit: its row, values, grounding and pages.

    Once staged, its rows are converted at once (`tables`) and the Python objects dropped: a
    commit batch then holds compact Arrow rows, not hundreds of objects per page.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    item: PendingDoc
    head: DocumentHead
    values: BaseModel | None = None
    grounding: list[FieldGrounding] = []
    pages: list[PageResult] = []
    answers: list[ChartAnswer] = []  # one per question asked of the document, answered or not
    tables: dict[str, pa.Table] | None = None  # the document's rows by dataset, once converted
    page_rows: int = 0  # pages it stores (len(pages) before they were converted)


class Collector:
    """Gathers page results per document, merges each finished document and commits in batches.

    Errors are data here too: any exception while merging, validating or converting one
    document's rows becomes that document's `failed / invalid_output` row (message kept); it
    never costs the other documents of the batch or stops the run.
    """

    def __init__(self, writer, schema_model: type[BaseModel], provenance: Provenance,
                 metadata: dict[str, str], commit_every_docs: int, commit_every_s: float,
                 on_document: Callable[[DocumentHead, int], None],
                 on_committed: Callable[[DocumentHead, int], None] | None = None,
                 on_first_page: Callable[[str, int], None] | None = None,
                 claim: ClaimFn | None = None,
                 on_done_already: Callable[[PendingDoc], None] | None = None,
                 questions_for: Callable[[str], list[str]] = lambda source: []) -> None:
        """on_document(head, pages) fires when a document is finished (progress); on_committed(head,
        pages) once its row is committed, with its final status (a row that could not be stored
        is committed as failed); on_first_page(source_path, page_count) when a document's first
        page result arrives (its page count is then known; 0 for an input decided without its
        pages). claim(item, doc_id) decides an input's row once its doc_id is known;
        on_done_already(item) hears of inputs whose content was done before. questions_for(source_path)
        gives the chart questions asked of a document: each is recorded in its row, answered or
        with the reason it was not."""
        self.writer = writer
        self.claim = claim
        self.on_done_already = on_done_already
        self.schema_model = schema_model
        self.prov = provenance
        self.metadata = metadata
        self.commit_every_docs = commit_every_docs
        self.commit_every_s = commit_every_s
        self.on_document = on_document
        self.on_committed = on_committed
        self.on_first_page = on_first_page
        self.questions_for = questions_for
        self.pending: dict[str, PendingDoc] = {}
        self.pages: dict[str, dict[int, PageResult]] = {}
        self._staged: list[StagedDocument] = []
        self._last_commit = time.monotonic()

    def expect(self, item: PendingDoc) -> None:
        self.pending[item.doc.source_path] = item

    @property
    def outstanding(self) -> int:
        return len(self.pending)

    def _claimed(self, source: str, doc_id: str) -> PendingDoc | None:
        """The pending input `source`, with its row decided now that its doc_id is known; None to drop."""
        item = self.pending.get(source)
        if item is None or item.row_key:
            return item
        if not doc_id:
            from docpipe.discover import fallback_doc_id

            doc_id = fallback_doc_id(source)
        item.doc = item.doc.model_copy(update={"doc_id": doc_id})
        if self.claim is None:
            item.row_key = doc_id
            return item
        decision = self.claim(item, doc_id)
        item.work_key = decision.work_key
        if decision.row_key is None:
            del self.pending[source]
            self.pages.pop(source, None)
            self._no_pages_expected(source)
            if self.on_done_already is not None:
                self.on_done_already(item)
            return None
        item.row_key = decision.row_key
        if decision.duplicate_of is not None:
            del self.pending[source]
            self.pages.pop(source, None)
            self._no_pages_expected(source)
            self.add_unprocessed(item, Status.skipped, ErrorInfo(
                category=ErrorCategory.duplicate, stage="discover",
                message=f"same content as {decision.duplicate_of}; processed once under that path"))
            return None
        return item

    def _no_pages_expected(self, source: str) -> None:
        """An input decided without processing its pages still tells the page total it adds none."""
        if self.on_first_page is not None:
            self.on_first_page(source, 0)

    def add_page(self, result: PageResult) -> None:
        item = self._claimed(result.source_path, result.doc_id)
        if item is None:
            return  # a duplicate delivery after a worker retry, or an input decided without its pages
        pages = self.pages.setdefault(result.source_path, {})
        if not pages and self.on_first_page is not None:
            self.on_first_page(result.source_path, result.page_count)
        pages[result.page_index] = result
        if len(pages) >= result.page_count:
            self._finish(self.pending.pop(result.source_path), list(pages.values()))
            del self.pages[result.source_path]

    def add_failed_document(self, output: RasterOutput) -> None:
        item = self._claimed(output.source_path, output.doc_id)
        if item is None:
            return
        self.pending.pop(output.source_path, None)
        error = output.error or ErrorInfo(category=ErrorCategory.internal, message="no pages", stage="raster")
        self.add_unprocessed(item, Status.failed, error)

    def add_unprocessed(self, item: PendingDoc, status: Status, error: ErrorInfo | None,
                        page_count: int = 0) -> None:
        """A document that never reached page processing (bad input, duplicate)."""
        head = self._head(item, status, error, page_count=page_count, pages_processed=0)
        self._stage(StagedDocument(item=item, head=head, answers=self._unanswered(item, error)))

    def _unanswered(self, item: PendingDoc, error: ErrorInfo | None,
                    answered: list[ChartAnswer] | None = None) -> list[ChartAnswer]:
        """The document's answers, completed with every question it was asked but not answered."""
        answers = list(answered or [])
        why = error or ErrorInfo(category=ErrorCategory.internal, message="the question was not answered")
        asked = self.questions_for(item.doc.source_path)
        return answers + [ChartAnswer(question=q, error=why) for q in asked[len(answers):]]

    def _finish(self, item: PendingDoc, pages: list[PageResult]) -> None:
        pages = sorted(pages, key=lambda p: p.page_index)
        total_pages = max((p.total_pages for p in pages), default=len(pages))
        try:
            merged = merge_document(pages, self.schema_model)
            values, error, status = merged.values, merged.error, merged.status
            if values is not None:
                check_fits(values)
            head = self._head(item, status, error, page_count=total_pages, pages_processed=len(pages),
                              missing_fields=merged.missing_fields, broken_rules=merged.broken_rules)
            staged = StagedDocument(item=item, head=head, values=values, grounding=merged.grounding, pages=pages,
                                    answers=self._unanswered(item, error, merged.answers))
        except Exception as exc:  # noqa: BLE001 - one document's problem is that document's row
            staged = self._invalid(item, pages, total_pages, "merge", exc)
        self._stage(staged)

    def _invalid(self, item: PendingDoc, pages: list[PageResult], total_pages: int, stage: str,
                 exc: Exception) -> StagedDocument:
        """The row of a document whose values could not be merged, validated or stored: failed, values dropped."""
        message = str(exc) if isinstance(exc, ValueOutOfRange) else f"{type(exc).__name__}: {exc}"
        error = ErrorInfo(category=ErrorCategory.invalid_output, stage=stage,
                          message=f"the document's values could not be {_VERB[stage]}: {message}"[:2000])
        head = self._head(item, Status.failed, error, page_count=total_pages, pages_processed=len(pages))
        return StagedDocument(item=item, head=head, pages=pages, answers=self._unanswered(item, error))

    def _head(self, item: PendingDoc, status: Status, error: ErrorInfo | None, *, page_count: int,
              pages_processed: int, missing_fields: list[str] | None = None,
              broken_rules: list[str] | None = None) -> DocumentHead:
        return DocumentHead(
            doc_id=item.doc.doc_id, row_key=item.row_key, source_path=item.doc.source_path,
            page_count=page_count, pages_processed=pages_processed, status=status, error=error,
            missing_fields=missing_fields or [], broken_rules=broken_rules or [],
            schema=self.prov.schema_name, schema_hash=self.prov.schema_hash, pipeline=self.prov.pipeline,
            engine=self.prov.engine, model=self.prov.model, model_revision=self.prov.model_revision,
            prompt_hash=self.prov.prompt_hash, run_id=self.prov.run_id,
            processed_at=dt.datetime.now(dt.timezone.utc),
        )

    def _stage(self, staged: StagedDocument) -> None:
        staged = self._converted(staged)
        self._staged.append(staged)
        self.on_document(staged.head, staged.page_rows)
        if len(self._staged) >= self.commit_every_docs or time.monotonic() - self._last_commit >= self.commit_every_s:
            self.flush()

    def _converted(self, staged: StagedDocument) -> StagedDocument:
        """The document with its rows as Arrow tables and its objects released; a document whose
        rows cannot be stored becomes its failed / invalid_output row (without its pages if even
        those cannot be stored)."""
        at = staged.head.processed_at
        try:
            tables = self._tables([staged], at)
        except Exception as exc:  # noqa: BLE001 - one document's problem is that document's row
            staged = self._invalid(staged.item, staged.pages, staged.head.page_count, "write", exc)
            try:
                tables = self._tables([staged], at)
            except Exception:  # noqa: BLE001 - even its pages cannot be stored: keep the document row
                staged = staged.model_copy(update={"pages": []})
                tables = self._tables([staged], at)
        return staged.model_copy(update={"tables": tables, "page_rows": len(staged.pages), "pages": [],
                                         "values": None, "grounding": [], "answers": []})

    def flush(self) -> None:
        if not self._staged:
            return
        parts = [s.tables for s in self._staged if s.tables is not None]
        tables = {name: pa.concat_tables([p[name] for p in parts]) for name in parts[0]}
        entries = [LedgerEntry(
            row_key=s.item.row_key, doc_id=s.item.doc.doc_id, work_key=s.item.work_key, status=s.head.status.value,
            error_category=s.head.error.category.value if s.head.error else None,
            source_path=s.item.doc.source_path, source_version=s.item.doc.source_version or None,
            run_id=self.prov.run_id, supersedes=self._earlier_rows(s.item),
        ) for s in self._staged]
        self.writer.commit(tables, entries)
        if self.on_committed is not None:
            for s in self._staged:
                self.on_committed(s.head, s.page_rows)
        self._staged = []
        self._last_commit = time.monotonic()

    def _earlier_rows(self, item: PendingDoc) -> list[str]:
        """Rows this input's new row replaces: its row under the id of its URI (see _earlier_ids) and
        every other row of its path (earlier contents of a file changed in place, an earlier
        duplicate row), so that every input path holds one row, its latest content's."""
        earlier = _earlier_ids(item)
        ledger = getattr(self.writer, "ledger", None)
        if ledger is not None and item.row_key:
            earlier += [k for k in ledger.earlier_rows(item.doc.source_path, item.row_key) if k not in earlier]
        return earlier

    def _tables(self, staged: list[StagedDocument], now: dt.datetime) -> dict[str, pa.Table]:
        """The commit's tables by dataset: documents, pages, charts (one row per chart found)."""
        docs = document_rows_table([s.head for s in staged], [s.values for s in staged],
                                   [s.grounding for s in staged], self.schema_model, metadata=self.metadata,
                                   answers=[s.answers for s in staged])
        page_results = [p for s in staged for p in s.pages]
        row_keys = [s.item.row_key for s in staged for _ in s.pages]
        pages = page_rows_table(page_results, run_id=self.prov.run_id, processed_at=now, row_keys=row_keys,
                                metadata=self.metadata)
        charts = chart_rows_table(page_results, run_id=self.prov.run_id, processed_at=now, row_keys=row_keys,
                                  metadata=self.metadata)
        return {DOCUMENTS: docs, PAGES: pages, CHARTS: charts}


_VERB = {"merge": "merged or validated", "write": "stored"}


def _earlier_ids(item: PendingDoc) -> list[str]:
    """Row keys an input may have had before under another id: the id of its URI, given when its
    bytes could not be read (or no result came back before they were hashed). Once its content id
    is known, that older failed row is replaced, so the input keeps exactly one row."""
    from docpipe.discover import fallback_doc_id

    earlier = fallback_doc_id(item.doc.source_path)
    return [] if earlier == item.row_key else [earlier]

