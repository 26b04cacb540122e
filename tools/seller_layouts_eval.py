"""Seller/buyer names on generated varied-layout invoices, per layout kind (development only).

    python tools/seller_layouts_eval.py [--seeds 0 1] [--show] [--keep DIR]

Draws `docpipe.devtools.seller_layouts.varied_invoices(seed)` (10 kinds of seller placement x 6
languages per seed), reads each PDF through the product's path (`Rasterizer` text layer ->
`OfflinePageProcessor` -> `merge_document`), writes OUT/documents as `docpipe run` does and scores
it with `docpipe.evaluate.evaluate` (the one scorer); then prints seller_name and buyer_name right
per kind and per language. `--scan`: the same invoices as
150-dpi greyscale PNG scans tilted 1.2 degrees, through the bundled OCR (`WordLayerStage`). Nothing in the package imports this.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devscore import write_documents  # noqa: E402


def main(argv: list[str]) -> int:
    from docpipe.devtools.hard_cases import scan_png
    from docpipe.devtools.seller_layouts import varied_invoices
    from docpipe.ocr.stage import WordLayerStage
    from docpipe.discover import discover
    from docpipe.evaluate import evaluate, render_eval
    from docpipe.grounding.normalize import values_equal
    from docpipe.merge import merge_document
    from docpipe.processing.offline import OfflinePageProcessor
    from docpipe.raster.config import RasterConfig
    from docpipe.raster.rasterizer import Rasterizer
    from schemas.invoice import Invoice

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--fields", action="store_true",
                        help="also vary the number/date/total labels, shapes and placement (vary_fields)")
    parser.add_argument("--scan", action="store_true", help="150-dpi grey scans tilted 1.2 degrees, read by the bundled OCR")
    args = parser.parse_args(argv)
    cases = [c for seed in args.seeds for c in varied_invoices(seed, fields=args.fields)]
    processor = OfflinePageProcessor(Invoice, ["extract", "ground"], "pdf_text")
    raster = Rasterizer(RasterConfig(isolate=False, dpi=150))
    words = WordLayerStage("rapidocr")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        (root / "pdf").mkdir(parents=True, exist_ok=True)
        merged, sources = [], {}
        for case in cases:
            path = root / "pdf" / f"{case.name}.pdf"
            path.write_bytes(case.pdf)
            if args.scan:
                path = path.with_suffix(".png")
                path.write_bytes(scan_png(case.pdf, degrees=1.2, dpi=150))
            output = raster(discover([str(path)]))[0]
            pages = words(list(zip(output.pages, output.images))) if args.scan else output.pages
            results = processor([(p, None) for p in pages])
            merged.append((path.name, merge_document(results, Invoice)))
            sources[path.name] = str(path)
        write_documents(root, Invoice, merged, sources)
        truth = root / "truth.jsonl"
        suffix = ".png" if args.scan else ".pdf"
        truth.write_text("".join(json.dumps({"file": f"{c.name}{suffix}", **c.expected}) + "\n" for c in cases))
        report = evaluate(root, truth, schema=Invoice)
    from rich.console import Console

    Console(width=160).print(render_eval(report))
    by: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for case, (_, doc) in zip(cases, merged):
        for field in ("seller_name", "buyer_name"):
            got = getattr(doc.values, field)
            ok = values_equal(got, case.expected[field], "name")
            for key in (("kind", case.kind), ("language", case.language)):
                by[(field, *key)][0] += ok
                by[(field, *key)][1] += 1
            if args.show and not ok:
                print(f"  MISS {field:11s} {case.name:34s} got={got!r:.50} want={case.expected[field]!r}")
    if args.show and args.fields:
        kinds = {"invoice_number": "identifier", "issue_date": "date", "total": "amount", "currency": "currency"}
        for case, (_, doc) in zip(cases, merged):
            for field, kind in kinds.items():
                got = getattr(doc.values, field)
                if not values_equal(got, case.expected[field], kind):
                    print(f"  MISS {field:14s} {case.name:34s} got={got!r:.50} want={case.expected[field]!r}")
    for group in ("kind", "language"):
        names = sorted({k[2] for k in by if k[1] == group})
        print(f"\n{group:24s} seller_name  buyer_name")
        for n in names:
            s, b = by[("seller_name", group, n)], by[("buyer_name", group, n)]
            print(f"{n:24s} {s[0]:3d}/{s[1]:<3d}      {b[0]:3d}/{b[1]:<3d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
