"""One document from its URI to pages: the unit of work that runs inside a worker (bytes are read here)."""

from __future__ import annotations

from collections.abc import Callable

from docpipe.raster.config import RasterConfig
from docpipe.raster.result import RasterOutput, failed_output
from docpipe.records import DocKind, ErrorCategory, SourceDoc, Status

DocumentFn = Callable[[SourceDoc, RasterConfig], RasterOutput]
"""What a worker runs per document; must be picklable (module level) for isolate=True."""


def rasterize_document(doc: SourceDoc, config: RasterConfig) -> RasterOutput:
    """Render every page of `doc`; never raises for anything the file's bytes can do."""
    if doc.error is not None:
        return passthrough_output(doc)
    from docpipe.discover import fallback_doc_id, identify
    from docpipe.storage.reading import InputReadError, read_input

    try:
        data = read_input(doc.source_path)
    except InputReadError as exc:
        doc = doc.model_copy(update={"doc_id": doc.doc_id or fallback_doc_id(doc.source_path)})
        return failed_output(doc, exc.category, exc.message)
    # This worker hashes and types the bytes. A doc_id known already (identified in one process,
    # or a retry of a document whose first pages came back) must still match: else the file
    # changed and doc_id would describe another file.
    identified = identify(doc, data)
    if doc.doc_id and identified.doc_id != doc.doc_id:
        return failed_output(doc, ErrorCategory.vanished, "file changed while the run was going")
    doc = identified
    if doc.error is not None:
        return passthrough_output(doc)
    # Imported here, not at the top: the parent of an isolated worker never renders, and
    # importing PyMuPDF alone costs it ~130 MB of resident memory.
    from docpipe.raster.image import rasterize_image
    from docpipe.raster.pdf import rasterize_pdf

    try:
        if doc.kind is DocKind.pdf:
            return rasterize_pdf(doc, data, config)
        return rasterize_image(doc, data, config)
    except MemoryError:
        return failed_output(doc, ErrorCategory.too_large, "ran out of memory while rendering")
    except Exception as exc:  # a last line of defence: one bad file must not stop the batch
        detail = (str(exc).strip().splitlines() or [""])[0][:160]
        return failed_output(doc, ErrorCategory.render, f"unexpected {type(exc).__name__}: {detail}")


def passthrough_output(doc: SourceDoc) -> RasterOutput:
    """The output for a document that discovery already rejected, keeping its error as is."""
    return RasterOutput(doc_id=doc.doc_id, source_path=doc.source_path, error=doc.error, status=Status.failed)
