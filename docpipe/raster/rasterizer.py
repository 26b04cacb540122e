"""The rasterization stage: SourceDocs in, one RasterOutput per document out."""

from __future__ import annotations

import weakref
from types import TracebackType

from docpipe.raster.config import RasterConfig
from docpipe.raster.document import DocumentFn, passthrough_output, rasterize_document
from docpipe.raster.isolation import WorkerProcess, WorkerStats
from docpipe.raster.result import RasterOutput, failed_output
from docpipe.raster.worker import prepare_process
from docpipe.records import ErrorCategory, SourceDoc


class Rasterizer:
    """Renders documents to page images, in a disposable worker process when config.isolate.

    With isolate=True a hung or crashing renderer costs one document (error timeout / crash)
    and a worker restart. With isolate=False documents run in this process: faster to set up,
    but there is no timeout or memory limit; meant for tests and benchmarks.

    `document_fn` replaces the per-document work (fault injection in tests); it must be
    picklable when isolating.
    """

    def __init__(self, config: RasterConfig, *, document_fn: DocumentFn = rasterize_document) -> None:
        self.config = config
        self._document_fn = document_fn
        self._worker: WorkerProcess | None = None
        if config.isolate:
            self._worker = WorkerProcess(config, document_fn)
            self._worker.start()  # start-up cost is paid here, once, not per document
            self._finalizer = weakref.finalize(self, self._worker.close)
        else:
            prepare_process()

    @property
    def stats(self) -> WorkerStats | None:
        """Worker counters (documents, starts, timeouts, crashes, peak RSS) when isolating."""
        return self._worker.stats if self._worker is not None else None

    def __call__(self, docs: list[SourceDoc]) -> list[RasterOutput]:
        return [self._one(doc) for doc in docs]

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()

    def __enter__(self) -> Rasterizer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _one(self, doc: SourceDoc) -> RasterOutput:
        if doc.error is not None:
            return passthrough_output(doc)  # discovery already knows; no need to bother a worker
        if self._worker is not None:
            return self._worker.run(doc)
        try:
            return self._document_fn(doc, self.config)
        except MemoryError:
            return failed_output(doc, ErrorCategory.too_large, "ran out of memory while rendering")
        except Exception as exc:  # errors are data: one document never stops the batch
            return failed_output(doc, ErrorCategory.render, f"unexpected {type(exc).__name__}: {exc}"[:200])
