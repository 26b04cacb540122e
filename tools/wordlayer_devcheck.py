"""Development check of the text-layer verification on real PDFs (not part of the product).

Runs the product's raster stage and text-layer check on the text pages of the devdata PDFs and
reports, per split, how often an honest text layer is judged to disagree with its pixels, which
words disagreed, and the CPU cost of the check per page. The split is fixed by a hash of the file
name: dev = first hex digit of sha256(name) in 0-7, held-out = 8-f.

    .venv/bin/python tools/wordlayer_devcheck.py [--split dev|held-out] [--pages 3] [--dpi 150]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path

DEVDATA = Path(os.environ.get("DOCPIPE_DEVDATA", "/work/shared/devdata"))
CACHE = Path("/tmp/wordlayer-cache")
SETS = ("invoices_zugferd", "invoices_invoice2data", "nda_kleister")


def split_of(name: str) -> str:
    return "dev" if hashlib.sha256(name.encode()).hexdigest()[0] in "01234567" else "held-out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()

    import pymupdf

    from docpipe.discover import discover
    from docpipe.ocr.base import decode_page_image
    from docpipe.ocr.page_ink import PageInk
    from docpipe.ocr.stage import load_engine
    from docpipe.ocr.text_layer_check import comparison_key, sample_words, verify_text_layer, words_agree
    from docpipe.ocr.crop_reader import read_crops
    from docpipe.ocr import text_layer_check as tlc
    from docpipe.raster.config import RasterConfig
    from docpipe.raster.rasterizer import Rasterizer

    pymupdf.TOOLS.mupdf_display_errors(False)
    engine = load_engine("rapidocr")
    files = sorted(p for s in SETS for p in glob.glob(str(DEVDATA / s / "*.pdf")) if split_of(Path(p).name) == args.split)
    if args.limit:
        files = files[:args.limit]
    verdicts: Counter[str] = Counter()
    bad_hist: Counter[int] = Counter()
    cpu = 0.0
    checked = 0
    examples: list[str] = []
    for path in files:
        (doc,) = discover([path])
        with Rasterizer(RasterConfig(isolate=False, max_pages=args.pages, dpi=args.dpi)) as rasterizer:
            (out,) = rasterizer([doc])
        for page, data in zip(out.pages, out.images):
            if not data or page.word_source != "pdf_text":
                verdicts["no text layer"] += 1
                continue
            started = time.process_time()
            image = decode_page_image(data)
            PageInk(image)
            check = verify_text_layer(page.words, page.text_layer, image, engine)
            cpu += time.process_time() - started
            checked += 1
            verdicts["disagrees" if check.disagrees else ("verified" if check.sampled else "unchecked")] += 1
            bad = check.sampled - check.agreed
            bad_hist[bad] += 1
            if bad:
                examples.append(f"{Path(path).name[:40]} p{page.page_index}: {check.detail}")
    print(f"split {args.split} at {args.dpi} dpi: {len(files)} files, {checked} text-layer pages checked")
    print("verdicts", dict(verdicts))
    print("disagreeing words per page", dict(sorted(bad_hist.items())))
    print(f"check CPU {cpu / max(checked, 1):.3f} s/page (decode + ink + sample OCR)")
    for line in examples:
        print("  ", line)


if __name__ == "__main__":
    main()
