"""Issue 10: a text layer is evidence, not truth. The three lying kinds give the right values through
`docpipe run` (in process), and each page records why its words came from OCR."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from docpipe.config import RunConfig, pipeline_for_schema
from docpipe.devtools.lying_pdfs import STAMP_DATE, bad_ocr_layer_pdf, lying_invoice, shifted_tounicode_pdf, \
    stamped_scan_pdf
from docpipe.progress import JsonReporter
from docpipe.runner import execute
from tests.inprocess import inprocess_stream

REPO = Path(__file__).resolve().parents[1]
KINDS = {"shifted.pdf": shifted_tounicode_pdf, "stamped.pdf": stamped_scan_pdf, "ocr_layer.pdf": bad_ocr_layer_pdf}
HONEST_OCR_LAYER = "honest_ocr_layer.pdf"


def _run(inputs: list[Path], out: Path, ocr: str = "auto") -> tuple[dict[str, dict], dict[str, list[dict]]]:
    config = RunConfig(inputs=[str(p) for p in inputs], out_dir=out, pipeline=pipeline_for_schema("invoice"),
                       engine="offline", ocr=ocr)
    execute(config, JsonReporter(), stream_fn=inprocess_stream)
    docs = {Path(r["source_path"]).name: r for r in ds.dataset(str(out / "documents")).to_table().to_pylist()}
    pages: dict[str, list[dict]] = {}
    for row in sorted(ds.dataset(str(out / "pages")).to_table().to_pylist(), key=lambda r: r["page_index"]):
        pages.setdefault(Path(row["source_path"]).name, []).append(row)
    return docs, pages


@pytest.fixture(scope="module")
def lying(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    folder = tmp_path_factory.mktemp("lying")
    inputs = []
    for name, make in KINDS.items():
        (folder / name).write_bytes(make())
        inputs.append(folder / name)
    (folder / HONEST_OCR_LAYER).write_bytes(bad_ocr_layer_pdf(confusions={}))
    inputs += [REPO / "sample_docs" / "invoice_acme.pdf", folder / HONEST_OCR_LAYER]  # honest layers beside them
    return _run(inputs, folder / "out")


@pytest.mark.parametrize("name", list(KINDS))
def test_each_lying_kind_gives_the_printed_values(lying, name: str) -> None:
    docs, _ = lying
    row, truth = docs[name], lying_invoice().expected()
    assert row["invoice_number"] == truth["invoice_number"]
    assert row["issue_date"].isoformat() == truth["issue_date"]
    assert row["total"] == Decimal(truth["total"]) == Decimal("3234.00")
    assert row["currency"] == truth["currency"]
    assert row["issue_date"].isoformat() != STAMP_DATE


def test_a_shifted_tounicode_map_is_caught_and_the_page_says_why(lying) -> None:
    _, pages = lying
    [page] = pages["shifted.pdf"]
    record = page["word_source_record"]
    assert page["word_source"] == "rapidocr" and record["reason"] == "text_layer_disagrees"
    assert "suspect_font" in record["findings"]
    assert "'4,345.11' where the page shows '3,234.00'" in record["detail"]
    assert "4,345.11" not in page["ocr_text"] and "3,234.00" in page["ocr_text"]


def test_a_scan_with_a_native_stamp_is_ocrd_and_keeps_the_stamp_words(lying) -> None:
    _, pages = lying
    [page] = pages["stamped.pdf"]
    record = page["word_source_record"]
    assert page["word_source"] == "pdf_text+rapidocr" and record["reason"] == "images_without_text"
    assert record["text_layer_words"] == 6 and record["sampled"] == record["agreed"] > 0
    sources = {region["source"]: region for region in record["regions"]}
    assert sources["rapidocr"]["bbox"] == [0.0, 0.0, 1.0, 1.0] and sources["rapidocr"]["word_count"] > 60
    texts = [w["text"] for w in page["words"]]
    assert texts.count("RECEIVED") == 1 and texts.count(STAMP_DATE) == 1  # read once, not twice
    assert "INV-2024-0117" in texts


def test_an_invisible_ocr_layer_full_of_errors_is_replaced(lying) -> None:
    _, pages = lying
    [page] = pages["ocr_layer.pdf"]
    record = page["word_source_record"]
    assert page["word_source"] == "rapidocr" and record["reason"] == "text_layer_disagrees"
    assert {"invisible_text", "invisible_text_over_image"} <= set(record["findings"])
    assert "invisible text" in record["detail"]
    assert "INV-2O24-Oll7" not in page["ocr_text"] and "INV-2024-0117" in page["ocr_text"]


def test_an_honest_text_layer_is_verified_and_used(lying) -> None:
    docs, pages = lying
    [page] = pages["invoice_acme.pdf"]
    record = page["word_source_record"]
    assert page["word_source"] == "pdf_text" and record["reason"] == "text_layer_verified"
    assert record["sampled"] >= 6 and record["agreed"] >= record["sampled"] - 1
    assert docs["invoice_acme.pdf"]["invoice_number"] == "INV-2024-0042"


def test_an_honest_invisible_ocr_layer_is_verified_and_used_without_ocr(lying) -> None:
    docs, pages = lying
    [page] = pages[HONEST_OCR_LAYER]
    record = page["word_source_record"]
    assert page["word_source"] == "pdf_text" and record["reason"] == "text_layer_verified"
    assert "invisible_text_over_image" in record["findings"] and record["agreed"] >= record["sampled"] - 1
    assert docs[HONEST_OCR_LAYER]["total"] == Decimal("3234.00")


def test_ocr_never_trusts_the_text_layer_and_says_so(tmp_path: Path) -> None:
    pdf = tmp_path / "shifted.pdf"
    pdf.write_bytes(shifted_tounicode_pdf())
    docs, pages = _run([pdf], tmp_path / "out", ocr="never")
    assert docs["shifted.pdf"]["total"] == Decimal("4345.11")  # what the text layer says, as asked
    record = pages["shifted.pdf"][0]["word_source_record"]
    assert record["reason"] == "ocr_disabled" and record["ocr_mode"] == "never" and record["sampled"] == 0
