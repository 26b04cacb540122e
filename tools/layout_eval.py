"""Reading order on generated multi-column pages (docpipe.devtools.column_layout), whose true
reading order is known: CER and word F1 of the ordered text, two ways:
  pdf: the page's PDF text layer (PyMuPDF words, shuffled) ordered by order_words;
  ocr: the page rendered at 150 dpi grey, read by the rapidocr word layer (which orders its words).

    .venv/bin/python tools/layout_eval.py --seeds 10 [--ocr]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

import pymupdf
from PIL import Image

from docpipe.devtools.column_layout import layout_page
from docpipe.evaluate.text import cer, word_f1
from docpipe.ocr.reading_order import order_words
from docpipe.records import Word


def pdf_words(pdf: bytes) -> tuple[list[Word], tuple[float, float]]:
    with pymupdf.open(stream=pdf) as doc:
        page = doc[0]
        width, height = page.rect.width, page.rect.height
        lines: dict[tuple[int, int], int] = {}
        words = [
            Word(text=t, bbox=(x0 / width, y0 / height, x1 / width, y1 / height), line_id=lines.setdefault((b, n), len(lines)))
            for x0, y0, x1, y1, t, b, n, _ in page.get_text("words")
        ]
    return words, (width, height)


def render(pdf: bytes, dpi: int = 150) -> Image.Image:
    with pymupdf.open(stream=pdf) as doc:
        pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        return Image.frombytes("L", (pix.width, pix.height), pix.samples).convert("RGB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--ocr", action="store_true")
    args = parser.parse_args()
    engine = None
    if args.ocr:
        from docpipe.ocr.rapid import RapidOcrConfig, RapidOcrEngine

        engine = RapidOcrEngine(RapidOcrConfig(threads=1))
    for kind in ("two_column", "magazine"):
        rows = {"pdf": [], "ocr": []}
        for seed in range(1000, 1000 + args.seeds):
            page = layout_page(seed, kind)
            words, size = pdf_words(page.pdf)
            random.Random(seed).shuffle(words)
            text = " ".join(w.text for w in order_words(words, page_size=size))
            rows["pdf"].append((cer(text, page.text), word_f1(text, page.text)))
            if engine is not None:
                started = time.process_time()
                ocr = engine.recognize(render(page.pdf))
                text = " ".join(w.text for w in ocr)
                rows["ocr"].append((cer(text, page.text), word_f1(text, page.text)))
                print(f"  {kind} {seed}: CER {rows['ocr'][-1][0]:.3f} F1 {rows['ocr'][-1][1]:.3f} "
                      f"({time.process_time() - started:.1f} CPU-s)", file=sys.stderr)
        for path, part in rows.items():
            if part:
                print(f"{kind:10s} {path}: pages={len(part)} mean CER={statistics.mean(c for c, _ in part):.3f} "
                      f"max CER={max(c for c, _ in part):.3f} mean word-F1={statistics.mean(f for _, f in part):.3f}")


if __name__ == "__main__":
    main()
