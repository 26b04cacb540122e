"""Development loop: offline extraction over PDF text layers, scored by docpipe.evaluate.

    python -m docpipe.offline.devscore DIR [DIR ...] [--show]

Each DIR holds PDFs and a truth.jsonl. Results are written as a small OUT/documents Parquet
(the shape the pipeline writes) into a temporary folder and scored with `evaluate`.
Measuring only: nothing here is used by the pipeline.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from docpipe.evaluate import evaluate, render_eval
from docpipe.offline.dev_words import words_from_pdf_page
from docpipe.offline.extract import OfflineExtractor


def documents_table(schema: type[BaseModel], rows: list[tuple[str, BaseModel, list[Any]]]):
    """A pyarrow Table shaped like OUT/documents: source_path, typed fields, grounding."""
    import pyarrow as pa

    records = []
    for path, model, groundings in rows:
        record = {"source_path": path, "status": "ok", **model.model_dump(mode="python")}
        record["grounding"] = [g.model_dump() for g in groundings]
        records.append(record)
    return pa.Table.from_pylist(records)


def main(argv: list[str]) -> int:
    import pyarrow.parquet as pq
    import pymupdf
    from rich.console import Console

    from schemas.invoice import Invoice

    show = "--show" in argv
    dirs = [Path(a) for a in argv if not a.startswith("--")]
    extractor = OfflineExtractor(Invoice)
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "documents").mkdir()
        for n, d in enumerate(dirs):
            rows = []
            started = time.perf_counter()
            pages = 0
            for line in (d / "truth.jsonl").read_text().splitlines():
                name = json.loads(line)["file"]
                with pymupdf.open(d / name) as doc:
                    words = [words_from_pdf_page(p) for p in doc]
                pages += len(words)
                model, groundings = extractor.extract_document(words)
                rows.append((str(d / name), model, groundings))
            elapsed = time.perf_counter() - started
            pq.write_table(documents_table(Invoice, rows), out / "documents" / "part-0.parquet")
            report = evaluate(out, d / "truth.jsonl", schema=Invoice)
            console.print(render_eval(report))
            console.print(f"{d.name}: {pages} pages in {elapsed:.2f}s ({elapsed / max(pages, 1) * 1000:.0f} ms/page)")
            if show:
                for score in report.fields:
                    for miss in score.misses:
                        console.print(f"  MISS {score.field:15s} {miss['file'][:50]:50s} got={miss['got']!r} want={miss['want']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
