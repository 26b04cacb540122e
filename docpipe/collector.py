"""Driver side: gather page results per document, merge, and commit rows in batches.

A document is committed only when all its pages are in, together with its ledger entry, so a
crash loses at most the uncommitted batch and a re-run redoes exactly those documents.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from pydantic import BaseModel

from docpipe.merge import merge_document
from docpipe.output.chart_rows import chart_rows_table
from docpipe.output.rows import DocumentHead, document_rows_table, page_rows_table
from docpipe.output.arrow_values import ValueOutOfRange, check_fits
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


class PendingDoc(BaseModel):
    doc: SourceDoc
    row_key: str
    work_key: str


class Collector:
    def __init__(self, writer, schema_model: type[BaseModel], provenance: Provenance,
                 metadata: dict[str, str], commit_every_docs: int, commit_every_s: float,
                 on_document: Callable[[DocumentHead, int], None],
                 questions_for: Callable[[str], list[str]] = lambda doc_id: []) -> None:
        self.writer = writer
        self.schema_model = schema_model
        self.prov = provenance
        self.metadata = metadata
        self.commit_every_docs = commit_every_docs
        self.commit_every_s = commit_every_s
        self.on_document = on_document
        self.questions_for = questions_for  # doc_id -> the questions asked of it (answered or not, all recorded)
        self.pending: dict[str, PendingDoc] = {}
        self.pages: dict[str, dict[int, PageResult]] = {}
        self._heads: list[DocumentHead] = []
        self._values: list[BaseModel | None] = []
        self._grounding: list[list[FieldGrounding]] = []
        self._answers: list[list[ChartAnswer]] = []
        self._page_rows: list[PageResult] = []
        self._page_keys: list[str] = []
        self._entries: list[LedgerEntry] = []
        self._last_commit = time.monotonic()

    def expect(self, item: PendingDoc) -> None:
        self.pending[item.doc.doc_id] = item

    @property
    def outstanding(self) -> int:
        return len(self.pending)

    def add_page(self, result: PageResult) -> None:
        if result.doc_id not in self.pending:
            return  # a duplicate delivery after a worker retry; the first copy already counted
        pages = self.pages.setdefault(result.doc_id, {})
        pages[result.page_index] = result
        if len(pages) >= result.page_count:
            self._finish(self.pending.pop(result.doc_id), list(pages.values()))
            del self.pages[result.doc_id]

    def add_failed_document(self, output: RasterOutput) -> None:
        item = self.pending.pop(output.doc_id, None)
        if item is None:
            return
        error = output.error or ErrorInfo(category=ErrorCategory.internal, message="no pages", stage="raster")
        self.add_unprocessed(item, Status.failed, error)

    def add_unprocessed(self, item: PendingDoc, status: Status, error: ErrorInfo | None,
                        page_count: int = 0) -> None:
        """A document that never reached page processing (bad input, duplicate); its questions are
        recorded unanswered with the document's error."""
        head = self._head(item, status, error, page_count=page_count, pages_processed=0)
        why = error or ErrorInfo(category=ErrorCategory.internal, message="not processed")
        answers = [ChartAnswer(question=q, error=why) for q in self.questions_for(item.doc.doc_id)]
        self._stage(item, head, None, [], [], answers)

    def _finish(self, item: PendingDoc, pages: list[PageResult]) -> None:
        merged = merge_document(pages, self.schema_model)
        values, error, status = merged.values, merged.error, merged.status
        if values is not None:
            try:
                check_fits(values)
            except ValueOutOfRange as exc:
                # One absurd value (e.g. 40 digits) must not cost the whole commit batch.
                values, status = None, Status.failed
                error = ErrorInfo(category=ErrorCategory.invalid_output, stage="write", message=str(exc))
        total_pages = max((p.total_pages for p in pages), default=len(pages))
        head = self._head(item, status, error, page_count=total_pages, pages_processed=len(pages))
        answers = merged.answers
        asked = self.questions_for(item.doc.doc_id)
        if len(answers) < len(asked):  # pages whose task failed before answering: record the rest
            why = error or ErrorInfo(category=ErrorCategory.internal, message="the question was not answered")
            answers = answers + [ChartAnswer(question=q, error=why) for q in asked[len(answers):]]
        self._stage(item, head, values, merged.grounding, sorted(pages, key=lambda p: p.page_index), answers)

    def _head(self, item: PendingDoc, status: Status, error: ErrorInfo | None, *, page_count: int,
              pages_processed: int) -> DocumentHead:
        return DocumentHead(
            doc_id=item.doc.doc_id, row_key=item.row_key, source_path=item.doc.source_path,
            page_count=page_count, pages_processed=pages_processed, status=status, error=error,
            schema=self.prov.schema_name, schema_hash=self.prov.schema_hash, pipeline=self.prov.pipeline,
            engine=self.prov.engine, model=self.prov.model, model_revision=self.prov.model_revision,
            prompt_hash=self.prov.prompt_hash, run_id=self.prov.run_id,
            processed_at=dt.datetime.now(dt.timezone.utc),
        )

    def _stage(self, item: PendingDoc, head: DocumentHead, values: BaseModel | None,
               grounding: list[FieldGrounding], pages: list[PageResult], answers: list[ChartAnswer]) -> None:
        self._heads.append(head)
        self._values.append(values)
        self._grounding.append(grounding)
        self._answers.append(answers)
        self._page_rows.extend(pages)
        self._page_keys.extend([item.row_key] * len(pages))
        self._entries.append(LedgerEntry(
            row_key=item.row_key, doc_id=item.doc.doc_id, work_key=item.work_key, status=head.status.value,
            error_category=head.error.category.value if head.error else None,
            source_path=item.doc.source_path, run_id=self.prov.run_id,
        ))
        self.on_document(head, len(pages))
        if len(self._heads) >= self.commit_every_docs or time.monotonic() - self._last_commit >= self.commit_every_s:
            self.flush()

    def flush(self) -> None:
        if not self._heads:
            return
        now = dt.datetime.now(dt.timezone.utc)
        docs = document_rows_table(self._heads, self._values, self._grounding, self.schema_model,
                                   metadata=self.metadata, answers=self._answers)
        pages = page_rows_table(self._page_rows, run_id=self.prov.run_id, processed_at=now,
                                row_keys=self._page_keys, metadata=self.metadata)
        charts = chart_rows_table(self._page_rows, run_id=self.prov.run_id, processed_at=now,
                                  row_keys=self._page_keys, metadata=self.metadata)
        self.writer.commit(docs, pages, self._entries, charts)
        self._heads, self._values, self._grounding, self._answers = [], [], [], []
        self._page_rows, self._page_keys, self._entries = [], [], []
        self._last_commit = time.monotonic()
