"""PDFs whose text layer says something other than their pixels, with the invoice they show.

Three kinds met in real inboxes (issue 10), each built from a generated invoice whose true values
are known:

* `shifted_tounicode_pdf`: native text, but one font's ToUnicode map is shifted for the digits,
  so the page shows `3,234.00` while its text layer says `4,345.11`.
* `stamped_scan_pdf`: a scanned invoice (one image) with a small native-text stamp on top
  (`RECEIVED 2024-03-14`, `Page 1 of 1`): six words of text layer on a page of pixels.
* `bad_ocr_layer_pdf`: a scan carrying an invisible (render mode 3) OCR text layer full of the
  classic confusions (`O` for `0`, `l` for `1`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal as D

import numpy as np
import pymupdf

from docpipe.devtools.invoice_layout import InvoiceSpec, LineItemSpec, draw_invoice
from docpipe.devtools.pdf_canvas import fixed_metadata, pdf_bytes
from docpipe.devtools.sample_invoices import ENGLISH_US
from docpipe.devtools.scan_effects import jpeg_bytes, scanned_page

STAMP_DATE = "2024-03-14"
SCAN_DPI = 200
_SEED = 20240314


def lying_invoice() -> InvoiceSpec:
    """A one-page invoice whose total prints as 3,234.00 (2,695.00 + 20% tax)."""
    return InvoiceSpec(
        words=ENGLISH_US, layout="classic", page_size=(595.0, 842.0),
        number="INV-2024-0117", issue_date=date(2024, 2, 27), due_date=date(2024, 3, 28),
        issue_style="long_en", due_style="long_en",
        seller_name="Northwind Office Supply Ltd.",
        seller_address=("27 Mill Street", "Leeds LS1 4DY"),
        seller_contact=("Phone 0113 496 0710", "accounts@northwind-office.example"),
        buyer_name="Harbour Lane Architects",
        buyer_address=("5 Quay Parade", "Bristol BS1 5TX"),
        currency="GBP", currency_mark="GBP", tax_rate=D("20"),
        items=(
            LineItemSpec("Ergonomic office chair, mesh back", D("5"), D("329.00")),
            LineItemSpec("Height-adjustable desk frame", D("2"), D("412.50")),
            LineItemSpec("Printer paper A4, 80 g (box of 5 reams)", D("10"), D("22.50")),
        ),
        notes=("Payment terms: 30 days net.",),
        footer=("Northwind Office Supply Ltd. - Registered in England No. 04417721",),
    )


def shifted_tounicode_pdf(spec: InvoiceSpec | None = None, font: str = "Bold") -> bytes:
    """The invoice as native text; the ToUnicode map of fonts whose name contains `font` says
    each digit is the next one (0->1 ... 9->0), so the text layer lies about every number drawn
    in them while the page renders correctly. The invoice generator draws the total in bold."""
    doc = _drawn(spec or lying_invoice())
    data = pdf_bytes(doc)
    return rewrite_tounicode(data, lambda name: font in name, _next_digit)


def stamped_scan_pdf(spec: InvoiceSpec | None = None) -> bytes:
    """The invoice scanned at 200 dpi into one image page, with a native-text receipt stamp."""
    doc = _drawn(spec or lying_invoice())
    out = _scan_pages(doc, degrees=0.6)
    page = out[0]
    red = (0.75, 0.1, 0.1)
    # The stamp sits in the free band between the buyer block and the table, as a mail room does.
    page.draw_rect(pymupdf.Rect(330, 200, 545, 236), color=red, width=1.2)
    page.insert_text((340, 222), f"RECEIVED {STAMP_DATE}", fontsize=12, color=red, fontname="hebo")
    page.insert_text((470, 812), "Page 1 of 1", fontsize=8, color=red)
    fixed_metadata(out, "stamped scan")
    return pdf_bytes(out)


def bad_ocr_layer_pdf(spec: InvoiceSpec | None = None, confusions: dict[str, str] | None = None) -> bytes:
    """The invoice scanned into image pages, under an invisible OCR layer that reads O for 0 and
    l for 1 (words placed where the scan shows them, as scanner software does). `confusions={}`
    gives an honest OCR layer."""
    swap = str.maketrans({"0": "O", "1": "l"} if confusions is None else confusions)
    doc = _drawn(spec or lying_invoice())
    out = _scan_pages(doc, degrees=0.0)
    for source, page in zip(doc, out):
        for x0, y0, x1, y1, text, *_ in source.get_text("words"):
            wrong = text.translate(swap)
            size = max(4.0, (y1 - y0) * 0.8)
            fitted = size * (x1 - x0) / max(pymupdf.get_text_length(wrong, fontsize=size), 1e-3)
            page.insert_text((x0, y1 - (y1 - y0) * 0.22), wrong, fontsize=min(size, fitted), render_mode=3)
    fixed_metadata(out, "scan with OCR layer")
    return pdf_bytes(out)


def rewrite_tounicode(data: bytes, choose: Callable[[str], bool], remap: Callable[[str], str]) -> bytes:
    """`data` with the ToUnicode map of every font whose base name `choose` accepts rewritten by `remap`
    (applied to each mapped string). Each chosen font gets its own new map object, since fonts
    may share one."""
    doc = pymupdf.open(stream=data, filetype="pdf")
    done: set[int] = set()
    for page in doc:
        for xref, _ext, _kind, basefont, *_ in page.get_fonts():
            if xref in done or not choose(basefont):
                continue
            done.add(xref)
            kind, value = doc.xref_get_key(xref, "ToUnicode")
            if kind != "xref":
                continue
            cmap = parse_tounicode(doc.xref_stream(int(value.split()[0])).decode("latin-1"))
            new = doc.get_new_xref()
            doc.update_object(new, "<<>>")
            doc.update_stream(new, tounicode_cmap({code: remap(text) for code, text in cmap.items()}).encode())
            doc.xref_set_key(xref, "ToUnicode", f"{new} 0 R")
    return doc.tobytes(garbage=1, deflate=True, no_new_id=True)


def parse_tounicode(text: str) -> dict[int, str]:
    """Code -> text of a ToUnicode CMap's bfchar and bfrange sections (UTF-16BE destinations)."""
    out: dict[int, str] = {}
    for section in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", section):
            out[int(src, 16)] = _utf16(dst)
    for section in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, rest in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)", section):
            first, last = int(lo, 16), int(hi, 16)
            if rest.startswith("["):
                for code, dst in zip(range(first, last + 1), re.findall(r"<([0-9a-fA-F]*)>", rest)):
                    out[code] = _utf16(dst)
            else:
                start = int(rest[1:-1], 16)
                for offset, code in enumerate(range(first, last + 1)):
                    out[code] = chr(start + offset) if start + offset < 0xD800 else _utf16(f"{start + offset:04x}")
    return out


