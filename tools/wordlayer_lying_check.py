"""Development check: the three lying-text-layer kinds built from every generated invoice spec.

For each invoice of docpipe.devtools.sample_invoices (layouts and languages the word-layer code was
not tuned on) builds the shifted-ToUnicode, stamped-scan and bad-OCR-layer PDFs, runs them
in process through `docpipe run` (offline engine, --ocr auto) and reports the recorded reason per
page and whether invoice_number, issue_date and total come out right.

    .venv/bin/python tools/wordlayer_lying_check.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import pyarrow.dataset as ds

    from docpipe.config import RunConfig, pipeline_for_schema
    from docpipe.devtools import sample_invoices as si
    from docpipe.devtools.lying_pdfs import bad_ocr_layer_pdf, shifted_tounicode_pdf, stamped_scan_pdf
    from docpipe.progress import JsonReporter
    from docpipe.runner import execute
    from tests.inprocess import inprocess_stream

    specs = {"acme": si.acme_invoice(), "mueller": si.mueller_invoice(), "lumiere": si.lumiere_invoice(),
             "harbour": si.harbour_invoice()}
    kinds = {"shifted": shifted_tounicode_pdf, "stamped": stamped_scan_pdf, "ocr_layer": bad_ocr_layer_pdf}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inputs = []
        for spec_name, spec in specs.items():
            for kind, make in kinds.items():
                path = folder / f"{spec_name}_{kind}.pdf"
                path.write_bytes(make(spec))
                inputs.append(path)
        config = RunConfig(inputs=[str(p) for p in inputs], out_dir=folder / "out",
                           pipeline=pipeline_for_schema("invoice"), engine="offline")
        started = time.process_time()
        execute(config, JsonReporter(), stream_fn=inprocess_stream)
        cpu = time.process_time() - started
        docs = {Path(r["source_path"]).stem: r for r in ds.dataset(str(folder / "out" / "documents")).to_table().to_pylist()}
        pages = ds.dataset(str(folder / "out" / "pages")).to_table().to_pylist()
    right = 0
    for name, row in sorted(docs.items()):
        spec = specs[name.split("_")[0]]
        truth = spec.expected()
        reasons = sorted({p["word_source_record"]["reason"] for p in pages if Path(p["source_path"]).stem == name})
        ok = (row["invoice_number"] == truth["invoice_number"] and row["issue_date"] is not None
              and row["issue_date"].isoformat() == truth["issue_date"] and row["total"] == Decimal(truth["total"]))
        right += ok
        print(f"{name:22s} {'right' if ok else 'WRONG':5s} reasons={reasons} number={row['invoice_number']} "
              f"date={row['issue_date']} total={row['total']} (truth {truth['total']})")
    print(f"{right}/{len(docs)} documents with number, date and total right; {cpu:.1f} CPU-s in all")


if __name__ == "__main__":
    main()
