"""The runner with inputs listed, not read, on the driver: skips, duplicates, changes, symlinks.

Stages run in this process (tests/inprocess.py), so each run takes about a second.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.dataset as ds
import pymupdf
import pytest

from docpipe.config import RunConfig, pipeline_for_schema
from docpipe.progress import JsonReporter
from docpipe.runner import execute
from tests.inprocess import inprocess_stream


def _pdf(path: Path, text: str) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 72), "ACME Supplies Ltd", fontsize=14)
    page.insert_text((72, 110), f"Invoice No.: {text}", fontsize=11)
    page.insert_text((72, 300), "Total: EUR 10.50", fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def _run(inputs: list[Path], out: Path, **options):
    config = RunConfig(inputs=[str(p) for p in inputs], out_dir=out, pipeline=pipeline_for_schema("invoice"),
                       engine="offline", **options)
    return execute(config, JsonReporter(), stream_fn=inprocess_stream)


def _rows(out: Path) -> dict[str, dict]:
    rows = ds.dataset(str(out / "documents"), format="parquet").to_table().to_pylist()
    assert len({r["row_key"] for r in rows}) == len(rows)
    return {Path(r["source_path"]).name: r for r in rows}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every input a worker read, by URI."""
    import docpipe.storage.reading as reading

    seen: list[str] = []
    real = reading.read_input

    def counting(uri: str, **kwargs):
        seen.append(uri)
        return real(uri, **kwargs)

    monkeypatch.setattr(reading, "read_input", counting)
    return seen


def test_unchanged_inputs_are_skipped_without_reading_them(tmp_path, reads):
    folder = tmp_path / "in"
    for i in range(3):
        _pdf(folder / f"inv{i}.pdf", f"INV-{i}")
    first = _run([folder], tmp_path / "out")
    assert first.processed == 3 and len(reads) == 3
    reads.clear()
    again = _run([folder], tmp_path / "out")
    assert (again.processed, again.skipped_done, reads) == (0, 3, [])


def test_a_touched_file_is_read_again_but_its_content_counts_as_done(tmp_path, reads):
    path = _pdf(tmp_path / "in" / "a.pdf", "INV-1")
    _run([path], tmp_path / "out")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # same bytes, new mtime
    reads.clear()
    again = _run([path], tmp_path / "out")
    assert reads == [str(path)] and (again.processed, again.skipped_done) == (0, 1)
    assert len(_rows(tmp_path / "out")) == 1


def test_changed_content_is_processed_and_the_same_content_twice_is_one_row_plus_a_duplicate(tmp_path):
    folder = tmp_path / "in"
    a = _pdf(folder / "a.pdf", "INV-1")
    (folder / "copy.pdf").write_bytes(a.read_bytes())
    first = _run([folder], tmp_path / "out")
    rows = _rows(tmp_path / "out")
    assert (first.processed, first.skipped_duplicates) == (1, 1)
    statuses = sorted((rows[n]["status"], (rows[n]["error"] or {}).get("category")) for n in rows)
    assert statuses[-1] == ("skipped", "duplicate")  # one of the two, whichever was read second
    assert rows["a.pdf"]["doc_id"] == rows["copy.pdf"]["doc_id"]
    copy_was_duplicate = rows["copy.pdf"]["status"] == "skipped"
    _pdf(a, "INV-2")  # new bytes under the same name
    second = _run([folder], tmp_path / "out")
    # a.pdf is processed; copy.pdf too when its row was "duplicate of a.pdf" (no longer true)
    assert (second.processed, second.skipped_done) == ((2, 0) if copy_was_duplicate else (1, 1))
    rows = _rows(tmp_path / "out")  # one row per path: the old content's row is now copy.pdf's
    assert sorted(rows) == ["a.pdf", "copy.pdf"]
    assert rows["copy.pdf"]["status"] != "skipped" and rows["copy.pdf"]["doc_id"] != rows["a.pdf"]["doc_id"]


def test_a_folder_of_symlinked_files_is_processed(tmp_path):
    """`ln -s /data/*.pdf in/` gave `inputs 0` and exit 0 before (issue 9, item 2)."""
    data = [_pdf(tmp_path / "data" / f"d{i}.pdf", f"INV-{i}") for i in range(2)]
    inbox = tmp_path / "in"
    inbox.mkdir()
    for target in data:
        (inbox / target.name).symlink_to(target)
    summary = _run([inbox], tmp_path / "out")
    assert summary.inputs == 2 and summary.processed == 2
    assert sorted(_rows(tmp_path / "out")) == ["d0.pdf", "d1.pdf"]


def test_an_input_deleted_after_listing_is_vanished_not_missing(tmp_path, monkeypatch):
    from docpipe import runner

    keep = _pdf(tmp_path / "in" / "keep.pdf", "INV-1")
    gone = _pdf(tmp_path / "in" / "gone.pdf", "INV-2")
    real = runner.list_inputs

    def list_then_delete(inputs):
        listing = real(inputs)
        gone.unlink()  # between listing on the driver and reading in the worker
        return listing

    monkeypatch.setattr(runner, "list_inputs", list_then_delete)
    _run([tmp_path / "in"], tmp_path / "out")
    rows = _rows(tmp_path / "out")
    assert rows["gone.pdf"]["status"] == "failed" and rows["gone.pdf"]["error"]["category"] == "vanished"
    assert rows["keep.pdf"]["status"] in ("ok", "partial") and keep.exists()
