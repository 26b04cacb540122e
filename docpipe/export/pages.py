"""Reading a run's pages dataset back, one document at a time, for the exporters.

Each Parquet part is read in turn with only the columns the exporters need; a document is handed
on as soon as all its pages (page_count of them) have been seen, so memory holds the documents of
one part, not the whole output.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow.dataset as ds
from pydantic import BaseModel, Field

from docpipe.output.rows import PageWord
from docpipe.storage.uri import filesystem, join

COLUMNS = ["doc_id", "row_key", "source_path", "page_index", "page_count", "width_pt", "height_pt",
           "image_width", "image_height", "status", "words", "ocr_text"]


class ExportPage(BaseModel):
    """The part of a pages row an exporter needs."""

    doc_id: str
    row_key: str
    source_path: str
    page_index: int
    page_count: int
    width_pt: float
    height_pt: float
    image_width: int = 0
    image_height: int = 0
    status: str
    words: list[PageWord] = Field(default_factory=list)
    ocr_text: str | None = None

    def size(self) -> tuple[int, int]:
        """The page's coordinate space for pixel-based formats: the rendered image, else points."""
        if self.image_width > 0 and self.image_height > 0:
            return self.image_width, self.image_height
        return max(1, round(self.width_pt)), max(1, round(self.height_pt))


class ExportDocument(BaseModel):
    row_key: str
    doc_id: str
    source_path: str
    pages: list[ExportPage]


def read_documents(out: str) -> Iterator[ExportDocument]:
    """Every document of OUT's pages dataset, pages in order; `out` is a folder or a URI
    (s3://bucket/prefix, ...). Raises FileNotFoundError without a pages dataset."""
    fs, folder = filesystem(join(str(out), "pages"))
    if not fs.isdir(folder):
        raise FileNotFoundError(f"{out} is not a docpipe output (no pages dataset)")
    dataset = ds.dataset(folder, filesystem=fs, format="parquet")
    missing = [c for c in COLUMNS if c not in dataset.schema.names]
    if missing:
        raise ValueError(f"{folder} lacks the columns {', '.join(missing)} (written by an older docpipe?)")
    return _documents_of(dataset)  # checked now, read lazily: a caller creates nothing for a bad OUT


def _documents_of(dataset: ds.Dataset) -> Iterator[ExportDocument]:
    waiting: dict[str, list[ExportPage]] = {}
    for fragment in dataset.get_fragments():
        for row in fragment.to_table(columns=COLUMNS).to_pylist():
            page = ExportPage.model_validate(row)
            pages = waiting.setdefault(page.row_key, [])
            pages.append(page)
            if len(pages) >= page.page_count:
                yield _document(waiting.pop(page.row_key))
    for pages in waiting.values():  # documents whose pages were not all written (should not happen)
        yield _document(pages)


def _document(pages: list[ExportPage]) -> ExportDocument:
    pages = sorted(pages, key=lambda p: p.page_index)
    first = pages[0]
    return ExportDocument(row_key=first.row_key, doc_id=first.doc_id, source_path=first.source_path, pages=pages)
