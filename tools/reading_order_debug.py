"""Print one DocBank page's ordered lines with where each line's first word sits in the true order.

    .venv/bin/python tools/reading_order_debug.py FILE_SUBSTRING
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _devdata import read_jsonl  # noqa: E402
from reading_order_eval import DATA, page_size, truth_reading_order  # noqa: E402

from docpipe.ocr.reading_order import ordered_lines  # noqa: E402
from docpipe.records import Word  # noqa: E402


def main() -> None:
    page = next(p for p in read_jsonl(DATA / "truth.jsonl") if sys.argv[1] in p["file"])
    scale = float(page.get("box_scale", 1000))
    rank = {k: r for r, k in enumerate(truth_reading_order(page))}
    words = [
        Word(text=w["text"], bbox=tuple(v / scale for v in w["bbox"]), line_id=k, conf=rank[k])
        for k, w in enumerate(page["words"])
    ]
    prev = -1
    for line in ordered_lines(words, page_size(page)):
        first = line.words[0]
        x0 = min(w.bbox[0] for w in line.words)
        y0 = min(w.bbox[1] for w in line.words)
        x1 = max(w.bbox[2] for w in line.words)
        text = " ".join(w.text for w in line.words)
        print(f"{int(first.conf):5d}{' ' if int(first.conf) > prev else '*'} b{line.block:3d} r{line.row:3d} x{x0:.2f}-{x1:.2f} y{y0:.3f} | {text[:70]}")
        prev = int(line.words[-1].conf)


if __name__ == "__main__":
    main()
