"""OCR word layers on real scans: CPU seconds per page and word recall, engine by engine.

Scans (tools/_scans.py): devdata invoices rendered at 150 dpi grey and turned by up to 1.5
degrees (truth: the PDF text-layer words), and SROIE receipt photos (truth: their line texts).
Recall: truth words found, as multisets of NFKC, case-folded words without edge punctuation.
CPU time: process CPU seconds of the recognise call (decoding excluded), all threads counted.

    .venv/bin/python tools/ocr_speed_eval.py --engine docpipe --engine stock-rapidocr --engine tesseract
    .venv/bin/python tools/ocr_speed_eval.py --engine docpipe --set det_max_side=960 --label det960
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _devdata import CACHE  # noqa: E402
from _scans import Scan, image_of, invoice_scans, receipt_scans, recall  # noqa: E402


def make_engine(name: str, settings: dict):
    if name == "docpipe":
        from docpipe.ocr.rapid import RapidOcrConfig, RapidOcrEngine

        engine = RapidOcrEngine(RapidOcrConfig(threads=1, **settings))
        return lambda image: [w.text for w in engine.recognize(image)]
    if name == "stock-rapidocr":
        import numpy as np
        from rapidocr import RapidOCR

        stock = RapidOCR(params={"Global.log_level": "warning"})

        def run(image):
            result = stock(np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1]))
            return [t for line in (result.txts or ()) for t in line.split()]

        return run
    if name == "tesseract":
        from docpipe.ocr.tesseract import TesseractEngine

        engine = TesseractEngine()
        return lambda image: [w.text for w in engine.recognize(image)]
    raise SystemExit(f"unknown engine {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", action="append", default=None)
    parser.add_argument("--set", action="append", default=[], help="RapidOcrConfig field=value for docpipe")
    parser.add_argument("--label", default=None, help="cache label for docpipe settings")
    parser.add_argument("--receipts", type=int, default=40)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    settings = {}
    for item in args.set:
        key, value = item.split("=", 1)
        settings[key] = json.loads(value) if value[:1] in "0123456789-[{tf" else value
    scans: list[Scan] = invoice_scans() + receipt_scans(args.receipts)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    for name in args.engine or ["docpipe"]:
        label = name if name != "docpipe" or not args.label else f"docpipe-{args.label}"
        run = None
        results = []
        for scan in scans:
            path = CACHE / "speed" / label / (scan.name.replace("/", "_") + ".json")
            if path.is_file() and not args.fresh:
                results.append((scan, json.loads(path.read_text())))
                continue
            if run is None:
                run = make_engine(name, settings)
                run(image_of(scans[0]))  # warm-up, untimed
            image = image_of(scan)
            started = time.process_time()
            words = run(image)
            cpu = time.process_time() - started
            record = {"cpu_s": cpu, "words": words}
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record))
            results.append((scan, record))
        for kind in ("invoice", "receipt"):
            for split in ("dev", "heldout"):
                part = [(s, r) for s, r in results if s.kind == kind and s.split == split]
                if not part:
                    continue
                found = total = 0
                for s, r in part:
                    f, t = recall(r["words"], s.truth_words)
                    found, total = found + f, total + t
                cpu = sum(r["cpu_s"] for _, r in part) / len(part)
                print(f"{label:24s} {kind:8s} {split:8s} pages={len(part):3d} CPU-s/page={cpu:5.2f} recall={found / total:.4f} ({found}/{total})")


if __name__ == "__main__":
    main()
