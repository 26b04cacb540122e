"""Reading order on DocBank pages: CER and word F1 against the pages' text in reading order.

DocBank's `text` is its tokens in the order DocBank lists them, which is rows across the whole
page (top to bottom, left to right, as pdfplumber sorts words): on a two-column page the two
columns' lines alternate, so it is not the reading order there. The reading-order truth used
here (`truth_reading_text`) keeps DocBank's order on one-column pages and de-interleaves it on
two-column pages: between rows that cross the centre gutter (titles, spanning tables and
figures), all words left of the gutter come before all words right of it, each in DocBank's
order. A page is two-column when almost no ink crosses a vertical strip near the page centre
(under 1.5% of the words' height-mass at the emptiest x in 42-58% of the width) and at least
30% of its rows end or start right at that strip; this rule agrees with a visual check of all
50 pages. Both truths are reported.

Two measurements per page, both scored with docpipe.evaluate.text (NFKC, collapsed whitespace):
  boxes: the page's true words and boxes, shuffled, ordered by docpipe.ocr.reading_order
         (isolates the ordering algorithm from recognition);
  ocr:   the page image through the product's rapidocr word layer, then ordered
         (the full product path; word layers cached under $DOCPIPE_DEV_CACHE).
Pages are split into dev / held-out halves by a hash of the file name (tools/_devdata.split_of).

    .venv/bin/python tools/reading_order_eval.py [--mode boxes|ocr|both] [--worst 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _devdata import DEVDATA, cached_json, read_jsonl, split_of  # noqa: E402

from docpipe.evaluate.text import cer, word_f1  # noqa: E402
from docpipe.ocr.reading_order import order_words  # noqa: E402
from docpipe.records import Word  # noqa: E402

DATA = DEVDATA / "ocr_docbank"


def gutter(page: dict) -> int | None:
    """x (0-1000) of the centre gutter of a two-column page, None for a one-column page."""
    import numpy as np

    words = page["words"]
    cover = np.zeros(1001)
    for w in words:
        x0, y0, x1, y1 = w["bbox"]
        cover[x0 : x1 + 1] += y1 - y0
    mass = sum(w["bbox"][3] - w["bbox"][1] for w in words)
    g = int(np.argmin(cover[420:581])) + 420
    if cover[g] >= 0.015 * mass:
        return None
    rows = _docbank_rows(words)
    ends = starts = 0
    for row in rows:
        left = [w for w in row if w["bbox"][2] <= g]
        right = [w for w in row if w["bbox"][0] >= g]
        ends += bool(left) and max(w["bbox"][2] for w in left) >= g - 45
        starts += bool(right) and min(w["bbox"][0] for w in right) <= g + 45
    return g if max(ends, starts) >= 0.3 * len(rows) else None


def _docbank_rows(words: list[dict]) -> list[list[dict]]:
    """DocBank's rows: runs of words whose left edge moves rightwards."""
    rows = [[words[0]]]
    for a, b in zip(words, words[1:]):
        if b["bbox"][0] < a["bbox"][0]:
            rows.append([b])
        else:
            rows[-1].append(b)
    return rows


def truth_reading_order(page: dict) -> list[int]:
    """Indices of the page's words in reading order (see the module docstring)."""
    words = page["words"]
    g = gutter(page)
    if g is None:
        return list(range(len(words)))
    index = {id(w): k for k, w in enumerate(words)}
    out: list[int] = []
    left: list[int] = []
    right: list[int] = []
    for row in _docbank_rows(words):
        if any(w["bbox"][0] < g < w["bbox"][2] for w in row):
            out += left + right + [index[id(w)] for w in row]
            left, right = [], []
            continue
        left += [index[id(w)] for w in row if w["bbox"][2] <= g]
        right += [index[id(w)] for w in row if w["bbox"][0] >= g]
    return out + left + right


def truth_reading_text(page: dict) -> str:
    return " ".join(page["words"][k]["text"] for k in truth_reading_order(page))


def true_words(page: dict, seed: int) -> list[Word]:
    scale = float(page.get("box_scale", 1000))
    words = [
        Word(text=w["text"], bbox=tuple(v / scale for v in w["bbox"]), line_id=k)
        for k, w in enumerate(page["words"])
    ]
    random.Random(seed).shuffle(words)
    # Line ids carry no information here: renumber them in shuffled order.
    return [w.model_copy(update={"line_id": k}) for k, w in enumerate(words)]


def ocr_words(page: dict, config_key: str) -> list[Word]:
    def compute() -> list[dict]:
        from docpipe.ocr.base import decode_page_image
        from docpipe.ocr.rapid import RapidOcrEngine

        engine = _engine()
        image = decode_page_image((DATA / page["file"]).read_bytes())
        started = time.process_time()
        words = engine.recognize(image)
        print(f"  ocr {page['file'][:40]}: {len(words)} words, {time.process_time() - started:.1f} CPU-s", file=sys.stderr)
        return [w.model_dump() for w in words]

    return [Word(**w) for w in cached_json(f"docbank/{config_key}/{page['file']}.json", compute)]


_ENGINE = None
_SIZES: dict[str, tuple[int, int]] = {}


def page_size(page: dict) -> tuple[int, int]:
    if page["file"] not in _SIZES:
        from PIL import Image

        with Image.open(DATA / page["file"]) as im:
            _SIZES[page["file"]] = im.size
    return _SIZES[page["file"]]


def _engine():
    global _ENGINE
    if _ENGINE is None:
        from docpipe.ocr.rapid import RapidOcrEngine

        _ENGINE = RapidOcrEngine()
    return _ENGINE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["boxes", "ocr", "both"], default="boxes")
    parser.add_argument("--worst", type=int, default=5)
    parser.add_argument("--split-rotation", type=int, default=0)
    parser.add_argument("--ocr-key", default="rapidocr-default", help="cache folder of the OCR word layers")
    parser.add_argument("--only", default=None, help="substring of file names to run")
    args = parser.parse_args()
    pages = read_jsonl(DATA / "truth.jsonl")
    if args.only:
        pages = [p for p in pages if args.only in p["file"]]
    modes = ["boxes", "ocr"] if args.mode == "both" else [args.mode]
    for mode in modes:
        rows = []
        for k, page in enumerate(pages):
            layout = "2col" if gutter(page) is not None else "1col"
            words = true_words(page, seed=k) if mode == "boxes" else ocr_words(page, args.ocr_key)
            size = page_size(page)
            text = " ".join(w.text for w in order_words(words, page_size=size))
            truth = truth_reading_text(page)
            rows.append((split_of(page["file"], args.split_rotation), layout, page["file"], cer(text, truth),
                         word_f1(text, truth), cer(text, page["text"])))
        for split in ("dev", "heldout"):
            for layout in ("1col", "2col", "all"):
                part = [r for r in rows if r[0] == split and layout in (r[1], "all")]
                if not part:
                    continue
                print(
                    f"{mode:5s} {split:8s} {layout} pages={len(part):3d} mean CER={statistics.mean(r[3] for r in part):.3f} "
                    f"median CER={statistics.median(r[3] for r in part):.3f} word-F1={statistics.mean(r[4] for r in part):.3f}"
                    f"   | vs DocBank order: mean CER={statistics.mean(r[5] for r in part):.3f}"
                )
            part = [r for r in rows if r[0] == split == "dev"]  # held-out pages are not inspected
            for r in sorted(part, key=lambda r: -r[3])[: args.worst]:
                print(f"      CER {r[3]:.3f} F1 {r[4]:.3f} {r[1]} {r[2]}")


if __name__ == "__main__":
    main()
