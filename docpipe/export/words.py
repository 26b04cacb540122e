"""`docpipe export OUT --format hocr|alto|txt`: one file per document of a run's word layers.

Files are named by the document's row key (sha256 of its bytes, plus a suffix for a second path of
the same content), never by input names: `<row_key>.hocr`, `<row_key>.alto.xml`, `<row_key>.txt`.
A text file holds each page's `ocr_text`, pages separated by a form feed (U+000C).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from docpipe.export.alto import alto_document
from docpipe.export.hocr import hocr_document
from docpipe.export.pages import ExportDocument, read_documents
from docpipe.output.rows import docpipe_version
from docpipe.storage.uri import filesystem, join

ExportFormat = Literal["hocr", "alto", "txt"]
FORMATS: tuple[ExportFormat, ...] = ("hocr", "alto", "txt")
SUFFIX: dict[str, str] = {"hocr": ".hocr", "alto": ".alto.xml", "txt": ".txt"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class ExportSummary(BaseModel):
    format: str
    folder: str
    documents: int
    pages: int
    words: int


def export_words(out: str | Path, fmt: ExportFormat, dest: str | Path | None = None) -> ExportSummary:
    """Write every document of OUT in `fmt` under `dest` (default OUT/export/<fmt>). OUT and dest
    are folders or URIs (s3://bucket/prefix, ...).

    Raises FileNotFoundError when OUT has no pages dataset, ValueError for an unknown format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    target = str(dest) if dest is not None else join(str(out), "export", fmt)
    documents = read_documents(str(out))
    fs, folder = filesystem(target)
    fs.makedirs(folder, exist_ok=True)
    version = docpipe_version()
    count = pages = words = 0
    for document in documents:
        name = _UNSAFE.sub("-", document.row_key) + SUFFIX[fmt]
        with fs.open(f"{folder.rstrip('/')}/{name}", "w", encoding="utf-8") as handle:
            handle.write(render(document, fmt, version))
        count += 1
        pages += len(document.pages)
        words += sum(len(p.words) for p in document.pages)
    return ExportSummary(format=fmt, folder=target, documents=count, pages=pages, words=words)


def render(document: ExportDocument, fmt: ExportFormat, version: str) -> str:
    if fmt == "hocr":
        return hocr_document(document, f"docpipe {version}")
    if fmt == "alto":
        return alto_document(document, "docpipe", version)
    return "\f".join(page.ocr_text or "" for page in document.pages) + "\n"
