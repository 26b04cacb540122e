"""A large synthetic corpus of invoice pages for throughput benchmarks.

Every page is a random one-page invoice drawn with the sample-document code; a share of pages are
image-only (a rendered invoice inserted as a JPEG) so the OCR path is exercised too. Deterministic
for a given seed, and fast: a few milliseconds per text page, image pages reuse a small pool.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pymupdf

from docpipe.devtools.invoice_layout import InvoiceSpec, LineItemSpec, draw_invoice
from docpipe.devtools.pdf_canvas import fixed_metadata, pdf_bytes
from docpipe.devtools.sample_invoices import ENGLISH_GB, ENGLISH_US, FRENCH, GERMAN, LETTER
from docpipe.devtools.scan_effects import jpeg_bytes, render_gray

IMAGE_PAGE_SHARE = 0.15
IMAGE_POOL = 4
IMAGE_DPI = 110
PARALLEL_FROM_PAGES = 400  # below this, starting worker processes costs more than it saves
A4 = (595.0, 842.0)

_COMPANIES = (
    ("Cobalt Ridge Logistics Inc.", ("910 Summit Parkway", "Denver, CO 80202")),
    ("Lakeshore Print & Sign LLC", ("42 Dock Street", "Duluth, MN 55802")),
    ("Brightwater Facility Services", ("3 Kingfisher Way", "Leeds LS1 4AP")),
    ("Hofmann Elektrotechnik GmbH", ("Bahnhofstraße 27", "90402 Nürnberg")),
    ("Keller & Partner Steuerberatung", ("Lindenallee 8", "04109 Leipzig")),
    ("Verger des Collines SAS", ("2 chemin des Vignes", "84000 Avignon")),
    ("Transports Morel et Fils", ("18 quai de la Loire", "44000 Nantes")),
    ("Orchard Lane Bakery Ltd", ("61 High Street", "Bath BA1 5AN")),
)
_ITEMS = (
    "Consulting services (hours)", "Annual software licence", "Office chairs, ergonomic", "Laptop stand, aluminium",
    "Freight charge, pallet", "Printer maintenance visit", "Cleaning service, monthly", "Network switch 24-port",
    "Cable management kit", "Training workshop (day)", "Translation, per page", "Graphic design (hours)",
    "Catering, team lunch", "Courier delivery", "Storage rental, monthly", "Marketing flyers (1000 pcs)",
)
_LOCALES = (
    (ENGLISH_US, "classic", LETTER, "USD", "USD", "long_en", "short_en", Decimal("8")),
    (ENGLISH_GB, "classic", A4, "GBP", "GBP", "long_gb", "iso", Decimal("20")),
    (GERMAN, "letter", A4, "EUR", "€", "dmy_dot", "dmy_dot", Decimal("19")),
    (FRENCH, "classic", A4, "EUR", "€", "dmy_slash", "long_fr", Decimal("20")),
)


def random_invoice(rng: random.Random) -> InvoiceSpec:
    """A one-page invoice with random parties, dates and 2-10 line items."""
    words, layout, size, currency, mark, issue_style, due_style, rate = rng.choice(_LOCALES)
    (seller, seller_address), (buyer, buyer_address) = rng.sample(_COMPANIES, 2)
    issued = date(2023, 1, 1) + timedelta(days=rng.randrange(730))
    items = tuple(
        LineItemSpec(description, Decimal(rng.randint(1, 40)), Decimal(rng.randint(150, 250_000)) / 100)
        for description in rng.sample(_ITEMS, rng.randint(2, 10))
    )
    return InvoiceSpec(
        words=words, layout=layout, page_size=size, number=f"{rng.choice('ABCFR')}{rng.randint(10_000, 999_999)}",
        issue_date=issued, due_date=issued + timedelta(days=rng.choice((14, 30, 45))), issue_style=issue_style,
        due_style=due_style, seller_name=seller, seller_address=seller_address, buyer_name=buyer,
        buyer_address=buyer_address, currency=currency, currency_mark=mark, tax_rate=rate, items=items,
        notes=("Payment by bank transfer.",), footer=(f"{seller} · {' · '.join(seller_address)}",),
    )


def _image_pool(seed: int) -> list[bytes]:
    pool = []
    for index in range(IMAGE_POOL):
        doc = pymupdf.open()
        draw_invoice(doc, random_invoice(random.Random(seed * 7919 + index)))
        image, _ = render_gray(doc[0], IMAGE_DPI)
        pool.append(jpeg_bytes(image, quality=60, dpi=IMAGE_DPI))
    return pool


def _write_doc(out_dir: Path, seed: int, doc_index: int, pages: int, pool: list[bytes]) -> Path:
    # Seeded per document (string seeds hash the same in every process), so the bytes don't depend
    # on how documents are spread over workers.
    rng = random.Random(f"{seed}:{doc_index}")
    doc = pymupdf.open()
    for _ in range(pages):
        if rng.random() < IMAGE_PAGE_SHARE:
            page = doc.new_page(width=A4[0], height=A4[1])
            page.insert_image(page.rect, stream=pool[rng.randrange(len(pool))])
        else:
            draw_invoice(doc, random_invoice(rng))
    path = out_dir / f"bench_{seed:03d}_{doc_index:05d}.pdf"
    fixed_metadata(doc, path.stem)
    path.write_bytes(pdf_bytes(doc))
    return path


def _write_docs(out_dir: Path, seed: int, jobs: list[tuple[int, int]]) -> list[Path]:
    pool = _image_pool(seed)
    return [_write_doc(out_dir, seed, index, pages, pool) for index, pages in jobs]


def write_bench_corpus(out_dir: Path, n_pages: int, pages_per_doc: int = 10, seed: int = 0,
                       workers: int | None = None) -> list[Path]:
    """Write ceil(n_pages / pages_per_doc) PDFs holding n_pages pages in all; returns their paths.

    Large corpora are written by `workers` processes (default: up to 4, one per core).
    """
    if n_pages < 1 or pages_per_doc < 1:
        raise ValueError("n_pages and pages_per_doc must be positive")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(index, min(pages_per_doc, n_pages - start))
            for index, start in enumerate(range(0, n_pages, pages_per_doc))]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if n_pages >= PARALLEL_FROM_PAGES else 1
    if workers <= 1:
        return _write_docs(out_dir, seed, jobs)
    shares = [jobs[i::workers] for i in range(workers)]
    # spawn, not fork: callers (tests, Ray drivers) may have threads that a fork would copy mid-lock.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as executor:
        written = [path for paths in executor.map(_write_docs, [out_dir] * workers, [seed] * workers, shares)
                   for path in paths]
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m docpipe.devtools.corpus OUT_DIR N_PAGES [PAGES_PER_DOC]", file=sys.stderr)
        return 2
    paths = write_bench_corpus(Path(args[0]), int(args[1]), int(args[2]) if len(args) == 3 else 10)
    print(f"wrote {len(paths)} PDFs to {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