def tounicode_cmap(mapping: dict[int, str]) -> str:
    """A ToUnicode CMap with one bfchar entry per code (two-byte codes)."""
    entries = [f"<{code:04x}> <{text.encode('utf-16-be').hex()}>" for code, text in sorted(mapping.items()) if text]
    chunks = [entries[i:i + 100] for i in range(0, len(entries), 100)]
    body = "\n".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar" for chunk in chunks)
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo <</Registry(Adobe)/Ordering(UCS)/Supplement 0>> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")


def _next_digit(text: str) -> str:
    return "".join(str((int(ch) + 1) % 10) if "0" <= ch <= "9" else ch for ch in text)


def _utf16(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode("utf-16-be", errors="replace") if hex_text else ""


def _drawn(spec: InvoiceSpec) -> pymupdf.Document:
    doc = pymupdf.open()
    draw_invoice(doc, spec)
    fixed_metadata(doc, f"{spec.words.title} {spec.number}")
    return doc


def _scan_pages(doc: pymupdf.Document, degrees: float) -> pymupdf.Document:
    """A new PDF whose pages are greyscale JPEG scans of `doc`'s pages, same page sizes."""
    out = pymupdf.open()
    rng = np.random.default_rng(_SEED)
    for source in doc:
        image, _mapping = scanned_page(source, dpi=SCAN_DPI, degrees=degrees, rng=rng)
        page = out.new_page(width=source.rect.width, height=source.rect.height)
        page.insert_image(page.rect, stream=jpeg_bytes(image, quality=80, dpi=SCAN_DPI))
    return out
