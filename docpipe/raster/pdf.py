"""PDF pages to images with PyMuPDF, keeping the native text layer as words.

Only rendering and text extraction are used: no JavaScript, embedded files, links or form
actions are ever touched, so nothing in a hostile PDF gets executed.
"""

from __future__ import annotations

import math
import re

import pymupdf
from PIL import Image

from docpipe.raster.config import RasterConfig
from docpipe.raster.drawings import page_drawings
from docpipe.raster.encode import encode_image
from docpipe.raster.fonts import FontPrograms
from docpipe.raster.geometry import capped_zoom
from docpipe.raster.result import RasterOutput, document_status, error_info, failed_output
from docpipe.raster.text_layer import read_text_layer
from docpipe.records import DocKind, ErrorCategory, ErrorInfo, PageImage, SourceDoc, Status

_MAX_MESSAGE = 160
_TOO_LARGE_MARKERS = ("malloc", "out of memory", "cannot allocate", "overly large")
_MUPDF_CODE = re.compile(r"^code=\d+:\s*")


def rasterize_pdf(doc: SourceDoc, data: bytes, config: RasterConfig) -> RasterOutput:
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for unreadable files
        return failed_output(doc, ErrorCategory.corrupt, _open_failure_message(exc))
    try:
        output = _rasterize_open_pdf(doc, pdf, config)
    finally:
        pdf.close()
    warnings = pymupdf.TOOLS.mupdf_warnings(reset=True)
    return output.model_copy(update={"mupdf_warnings": len(warnings.splitlines())})


def _rasterize_open_pdf(doc: SourceDoc, pdf: pymupdf.Document, config: RasterConfig) -> RasterOutput:
    if pdf.needs_pass and not _authenticate(pdf, config.passwords):
        supplied = len(config.passwords)
        if supplied:
            noun = "password" if supplied == 1 else "passwords"
            message = f"PDF is encrypted and none of the {supplied} supplied {noun} opened it"
        else:
            message = "PDF is encrypted and needs a password (none supplied)"
        return failed_output(doc, ErrorCategory.encrypted, message)
    try:
        total = pdf.page_count
    except Exception as exc:
        return failed_output(doc, ErrorCategory.corrupt, f"PDF page tree is unreadable: {_short(exc)}")
    if total <= 0:
        if pdf.is_repaired:  # MuPDF had to rebuild a broken cross-reference table and found no page
            return failed_output(doc, ErrorCategory.corrupt, "PDF is damaged or cut short: no page could be read")
        return failed_output(doc, ErrorCategory.no_pages, "PDF has no pages")
    count = total if config.max_pages is None else min(total, config.max_pages)
    doc_error: ErrorInfo | None = None
    if count < total:
        doc_error = error_info(
            ErrorCategory.too_many_pages, f"PDF has {total} pages; only the first {count} were rendered"
        )
    pages: list[PageImage] = []
    images: list[bytes | None] = []
    programs = FontPrograms(pdf)  # embedded font programs, loaded once per document
    for index in range(count):
        page, image = _render_page(doc, pdf, index, count, total, config, programs)
        pages.append(page.model_copy(update={"doc_error": doc_error}))
        images.append(image)
    status = document_status(pages, doc_error)
    error = doc_error
    if status is Status.failed:
        first = pages[0].error
        category = first.category if first is not None else ErrorCategory.render
        error = error_info(category, f"none of the {count} pages could be rendered")
    return RasterOutput(
        doc_id=doc.doc_id, source_path=doc.source_path, pages=pages, images=images, error=error, status=status
    )


def _authenticate(pdf: pymupdf.Document, passwords: list[str]) -> bool:
    # MuPDF already tried the empty password when opening; retrying it is cheap and explicit.
    return any(pdf.authenticate(password) for password in ["", *passwords])


