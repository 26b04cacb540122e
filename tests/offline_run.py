"""One document through the product's offline path in the test process: Rasterizer (+ an OCR
stage for images) -> OfflinePageProcessor -> merge. Shared by the offline extraction tests."""

from __future__ import annotations

from pathlib import Path

from docpipe.discover import discover
from docpipe.merge import MergedDocument, merge_document
from docpipe.processing.offline import OfflinePageProcessor
from docpipe.raster.config import RasterConfig
from docpipe.raster.rasterizer import Rasterizer


def run_offline(data: bytes, name: str, schema, tmp: Path, ocr=None) -> MergedDocument:
    """`data` written to `tmp/name` and read as `docpipe run --engine offline` reads it (150 dpi;
    `ocr`: a word-layer stage for scans, else the PDF text layer), merged into one document."""
    path = tmp / name
    path.write_bytes(data)
    output = Rasterizer(RasterConfig(isolate=False, dpi=150))(discover([str(path)]))[0]
    pages = list(zip(output.pages, output.images))
    if ocr is not None:
        pages = list(zip(ocr(pages), output.images))
    results = OfflinePageProcessor(schema, ["extract", "ground"], "pdf_text")([(p, None) for p, _ in pages])
    return merge_document(results, schema)
