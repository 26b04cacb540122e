"""The benchmark's input folders: written once per size and reused from --out-dir on re-runs.

Throughput parts use the bench corpus as is (~15% image-only pages, so OCR is in the mix). The
memory part uses text-layer pages only: at 5,000 pages, OCR of the image pages alone would take
longer than the whole benchmark may, and what is measured there is how memory scales with the
number of pages, which OCR does not change (one OCR model per worker, loaded once). Its large
corpus repeats the small one's files with a distinct comment appended after `%%EOF`: every file
has its own content hash (so none is skipped as a duplicate) at no drawing cost.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from docpipe.devtools.corpus import random_invoice, write_bench_corpus

PAGES_PER_DOC = 10
_MARKER = "corpus.json"


def _cached(directory: Path, pages: int) -> list[Path] | None:
    marker = directory / _MARKER
    try:
        listed = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    paths = [directory / name for name in listed.get("files", [])]
    if listed.get("pages") != pages or not paths or not all(p.is_file() for p in paths):
        return None
    return paths


def _remember(directory: Path, pages: int, paths: list[Path]) -> list[Path]:
    (directory / _MARKER).write_text(json.dumps({"pages": pages, "files": [p.name for p in paths]}),
                                     encoding="utf-8")
    return paths


def mixed_corpus(directory: Path, pages: int) -> list[Path]:
    """Invoice PDFs with a share of image-only pages (docpipe.devtools.corpus)."""
    found = _cached(directory, pages)
    if found is not None:
        return found
    directory.mkdir(parents=True, exist_ok=True)
    return _remember(directory, pages, write_bench_corpus(directory, pages, pages_per_doc=PAGES_PER_DOC))


def _write_text_docs(directory: Path, seed: int, jobs: list[tuple[int, int]]) -> list[str]:
    import pymupdf

    from docpipe.devtools.invoice_layout import draw_invoice
    from docpipe.devtools.pdf_canvas import fixed_metadata, pdf_bytes

    names = []
    for index, pages in jobs:
        rng = random.Random(f"text:{seed}:{index}")
        doc = pymupdf.open()
        while doc.page_count < pages:
            draw_invoice(doc, random_invoice(rng))
        while doc.page_count > pages:  # a long invoice may have drawn two pages
            doc.delete_page(-1)
        path = directory / f"text_{seed:03d}_{index:05d}.pdf"
        fixed_metadata(doc, path.stem)
        path.write_bytes(pdf_bytes(doc))
        names.append(path.name)
    return names


def text_corpus(directory: Path, pages: int, seed: int = 1) -> list[Path]:
    """Invoice PDFs whose pages all have a text layer (no OCR needed)."""
    found = _cached(directory, pages)
    if found is not None:
        return found
    directory.mkdir(parents=True, exist_ok=True)
    jobs = [(index, min(PAGES_PER_DOC, pages - start)) for index, start in enumerate(range(0, pages, PAGES_PER_DOC))]
    names = _write_text_docs(directory, seed, jobs)
    return _remember(directory, pages, sorted(directory / n for n in names))


def replicated_corpus(source: list[Path], source_pages: int, directory: Path, copies: int) -> list[Path]:
    """`copies` distinct copies of every source PDF (same pages, different bytes)."""
    pages = source_pages * copies
    found = _cached(directory, pages)
    if found is not None:
        return found
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for copy in range(copies):
        for path in source:
            target = directory / f"{path.stem}_copy{copy:03d}.pdf"
            shutil.copyfile(path, target)
            with open(target, "ab") as handle:
                # A comment after %%EOF: readers ignore it (the xref offsets stay valid).
                handle.write(f"%docpipe-bench copy {copy}\n".encode())
            written.append(target)
    return _remember(directory, pages, written)
