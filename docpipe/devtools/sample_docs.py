"""The committed sample documents (sample_docs/) and their ground truth (sample_docs/truth.jsonl).

Everything is fixed: data, dates, seeds and PDF metadata, so a re-run produces byte-identical files
and tests can check that nobody edited the committed folder by hand.

    python -m docpipe.devtools.sample_docs OUT_DIR
"""

from __future__ import annotations

import io
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

from docpipe.devtools.chart_layout import ChartSpec, bar_chart_spec, chart_questions, draw_chart, \
    line_chart_spec, new_chart_page
from docpipe.devtools.invoice_layout import InvoiceSpec, draw_invoice
from docpipe.devtools.pdf_canvas import GREY, fixed_metadata, pdf_bytes
from docpipe.devtools.receipt_layout import ReceiptItemSpec, ReceiptSpec, draw_receipt
from docpipe.devtools.sample_invoices import acme_invoice, harbour_invoice, lumiere_invoice, mueller_invoice
from docpipe.devtools.scan_effects import bitonal, compose, jpeg_bytes, render_gray, rotate_in_place, \
    scanned_page
from docpipe.devtools.truth import ChartQuestion, DrawnBox, PageMapping, SampleTruth, truth_boxes

TRUTH_FILE = "truth.jsonl"
SCAN_DPI = 200
SEED = 20240305


def corner_grocer_receipt() -> ReceiptSpec:
    return ReceiptSpec(
        merchant_name="CORNER GROCER", merchant_address=("412 Elm Street", "Springfield, IL 62704"),
        phone="TEL (217) 555-0142", purchase_date=date(2024, 3, 14), time="17:42",
        register_line="STORE 0042  REG 03  CASHIER DANA",
        items=(
            ReceiptItemSpec("ORGANIC BANANAS", D("1.89")),
            ReceiptItemSpec("WHOLE MILK 1 GAL", D("3.49"), D("2")),
            ReceiptItemSpec("SOURDOUGH BREAD", D("4.25")),
            ReceiptItemSpec("FREE RANGE EGGS 12CT", D("5.49")),
            ReceiptItemSpec("CHEDDAR CHEESE 8OZ", D("3.99")),
            ReceiptItemSpec("COFFEE BEANS 12OZ", D("11.99")),
            ReceiptItemSpec("GREEK YOGURT", D("1.25"), D("4")),
        ),
        tax_rate=D("2.25"), currency="USD", cash=D("50.00"),
    )


def _page_sizes(doc: pymupdf.Document) -> list[tuple[float, float]]:
    return [(round(page.rect.width, 3), round(page.rect.height, 3)) for page in doc]


def _pdf_mappings(doc: pymupdf.Document) -> list[PageMapping]:
    return [PageMapping.identity(page.rect.width, page.rect.height) for page in doc]


def _invoice_pdf(out_dir: Path, name: str, spec: InvoiceSpec, description: str) -> SampleTruth:
    doc = pymupdf.open()
    drawn = draw_invoice(doc, spec)
    fixed_metadata(doc, f"{spec.words.title} {spec.number}")
    (out_dir / name).write_bytes(pdf_bytes(doc))
    return SampleTruth(file=name, kind="invoice", schema_name="invoice", pages=doc.page_count,
                       page_sizes=_page_sizes(doc), description=description, expected=spec.expected(),
                       boxes=truth_boxes(drawn, _pdf_mappings(doc)))


def _scanned_jpeg(out_dir: Path, name: str, spec: InvoiceSpec) -> SampleTruth:
    doc = pymupdf.open()
    drawn = draw_invoice(doc, spec)
    image, mapping = scanned_page(doc[0], dpi=SCAN_DPI, degrees=1.8, rng=np.random.default_rng(SEED))
    (out_dir / name).write_bytes(jpeg_bytes(image, quality=72, dpi=SCAN_DPI))
    return SampleTruth(file=name, kind="invoice", schema_name="invoice", pages=1,
                       page_sizes=[(float(image.width), float(image.height))],
                       description="French invoice, greyscale scan at 200 dpi, skewed 1.8 degrees "
                                   "counter-clockwise, noisy, JPEG",
                       expected=spec.expected(), boxes=truth_boxes(drawn, [mapping]))


def _scanned_tiff(out_dir: Path, name: str, spec: InvoiceSpec) -> SampleTruth:
    doc = pymupdf.open()
    drawn = draw_invoice(doc, spec)
    frames: list[Image.Image] = []
    mappings: list[PageMapping] = []
    for page, degrees in zip(doc, (-0.7, 0.9)):
        gray, to_pixels = render_gray(page, SCAN_DPI)
        rotated, rotation = rotate_in_place(gray, degrees, fill=255)
        frames.append(bitonal(rotated))
        mappings.append(PageMapping(compose(to_pixels, rotation), float(rotated.width), float(rotated.height)))
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], compression="group4",
                   dpi=(SCAN_DPI, SCAN_DPI))
    (out_dir / name).write_bytes(buffer.getvalue())
    return SampleTruth(file=name, kind="invoice", schema_name="invoice", pages=len(frames),
                       page_sizes=[(float(f.width), float(f.height)) for f in frames],
                       description="English (UK) invoice, two-page bitonal CCITT G4 TIFF at 200 dpi, "
                                   "pages slightly skewed, line items continue on page 2",
                       expected=spec.expected(), boxes=truth_boxes(drawn, mappings))


