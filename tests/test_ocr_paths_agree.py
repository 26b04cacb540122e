"""The text-layer path and the OCR path give the same page the same words in the same reading order.

A generated magazine page (docpipe.devtools.column_layout: title, deck, three columns, a sidebar,
a caption, a table; true reading order known) is run twice through the whole offline pipeline:
under `--ocr auto` its honest text layer is verified against the pixels (OCR of a sample of its
words by the bundled recogniser) and kept; under `--ocr always` the rendered page is OCR'd. Both
runs' `pages.words` and `pages.ocr_text` must follow the true reading order, with line and block
ids numbered in that order.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pytest

from docpipe.config import RunConfig, load_pipeline
from docpipe.devtools.column_layout import layout_page
from docpipe.evaluate.text import cer, word_f1
from docpipe.progress import JsonReporter
from docpipe.runner import execute
from tests.inprocess import inprocess_stream


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, dict]]:
    page = layout_page(7, "magazine")
    folder = tmp_path_factory.mktemp("paths")
    pdf = folder / "magazine.pdf"
    pdf.write_bytes(page.pdf)
    out: dict[str, dict] = {}
    for mode in ("auto", "always"):
        config = RunConfig(inputs=[str(pdf)], out_dir=folder / mode, pipeline=load_pipeline("ocr"),
                           engine="offline", ocr=mode)
        execute(config, JsonReporter(), stream_fn=inprocess_stream)
        [row] = ds.dataset(str(folder / mode / "pages"), format="parquet").to_table().to_pylist()
        out[mode] = row
    return page.text, out


def test_the_text_layer_is_verified_and_the_forced_ocr_says_so(runs) -> None:
    _, rows = runs
    assert rows["auto"]["word_source"] == "pdf_text"
    assert rows["auto"]["word_source_record"]["reason"] == "text_layer_verified"
    assert rows["auto"]["word_source_record"]["sampled"] >= 6
    assert rows["auto"]["word_source_record"]["agreed"] == rows["auto"]["word_source_record"]["sampled"]
    assert rows["always"]["word_source"] == "rapidocr"
    assert rows["always"]["word_source_record"]["reason"] == "ocr_forced"


@pytest.mark.parametrize("mode,max_cer", [("auto", 0.01), ("always", 0.05)])
def test_words_and_text_follow_the_true_reading_order(runs, mode: str, max_cer: float) -> None:
    truth, rows = runs
    row = rows[mode]
    words = " ".join(w["text"] for w in row["words"])
    assert cer(words, truth) < max_cer and word_f1(words, truth) > 0.97
    assert cer(row["ocr_text"], truth) < max_cer


def test_both_paths_read_the_same_words_in_the_same_order(runs) -> None:
    _, rows = runs
    layer = " ".join(w["text"] for w in rows["auto"]["words"])
    ocr = " ".join(w["text"] for w in rows["always"]["words"])
    assert cer(ocr, layer) < 0.05


@pytest.mark.parametrize("mode", ["auto", "always"])
def test_line_and_block_ids_are_numbered_in_reading_order(runs, mode: str) -> None:
    words = runs[1][mode]["words"]
    lines = [w["line"] for w in words]
    blocks = [w["block"] for w in words]
    assert lines[0] == 0 and blocks[0] == 0
    assert all(b - a in (0, 1) for a, b in zip(lines, lines[1:]))
    assert all(b - a in (0, 1) for a, b in zip(blocks, blocks[1:]))
    # A line never straddles two blocks, and the page has a block per column piece at least.
    assert all(blocks[i] == blocks[i + 1] for i in range(len(words) - 1) if lines[i] == lines[i + 1])
    assert blocks[-1] >= 5
