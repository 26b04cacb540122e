"""Real scans for OCR measurements: devdata invoices rendered as slightly rotated 150-dpi grey
scans (truth: the PDF's text-layer words) and SROIE receipt photos (truth: their line texts).

Rendering goes through docpipe.devtools.scan_effects; the rotation of each page is fixed by a
hash of its file name (between -1.5 and +1.5 degrees), so every run sees the same images.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

from _devdata import DEVDATA, read_jsonl, split_of

from docpipe.evaluate.text import token_recall

INVOICE_DIRS = ("invoices_zugferd", "invoices_invoice2data")


@dataclass
class Scan:
    name: str
    kind: str  # invoice | receipt
    split: str
    png: bytes
    truth_words: list[str]


def recall(found: list[str], truth: list[str]) -> tuple[int, int]:
    """(truth words found, truth words): docpipe.evaluate.text.token_recall."""
    return token_recall(found, truth)


def _angle(name: str) -> float:
    return (int(hashlib.sha256(name.encode()).hexdigest()[8:16], 16) % 3001) / 1000.0 - 1.5


def invoice_scans(max_pages: int = 1, dpi: int = 150) -> list[Scan]:
    from docpipe.devtools.scan_effects import render_gray, rotate_in_place

    out: list[Scan] = []
    for folder in INVOICE_DIRS:
        for path in sorted((DEVDATA / folder).glob("*.pdf")):
            with pymupdf.open(path) as pdf:
                for index in range(min(max_pages, pdf.page_count)):
                    page = pdf.load_page(index)
                    words = [w[4] for w in page.get_text("words")]
                    if len(words) < 20:
                        continue
                    image, _ = render_gray(page, dpi)
                    image, _ = rotate_in_place(image, _angle(path.name), fill=255)
                    buf = io.BytesIO()
                    image.save(buf, format="PNG")
                    name = f"{path.name}#{index}"
                    out.append(Scan(name, "invoice", split_of(path.name), buf.getvalue(), words))
    return out


def receipt_scans(limit: int | None = None) -> list[Scan]:
    out: list[Scan] = []
    rows = read_jsonl(DEVDATA / "receipts_sroie" / "truth.jsonl")
    rows.sort(key=lambda r: hashlib.sha256(r["file"].encode()).hexdigest())
    for row in rows[:limit]:
        data = (DEVDATA / "receipts_sroie" / row["file"]).read_bytes()
        words = [t for line in row["lines"] for t in line["text"].split()]
        out.append(Scan(row["file"], "receipt", split_of(row["file"]), data, words))
    return out


def image_of(scan: Scan) -> Image.Image:
    from docpipe.ocr.base import decode_page_image

    return decode_page_image(scan.png)


def grey_array(scan: Scan) -> np.ndarray:
    return np.asarray(image_of(scan).convert("L"))
