"""Turned scans read like upright ones: each scan OCR'd upright and turned by 90, 180 and 270
degrees (and skewed by a few degrees); the turned page's text in reading order is compared with
the upright page's (CER, word F1), and its word boxes with the upright boxes turned along (share
of words whose box overlaps its counterpart with IoU >= 0.5).

    .venv/bin/python tools/rotation_eval.py [--invoices 4] [--receipts 4] [--split dev]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from PIL import Image  # noqa: E402

from _scans import image_of, invoice_scans, receipt_scans  # noqa: E402

from docpipe.evaluate.text import cer, word_f1  # noqa: E402
from docpipe.ocr.geometry import bbox_iou, rotate_bbox  # noqa: E402
from docpipe.ocr.rapid import RapidOcrConfig, RapidOcrEngine  # noqa: E402
from docpipe.records import Word  # noqa: E402


def placed_share(upright: list[Word], turned: list[Word], degrees: int) -> float:
    """Share of upright words whose box, turned with the page, meets a turned word of the same text."""
    if not upright:
        return 1.0
    hits = 0
    for w in upright:
        expect = rotate_bbox(w.bbox, degrees)
        hits += any(t.text == w.text and bbox_iou(expect, t.bbox) >= 0.5 for t in turned)
    return hits / len(upright)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=4)
    parser.add_argument("--receipts", type=int, default=4)
    parser.add_argument("--split", default="dev")
    args = parser.parse_args()
    scans = [s for s in invoice_scans() if s.split == args.split][: args.invoices]
    scans += [s for s in receipt_scans(60) if s.split == args.split][: args.receipts]
    engine = RapidOcrEngine(RapidOcrConfig(threads=1))
    results: dict[str, list[tuple[float, float, float]]] = {}
    for scan in scans:
        image = image_of(scan)
        base = engine.recognize(image)
        base_text = " ".join(w.text for w in base)
        for label, degrees, skew in (("90", 90, 0.0), ("180", 180, 0.0), ("270", 270, 0.0), ("skew+3", 0, 3.0), ("skew-3", 0, -3.0)):
            turned_image = image.rotate(-degrees, expand=True) if degrees else image
            if skew:
                turned_image = turned_image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor="white")
            words = engine.recognize(turned_image)
            text = " ".join(w.text for w in words)
            placed = placed_share(base, words, degrees) if not skew else float("nan")
            results.setdefault(label, []).append((cer(text, base_text), word_f1(text, base_text), placed))
            print(f"  {scan.name[:40]:40s} {label:7s} CER {results[label][-1][0]:.3f} F1 {results[label][-1][1]:.3f} placed {placed:.3f}", file=sys.stderr)
    for label, rows in results.items():
        placed = [p for _, _, p in rows if p == p]
        print(
            f"{label:7s} pages={len(rows)} CER vs upright: mean {statistics.mean(r[0] for r in rows):.3f} max {max(r[0] for r in rows):.3f}"
            f"  word-F1 mean {statistics.mean(r[1] for r in rows):.3f}"
            + (f"  boxes placed {statistics.mean(placed):.3f}" if placed else "")
        )


if __name__ == "__main__":
    main()