def _receipt_png(out_dir: Path, name: str, spec: ReceiptSpec) -> SampleTruth:
    doc = pymupdf.open()
    drawn = draw_receipt(doc, spec)
    gray, to_pixels = render_gray(doc[0], 203)  # thermal printers print at 203 dpi
    rotated, rotation = rotate_in_place(gray, -0.8, fill=255)
    # Faded thermal ink on bright paper; few grey levels keep the PNG small.
    faded = rotated.point(lambda v: 92 + int(v * (250 - 92) / 255) // 4 * 4)
    buffer = io.BytesIO()
    faded.save(buffer, format="PNG", optimize=True, dpi=(203, 203))
    (out_dir / name).write_bytes(buffer.getvalue())
    mapping = PageMapping(compose(to_pixels, rotation), float(faded.width), float(faded.height))
    return SampleTruth(file=name, kind="receipt", schema_name="receipt", pages=1,
                       page_sizes=[(float(faded.width), float(faded.height))],
                       description="Till receipt, 80 mm thermal roll at 203 dpi, monospaced, faded ink, "
                                   "skewed 0.8 degrees clockwise",
                       expected=spec.expected(), boxes=truth_boxes(drawn, [mapping]))


def _chart_truth(name: str, spec: ChartSpec, drawn: dict[str, DrawnBox], mappings: list[PageMapping],
                 sizes: list[tuple[float, float]], description: str) -> SampleTruth:
    return SampleTruth(file=name, kind="chart", schema_name="chart", pages=1, page_sizes=sizes,
                       description=description, expected=spec.expected(), boxes=truth_boxes(drawn, mappings),
                       qa=[ChartQuestion(question=q, answer=a) for q, a in chart_questions(spec)])


REPORT_TEXT = (
    "Regional performance",
    "All five regions grew their revenue in 2023. The eastern region benefited from two new",
    "distribution centres, while the western region was held back by supply constraints in the",
    "first half of the year. Figures are unaudited and rounded to one decimal place.",
)


def _bar_chart_pdf(out_dir: Path, name: str) -> SampleTruth:
    spec = bar_chart_spec()
    doc = pymupdf.open()
    drawn: dict[str, DrawnBox] = {}
    c = new_chart_page(doc, 595.0, 842.0, drawn)
    c.text(50, 60, "Northwind Analytics - Annual Report 2023", size=9, color=GREY)
    c.text(50, 100, REPORT_TEXT[0], face="bold", size=16)
    for i, line in enumerate(REPORT_TEXT[1:]):
        c.text(50, 126 + i * 14, line, size=10)
    draw_chart(c, spec, (125.0, 250.0, 530.0, 560.0))
    c.text(297.5, 640, "Figure 3. Revenue by region in USD million, fiscal year 2023.", size=9, color=GREY,
           align="center")
    c.text(545, 800, "12", size=9, color=GREY, align="right")
    c.finish()
    fixed_metadata(doc, spec.title)
    (out_dir / name).write_bytes(pdf_bytes(doc))
    return _chart_truth(name, spec, drawn, _pdf_mappings(doc), _page_sizes(doc),
                        "Report page with a vector bar chart (one series, value labels on the bars)")


def line_chart_png(out_dir: Path, name: str, spec: ChartSpec | None = None) -> SampleTruth:
    """A slide-like 150 dpi PNG of a line chart (`spec`, default the sample's) and its truth."""
    spec = spec or line_chart_spec()
    doc = pymupdf.open()
    drawn: dict[str, DrawnBox] = {}
    c = new_chart_page(doc, 792.0, 612.0, drawn)
    draw_chart(c, spec, (120.0, 110.0, 730.0, 500.0))
    c.text(60, 585, "Source: product analytics, monthly unique signed-in users.", size=8.5, color=GREY)
    c.finish()
    zoom = 150 / 72
    pix = doc[0].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    buffer = io.BytesIO()
    image.quantize(colors=64, dither=Image.Dither.NONE).save(buffer, format="PNG", optimize=True, dpi=(150, 150))
    (out_dir / name).write_bytes(buffer.getvalue())
    mapping = PageMapping((zoom, 0.0, 0.0, 0.0, zoom, 0.0), float(pix.width), float(pix.height))
    return _chart_truth(name, spec, drawn, [mapping], [(float(pix.width), float(pix.height))],
                        "Slide-like PNG (150 dpi) with a two-series line chart, legend and point labels")


def write_sample_docs(out_dir: Path) -> list[SampleTruth]:
    """Write every sample document and truth.jsonl into out_dir; returns the truth records."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truths = [
        _invoice_pdf(out_dir, "invoice_acme.pdf", acme_invoice(),
                     "English (US) one-page invoice with a text layer, Letter size"),
        _invoice_pdf(out_dir, "invoice_mueller_2p.pdf", mueller_invoice(),
                     "German two-page invoice with a text layer, A4, line items and carry-over span both "
                     "pages, totals on page 2"),
        _scanned_jpeg(out_dir, "invoice_scan.jpg", lumiere_invoice()),
        _scanned_tiff(out_dir, "invoice_multipage.tiff", harbour_invoice()),
        _receipt_png(out_dir, "receipt.png", corner_grocer_receipt()),
        _bar_chart_pdf(out_dir, "chart_bar.pdf"),
        line_chart_png(out_dir, "chart_line.png"),
    ]
    (out_dir / TRUTH_FILE).write_text("".join(t.model_dump_json() + "\n" for t in truths), encoding="utf-8")
    return truths


def read_truth(folder: Path) -> list[SampleTruth]:
    lines = (Path(folder) / TRUTH_FILE).read_text(encoding="utf-8").splitlines()
    return [SampleTruth.model_validate_json(line) for line in lines if line.strip()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m docpipe.devtools.sample_docs OUT_DIR", file=sys.stderr)
        return 2
    for truth in write_sample_docs(Path(args[0])):
        print(f"{truth.file}: {truth.kind}, {truth.pages} page(s), {len(truth.boxes)} boxes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
