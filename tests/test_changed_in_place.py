"""A file changed in place is one input: after a re-run its path holds one row, the new content's
(an analyst summing totals never counts the old version too)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as pads
import pymupdf

from docpipe.config import RunConfig, load_pipeline
from docpipe.progress import SilentReporter
from docpipe.runner import execute
from tests.inprocess import inprocess_stream


def _invoice(path: Path, number: str, total: str) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 72), "Harbour Tools Ltd", fontsize=14)
    page.insert_text((72, 110), f"Invoice No.: {number}", fontsize=11)
    page.insert_text((72, 130), "Invoice Date: 2024-05-02", fontsize=11)
    page.insert_text((72, 300), f"Total: EUR {total}", fontsize=11)
    doc.save(path)


def _rows(out: Path) -> list[dict]:
    return pads.dataset(out / "documents").to_table(columns=["source_path", "status", "doc_id"]).to_pylist()


def test_a_file_changed_in_place_keeps_one_row_its_latest_content(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    _invoice(inputs / "a.pdf", "HT-0001", "100.50")
    _invoice(inputs / "b.pdf", "HT-0002", "200.50")
    config = RunConfig(inputs=[str(inputs)], out_dir=out, pipeline=load_pipeline("invoice"), engine="offline")
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    before = {Path(r["source_path"]).name: r["doc_id"] for r in _rows(out)}

    _invoice(inputs / "a.pdf", "HT-0099", "999.00")  # re-exported with new content, same path
    again = execute(config, SilentReporter(), stream_fn=inprocess_stream)
    assert again.processed == 1 and again.skipped_done == 1
    rows = _rows(out)
    assert sorted(Path(r["source_path"]).name for r in rows) == ["a.pdf", "b.pdf"]
    now = {Path(r["source_path"]).name: r["doc_id"] for r in rows}
    assert now["a.pdf"] != before["a.pdf"] and now["b.pdf"] == before["b.pdf"]


def test_an_old_content_another_path_still_holds_keeps_its_row(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    _invoice(inputs / "a.pdf", "HT-0001", "100.50")
    (inputs / "copy.pdf").write_bytes((inputs / "a.pdf").read_bytes())  # a duplicate of a.pdf
    config = RunConfig(inputs=[str(inputs)], out_dir=out, pipeline=load_pipeline("invoice"), engine="offline")
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    old_id = {Path(r["source_path"]).name: r["doc_id"] for r in _rows(out)}["a.pdf"]

    _invoice(inputs / "a.pdf", "HT-0099", "999.00")
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    rows = _rows(out)
    processed = [r for r in rows if r["status"] != "skipped"]
    assert old_id in {r["doc_id"] for r in processed}  # copy.pdf's content keeps its processed row
    assert len({r["doc_id"] for r in processed}) == 2
