"""Ligatures, soft hyphens and line-end hyphenation on a generated PDF, through the whole offline run.

The issue's failure: `Oﬃce` (U+FB03) survived into values, so `'Office' in seller_name` was false,
and words hyphenated across lines stayed split in `ocr_text`. The PDF's text layer here holds the
ligature code point, a soft hyphen inside a word, and a paragraph hyphenated at a line end.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pymupdf

from docpipe.config import RunConfig, pipeline_for_schema
from docpipe.progress import JsonReporter
from docpipe.runner import execute
from tests.inprocess import inprocess_stream

LINES = [
    "Back O\ufb03ce Supplies GmbH",
    "Hafenstrasse 5, 20457 Hamburg",
    "",
    "Invoice number: BO-2024-0042",
    "Invoice date: 2024-03-14",
    "",
    "Thank you for ordering our docu-",
    "ment shredders and Rech\u00adnung paper.",
    "",
    "Total: 119.00 EUR",
]


def _pdf(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    writer = pymupdf.TextWriter(page.rect)
    font = pymupdf.Font("helv")
    for i, line in enumerate(LINES):
        if line:
            writer.append((60, 80 + 22 * i), line, font=font, fontsize=11)
    writer.write_text(page)
    doc.save(path)
    doc.close()
    return path


def test_values_and_page_text_carry_no_ligatures_soft_hyphens_or_split_words(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "inv.pdf")
    with pymupdf.open(pdf) as doc:  # the generated text layer really holds the raw code points
        raw = doc[0].get_text()
    assert "\ufb03" in raw and "\u00ad" in raw
    out = tmp_path / "out"
    config = RunConfig(inputs=[str(pdf)], out_dir=out, pipeline=pipeline_for_schema("invoice"), engine="offline")
    execute(config, JsonReporter(), stream_fn=inprocess_stream)
    [doc_row] = ds.dataset(str(out / "documents"), format="parquet").to_table().to_pylist()
    [page] = ds.dataset(str(out / "pages"), format="parquet").to_table().to_pylist()
    assert page["word_source"] == "pdf_text"
    assert doc_row["seller_name"] is not None and "Office" in doc_row["seller_name"]
    assert doc_row["invoice_number"] == "BO-2024-0042"
    texts = [w["text"] for w in page["words"]]
    assert "Office" in texts and "Rechnung" in texts
    office = page["words"][texts.index("Office")]
    assert office["raw"] == "O\ufb03ce"  # the source's own text stays available
    assert "\ufb03" not in page["ocr_text"] and "\u00ad" not in page["ocr_text"]
    assert "our document shredders" in page["ocr_text"]
    assert "docu-" in texts and "ment" in texts  # words keep their own text; only ocr_text joins