def _render_page(
    doc: SourceDoc, pdf: pymupdf.Document, index: int, count: int, total: int, config: RasterConfig,
    programs: FontPrograms | None = None,
) -> tuple[PageImage, bytes | None]:
    record = PageImage(
        doc_id=doc.doc_id,
        source_path=doc.source_path,
        kind=DocKind.pdf,
        page_index=index,
        page_count=count,
        total_pages=total,
        width_pt=0.0,
        height_pt=0.0,
    )
    try:
        page = pdf.load_page(index)
        rect = page.rect
        width, height = float(rect.width), float(rect.height)
        rotation = int(page.rotation)
    except Exception as exc:
        return _failed(record, f"page {index + 1} cannot be loaded: {_short(exc)}"), None
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        return _failed(record, f"page {index + 1} has an empty or invalid size"), None
    lost, parts = _lost_content_parts(pdf, page) if pdf.is_repaired else (0, 1)
    if lost:
        # A truncated file keeps its page tree after repair, but the page objects that were cut
        # off render blank: report the page instead of passing off an empty or partial page as read.
        what = "its content" if lost == parts else f"{lost} of its {parts} content parts"
        message = f"page {index + 1} lost {what}: the file is damaged or truncated"
        return _failed(record, message, corrupt=True), None
    record = record.model_copy(update={"width_pt": width, "height_pt": height, "rotation": rotation})
    try:
        zoom = capped_zoom(width, height, config.dpi / 72.0, config.max_pixels)
        pixmap = page.get_pixmap(
            matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csRGB, alpha=False, annots=True
        )
        size = (pixmap.width, pixmap.height)
        image = Image.frombuffer("RGB", size, pixmap.samples_mv, "raw", "RGB", pixmap.stride, 1)
        encoded = encode_image(image, config)
        del image, pixmap
    except Exception as exc:
        # MuPDF reports failed allocations and its own size limits as ordinary errors.
        if isinstance(exc, MemoryError) or _is_too_large(exc):
            message = f"page {index + 1} is too large to render: {_short(exc) or 'out of memory'}"
            return _failed(record, message, too_large=True), None
        return _failed(record, f"page {index + 1} cannot be rendered: {_short(exc)}"), None
    words, facts = read_text_layer(page, width, height, programs)
    update = {
        "image_width": size[0],
        "image_height": size[1],
        "words": words,
        "word_source": "pdf_text" if words else None,
        "text_layer": facts,
    }
    if config.drawings:
        update["drawings"] = page_drawings(page, width, height)
    return record.model_copy(update=update), encoded


def _failed(record: PageImage, message: str, *, too_large: bool = False, corrupt: bool = False) -> PageImage:
    category = ErrorCategory.too_large if too_large else ErrorCategory.corrupt if corrupt else ErrorCategory.render
    return record.model_copy(update={"status": Status.failed, "error": error_info(category, message)})


def _lost_content_parts(pdf: pymupdf.Document, page: pymupdf.Page) -> tuple[int, int]:
    """(parts lost, parts) of a page's content streams in a repaired PDF: a page with no content
    entry, or whose entry cannot be read, lost its one part; a part whose object is no longer a
    readable stream (cut off by truncation: MuPDF 'cannot load content stream part 2/21') is lost."""
    try:
        xrefs = page.get_contents()
    except Exception:  # an unreadable /Contents entry is lost content too
        return 1, 1
    if not xrefs:
        return 1, 1
    lost = 0
    for xref in xrefs:
        try:
            lost += pdf.xref_stream(xref) is None
        except Exception:
            lost += 1
    return lost, len(xrefs)


def _is_too_large(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _TOO_LARGE_MARKERS)


def _open_failure_message(exc: Exception) -> str:
    # MuPDF's own diagnostics (collected as warnings) usually say more than the exception.
    details = [line for line in pymupdf.TOOLS.mupdf_warnings().splitlines() if line.strip()]
    reason = details[0] if details else _short(exc)
    return f"PDF cannot be opened: {reason[:_MAX_MESSAGE]}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    # MuPDF prefixes its messages with an internal error code that means nothing to a reader.
    return _MUPDF_CODE.sub("", text.splitlines()[0])[:_MAX_MESSAGE]
