"""A till roll 2 m long, scanned, gives its words and its fields through the whole offline run.

The issue's failure: an 80 mm x 1 m roll (height / width above ~8) gave 0 words and every field
null, silently. Here the roll is a generated receipt (docpipe.devtools.receipt_layout, truth
known) whose header and items stand at the top of a 2 m strip and whose totals stand at its foot,
with blank paper between (a roll torn off long after the print), scanned at 150 dpi as a PNG: the
date must come from the top end, the total from the bottom end.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pyarrow.dataset as ds
import pymupdf
from PIL import Image

from docpipe.config import RunConfig, pipeline_for_schema
from docpipe.devtools.receipt_layout import ReceiptItemSpec, ReceiptSpec, draw_receipt
from docpipe.progress import JsonReporter
from docpipe.runner import execute
from tests.inprocess import inprocess_stream

ROLL_MM = 2000.0
DPI = 150


def _spec() -> ReceiptSpec:
    names = ("OAT MILK 1L", "RYE BREAD", "APPLES 1KG", "GREEN TEA", "RICE 2KG", "OLIVE OIL")
    items = tuple(ReceiptItemSpec(name, D(f"{2 + k}.{(k * 29) % 100:02d}")) for k, name in enumerate(names))
    return ReceiptSpec(merchant_name="HARBOUR MART", merchant_address=("7 Quay Road", "Portsmouth PO1 3AA"),
                       phone="TEL 023 9200 1234", purchase_date=date(2024, 6, 21), time="09:15",
                       register_line="STORE 12 REG 2", items=items, tax_rate=D("5"), currency="GBP",
                       cash=D("100.00"))


def _two_metre_scan(spec: ReceiptSpec) -> bytes:
    """The receipt's print split below its items; the rest moved to the foot of a 2 m strip."""
    doc = pymupdf.open()
    draw_receipt(doc, spec)
    page = doc[0]
    cut = [w for w in page.get_text("words") if w[4] == "SUBTOTAL"][0][1] - 4
    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    printed = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    cut_px = round(cut / 72 * DPI)
    roll = Image.new("L", (pix.width, round(ROLL_MM / 25.4 * DPI)), 255)
    roll.paste(printed.crop((0, 0, pix.width, cut_px)), (0, 0))
    tail = printed.crop((0, cut_px, pix.width, pix.height))
    roll.paste(tail, (0, roll.height - tail.height))
    assert roll.height / roll.width > 20
    buf = io.BytesIO()
    roll.save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()


def test_a_two_metre_till_roll_gives_words_and_fields_from_both_ends(tmp_path: Path) -> None:
    spec = _spec()
    scan = tmp_path / "roll.png"
    scan.write_bytes(_two_metre_scan(spec))
    out = tmp_path / "out"
    config = RunConfig(inputs=[str(scan)], out_dir=out, pipeline=pipeline_for_schema("receipt"), engine="offline")
    execute(config, JsonReporter(), stream_fn=inprocess_stream)
    [page] = ds.dataset(str(out / "pages"), format="parquet").to_table().to_pylist()
    [doc] = ds.dataset(str(out / "documents"), format="parquet").to_table().to_pylist()
    assert page["word_source"] == "rapidocr" and page["word_source_record"]["reason"] == "no_text_layer"
    texts = [w["text"] for w in page["words"]]
    # Both ends of the strip were read, in order: the header first, the farewell last.
    assert texts[:2] == ["HARBOUR", "MART"] and texts[-1] == "RETURNS"
    assert page["words"][-1]["bbox"][1] > 0.95
    assert {"SUBTOTAL", "TOTAL", "GBP", "CASH", "CHANGE"} <= set(texts)
    expected = spec.expected()
    assert doc["date"].isoformat() == expected["date"]
    assert f"{doc['total']:.2f}" == expected["total"]
    assert doc["currency"] == expected["currency"]
