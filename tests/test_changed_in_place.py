"""A file changed in place is one input: after a re-run its path holds one row, the new content's
(an analyst summing totals never counts the old version too)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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


def _current(out: Path) -> dict[str, dict]:
    """source_path name -> its row, read as an analyst would; fails when a path has two rows."""
    frame = pd.read_parquet(out / "documents", columns=["source_path", "row_key", "doc_id", "status", "error",
                                                        "invoice_number"])
    names = [Path(p).name for p in frame["source_path"]]
    assert len(names) == len(set(names)), f"a path with more than one row: {sorted(names)}"
    return {name: row for name, row in zip(names, frame.to_dict("records"))}


def _pair(tmp_path: Path) -> tuple[Path, Path, RunConfig]:
    """misc/orig.pdf and misc/dup_copy.pdf with the same bytes, run once: one processed, one duplicate."""
    inputs, out = tmp_path / "misc", tmp_path / "out"
    inputs.mkdir()
    _invoice(inputs / "orig.pdf", "INV-1001", "100.50")
    (inputs / "dup_copy.pdf").write_bytes((inputs / "orig.pdf").read_bytes())
    config = RunConfig(inputs=[str(inputs)], out_dir=out, pipeline=load_pipeline("invoice"), engine="offline")
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    rows = _current(out)
    assert sorted(r["status"] == "skipped" for r in rows.values()) == [False, True]
    owner = next(name for name, r in rows.items() if r["status"] != "skipped")
    other = "dup_copy.pdf" if owner == "orig.pdf" else "orig.pdf"
    assert rows[other]["error"]["category"] == "duplicate" and owner in rows[other]["error"]["message"]
    return inputs / owner, inputs / other, config


def test_when_the_path_holding_a_shared_content_changes_the_copy_gets_the_old_contents_row(tmp_path: Path) -> None:
    owner, copy, config = _pair(tmp_path)
    _invoice(owner, "INV-2001", "250.00")  # the processed path is overwritten with new content
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    rows = _current(Path(config.out_dir))
    assert sorted(rows) == ["dup_copy.pdf", "orig.pdf"]  # 2 rows for 2 inputs
    assert rows[owner.name]["invoice_number"] == "INV-2001"
    assert rows[copy.name]["status"] != "skipped" and rows[copy.name]["invoice_number"] == "INV-1001"
    assert rows[copy.name]["error"] is None or rows[copy.name]["error"]["category"] != "duplicate"
    # idempotent: a third run changes nothing and processes nothing
    third = execute(config, SilentReporter(), stream_fn=inprocess_stream)
    assert (third.processed, third.skipped_done) == (0, 2) and _current(Path(config.out_dir)).keys() == rows.keys()


def test_when_the_duplicate_path_changes_it_gets_its_own_row(tmp_path: Path) -> None:
    owner, copy, config = _pair(tmp_path)
    _invoice(copy, "INV-2001", "250.00")
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    rows = _current(Path(config.out_dir))
    assert rows[copy.name]["invoice_number"] == "INV-2001" and rows[owner.name]["invoice_number"] == "INV-1001"
    assert all(r["status"] != "skipped" for r in rows.values())


def test_a_changed_owner_run_alone_leaves_the_copy_to_be_healed_by_its_next_run(tmp_path: Path) -> None:
    """A run naming only the changed path replaces its row; the copy, not an input of that run,
    gets its own row the next time it is an input (its duplicate row then points at nothing)."""
    owner, copy, config = _pair(tmp_path)
    _invoice(owner, "INV-2001", "250.00")
    execute(config.model_copy(update={"inputs": [str(owner)]}), SilentReporter(), stream_fn=inprocess_stream)
    assert _current(Path(config.out_dir))[owner.name]["invoice_number"] == "INV-2001"
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    rows = _current(Path(config.out_dir))
    assert rows[copy.name]["status"] != "skipped" and rows[copy.name]["invoice_number"] == "INV-1001"
    assert rows[owner.name]["invoice_number"] == "INV-2001"


def test_a_deleted_owner_keeps_its_row_and_the_copy_stays_its_duplicate(tmp_path: Path) -> None:
    """Rows of inputs no longer listed stay (a run may name only some inputs); the duplicate row
    then still points at a row that holds its content."""
    owner, copy, config = _pair(tmp_path)
    owner.unlink()
    again = execute(config, SilentReporter(), stream_fn=inprocess_stream)
    assert again.processed == 0
    rows = _current(Path(config.out_dir))
    assert sorted(rows) == ["dup_copy.pdf", "orig.pdf"]
    assert rows[copy.name]["error"]["category"] == "duplicate" and rows[copy.name]["doc_id"] == rows[owner.name]["doc_id"]


def test_a_touched_owner_leaves_one_processed_row_and_one_true_duplicate(tmp_path: Path) -> None:
    """Same bytes, new mtime: the owner is read again, so its copy is too; whichever is hashed first
    holds the content's row and the other is its duplicate."""
    import os

    owner, copy, config = _pair(tmp_path)
    stat = owner.stat()
    os.utime(owner, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    rows = _current(Path(config.out_dir))
    assert sorted(rows) == ["dup_copy.pdf", "orig.pdf"]
    processed = [n for n, r in rows.items() if r["status"] != "skipped"]
    assert len(processed) == 1 and rows[processed[0]]["invoice_number"] == "INV-1001"
    other = (set(rows) - set(processed)).pop()
    assert rows[other]["error"]["category"] == "duplicate" and processed[0] in rows[other]["error"]["message"]


def test_a_renamed_file_gets_a_row_a_duplicate_of_its_old_paths_row(tmp_path: Path) -> None:
    """Renamed: the old path's row stays (rows of inputs no longer listed stay); the new path is an
    input and gets its row, a duplicate naming the row that holds its content; a re-run skips it."""
    owner, copy, config = _pair(tmp_path)
    copy.unlink()
    renamed = owner.with_name("renamed.pdf")
    owner.rename(renamed)
    execute(config, SilentReporter(), stream_fn=inprocess_stream)
    rows = _current(Path(config.out_dir))
    assert "renamed.pdf" in rows and rows["renamed.pdf"]["doc_id"] == rows[owner.name]["doc_id"]
    assert rows["renamed.pdf"]["error"]["category"] == "duplicate"
    assert owner.name in rows["renamed.pdf"]["error"]["message"] and rows[owner.name]["status"] != "skipped"
    again = execute(config, SilentReporter(), stream_fn=inprocess_stream)
    assert (again.processed, again.skipped_done) == (0, 1)
