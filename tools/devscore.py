"""Development loop: the product's offline stages over cached word layers, scored by `docpipe eval`.

    python tools/devscore.py invoices [--variant text|scan] [--part dev|held|all] [--fold A|B] [--show]
    python tools/devscore.py receipts [--part dev|held|all] [--show]

Pages come from `tools/devwords.py`'s cache (built with `Rasterizer` + `WordLayerStage`, the
stages `docpipe run` uses). Each document goes through `OfflinePageProcessor` and
`merge_document` — what `docpipe run --engine offline` does after the word layer — and the
rows are written as OUT/documents Parquet and scored with `docpipe.evaluate.evaluate`, the one
scorer. Development only: nothing in the package imports this.

Splits (fixed up front, by a hash, never by looking at results):
- receipts: by the merchant (a hash of its normalised name), so one merchant's receipts are all
  on one side; ~60% `dev`, ~40% `held`.
- invoices (17): two folds `A`/`B`, alternating in the order of a hash of the file name (9 and
  8); `--fold A --part dev` is fold A, `--part held` the other fold. Rotate with `--fold B`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devwords import DEFAULT_CACHE, load_pages  # noqa: E402

DEVDATA = Path("/work/shared/devdata")
INVOICE_SETS = ("invoices_zugferd", "invoices_invoice2data")
RECEIPT_SET = "receipts_sroie"


def _bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100


def receipt_part(company: str) -> str:
    from docpipe.grounding.textnorm import company_key

    return "dev" if _bucket("receipt:" + company_key(company)) < 60 else "held"


def _invoice_names() -> list[str]:
    names = []
    for d in INVOICE_SETS:
        names += [json.loads(line)["file"] for line in (DEVDATA / d / "truth.jsonl").read_text().splitlines()]
    return sorted(names, key=lambda n: hashlib.sha256(("invoice:" + n).encode()).hexdigest())


def invoice_fold(name: str) -> str:
    """A or B: the invoices ordered by a hash of their name, alternating (two balanced folds)."""
    order = _invoice_names()
    return "A" if order.index(name) % 2 == 0 else "B"


def receipt_truth(record: dict[str, Any]) -> dict[str, Any]:
    """SROIE's fields under the receipt schema's names; the date as printed becomes ISO."""
    from docpipe.grounding.amounts import read_amount
    from docpipe.grounding.dates import date_candidates, infer_day_first

    printed = record["date"]
    day_first = infer_day_first([printed])
    found = date_candidates(printed, True if day_first is None else day_first)
    total = read_amount(record["total"].replace("RM", "").replace("$", "").strip())
    return {"file": record["file"], "merchant_name": record["company"], "merchant_address": record["address"],
            "date": found[0].isoformat() if found else None,
            "total": format(total.value, "f") if total else None}


def selected(kind: str, part: str, fold: str) -> list[tuple[Path, dict[str, Any]]]:
    """(dataset dir, truth record) of the documents in the chosen part."""
    out = []
    if kind == "receipts":
        d = DEVDATA / RECEIPT_SET
        for line in (d / "truth.jsonl").read_text().splitlines():
            rec = json.loads(line)
            if part in ("all", receipt_part(rec["company"])):
                out.append((d, receipt_truth(rec)))
        return out
    for name in INVOICE_SETS:
        d = DEVDATA / name
        for line in (d / "truth.jsonl").read_text().splitlines():
            rec = json.loads(line)
            f = invoice_fold(rec["file"])
            if part == "all" or (part == "dev") == (f == fold):
                out.append((d, rec))
    return out


def run_offline(schema_model, pages_by_doc: dict[str, list]) -> list[tuple[str, Any]]:
    """(file, MergedDocument) per document, through the product's offline stage and merge."""
    from docpipe.merge import merge_document
    from docpipe.processing.offline import OfflinePageProcessor

    processor = OfflinePageProcessor(schema_model, ["extract", "ground"], "pdf_text")
    out = []
    for name, pages in pages_by_doc.items():
        results = processor([(p, None) for p in pages])
        out.append((name, merge_document(results, schema_model)))
    return out


def write_documents(out: Path, schema_model, merged: list[tuple[str, Any]], sources: dict[str, str]) -> None:
    """OUT/documents as `docpipe run` writes it (same row models and Arrow schema)."""
    import pyarrow.parquet as pq

    from docpipe.output.rows import DocumentHead, document_rows_table

    now = dt.datetime.now(dt.timezone.utc)
    heads, values, groundings = [], [], []
    for name, doc in merged:
        heads.append(DocumentHead(
            doc_id=hashlib.sha256(name.encode()).hexdigest(), source_path=sources[name], page_count=doc.pages_processed,
            pages_processed=doc.pages_processed, status=doc.status, error=doc.error, schema="dev",
            schema_hash="", pipeline="dev", engine="offline", prompt_hash="", run_id="dev", processed_at=now))
        values.append(doc.values)
        groundings.append(doc.grounding)
    (out / "documents").mkdir(parents=True, exist_ok=True)
    pq.write_table(document_rows_table(heads, values, groundings, schema_model), out / "documents" / "part-0.parquet")


def score(kind: str, variant: str, part: str, fold: str, show: bool, keep: Path | None = None):
    from rich.console import Console

    from docpipe.evaluate import evaluate, render_calibration, render_eval
    from schemas.invoice import Invoice
    from schemas.receipt import Receipt

    schema_model = Receipt if kind == "receipts" else Invoice
    chosen = selected(kind, part, fold)
    pages: dict[str, list] = {}
    sources: dict[str, str] = {}
    for d, rec in chosen:
        cached = load_pages(d, "text" if kind == "receipts" else variant, DEFAULT_CACHE)
        if rec["file"] not in cached:
            print(f"not cached: {d.name}/{rec['file']} (run tools/devwords.py)", file=sys.stderr)
            continue
        pages[rec["file"]] = cached[rec["file"]]
        sources[rec["file"]] = str(d / rec["file"])
    merged = run_offline(schema_model, pages)
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or Path(tmp)
        write_documents(out, schema_model, merged, sources)
        truth = out / "truth.jsonl"
        truth.write_text("\n".join(json.dumps(rec) for _, rec in chosen) + "\n")
        report = evaluate(out, truth, schema=schema_model)
    console = Console(width=160)
    console.print(render_eval(report))
    calibration = render_calibration(report)
    if calibration is not None:
        console.print(calibration)
    if show:
        for s in report.fields:
            for miss in s.misses:
                console.print(f"  MISS {s.field:16s} {miss['file'][:44]:44s} got={miss['got']!r:.60} want={miss['want']!r:.60}")
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("invoices", "receipts"))
    parser.add_argument("--variant", choices=("text", "scan"), default="text")
    parser.add_argument("--part", choices=("dev", "held", "all"), default="dev")
    parser.add_argument("--fold", choices=("A", "B"), default="A")
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--keep", type=Path, help="write OUT here instead of a temporary folder")
    args = parser.parse_args(argv)
    score(args.kind, args.variant, args.part, args.fold, args.show, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
