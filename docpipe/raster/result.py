"""The rasterization stage's output record."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from docpipe.records import ErrorCategory, ErrorInfo, PageImage, SourceDoc, Status

STAGE = "raster"


class RasterOutput(BaseModel):
    """One document's pages; `images[i]` is the encoded image of `pages[i]` (None if it failed)."""

    doc_id: str
    source_path: str
    pages: list[PageImage] = Field(default_factory=list)
    images: list[bytes | None] = Field(default_factory=list)
    error: ErrorInfo | None = None  # document-level: fatal when there are no pages, else a flag
    status: Status = Status.ok
    mupdf_warnings: int = 0  # MuPDF warnings while opening/rendering (repairs, bad fonts, ...)

    @model_validator(mode="after")
    def _images_align_with_pages(self) -> RasterOutput:
        if len(self.images) != len(self.pages):
            raise ValueError("images must align with pages")
        return self


def error_info(category: ErrorCategory, message: str) -> ErrorInfo:
    return ErrorInfo(category=category, message=message, stage=STAGE)


def failed_output(doc: SourceDoc, category: ErrorCategory, message: str) -> RasterOutput:
    """A document that produced no pages at all."""
    return RasterOutput(
        doc_id=doc.doc_id,
        source_path=doc.source_path,
        error=error_info(category, message),
        status=Status.failed,
    )


def document_status(pages: list[PageImage], doc_error: ErrorInfo | None) -> Status:
    """ok when every page rendered; failed when none did; partial otherwise or when truncated."""
    if not pages:
        return Status.failed
    ok = sum(page.status is Status.ok for page in pages)
    if ok == 0:
        return Status.failed
    if ok < len(pages) or doc_error is not None:
        return Status.partial
    return Status.ok
