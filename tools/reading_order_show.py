"""Print a page's OCR words (cached by reading_order_eval.py) in reading order, one line per text
line with its block, row and box, for looking at reading-order mistakes on development pages.

    .venv/bin/python tools/reading_order_show.py FILE_SUBSTRING [--ocr-key rapidocr-v0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _devdata import read_jsonl, split_of  # noqa: E402
from reading_order_eval import DATA, ocr_words, page_size  # noqa: E402

from docpipe.ocr.reading_order import ordered_lines  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--ocr-key", default="rapidocr-v0")
    args = parser.parse_args()
    page = next(p for p in read_jsonl(DATA / "truth.jsonl") if args.name in p["file"])
    if split_of(page["file"]) != "dev":
        raise SystemExit("held-out pages are not inspected")
    for line in ordered_lines(ocr_words(page, args.ocr_key), page_size(page)):
        x0 = min(w.bbox[0] for w in line.words)
        x1 = max(w.bbox[2] for w in line.words)
        y0 = min(w.bbox[1] for w in line.words)
        print(f"b{line.block:3d} r{line.row:3d} x{x0:.2f}-{x1:.2f} y{y0:.3f} | {' '.join(w.text for w in line.words)[:80]}")


if __name__ == "__main__":
    main()
