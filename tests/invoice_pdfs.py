"""A folder of small one-page text-layer invoices for tests that run `docpipe run` as a process.

Every invoice has a seller, a number, a date and a total, so the offline engine reads each one
whole; the number makes each file's content (and so its document id) distinct.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf


def write_invoice_pdfs(folder: Path, docs: int) -> None:
    """Create `folder` and write `docs` invoices into it as `inv_000.pdf`, `inv_001.pdf`, …"""
    folder.mkdir()
    for i in range(docs):
        doc = pymupdf.open()
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 72), "Harbour Tools Ltd", fontsize=14)
        page.insert_text((72, 110), f"Invoice No.: HT-{i:04d}", fontsize=11)
        page.insert_text((72, 130), f"Invoice Date: 2024-05-{1 + i % 28:02d}", fontsize=11)
        page.insert_text((72, 300), f"Total: EUR {100 + i}.50", fontsize=11)
        doc.save(folder / f"inv_{i:03d}.pdf")
