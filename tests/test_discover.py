from __future__ import annotations

import builtins
import hashlib
import io
import os
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from docpipe.discover import InputError, discover, list_inputs, sha256_file, sniff_kind
from docpipe.records import DocKind, ErrorCategory


def _pdf_bytes() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "hello")
    return doc.tobytes()


def _image_bytes(fmt: str, **save_args: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "white").save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_kind_comes_from_bytes_not_extension(tmp_path: Path) -> None:
    _write(tmp_path / "really_pdf.png", _pdf_bytes())
    _write(tmp_path / "really_png.pdf", _image_bytes("PNG"))
    _write(tmp_path / "junk.pdf", b"this is not a pdf at all\n" * 10)
    docs = {Path(d.source_path).name: d for d in discover([str(tmp_path)])}
    assert docs["really_pdf.png"].kind is DocKind.pdf and docs["really_pdf.png"].error is None
    assert docs["really_png.pdf"].kind is DocKind.png and docs["really_png.pdf"].error is None
    assert docs["junk.pdf"].kind is DocKind.unknown
    assert docs["junk.pdf"].error is not None
    assert docs["junk.pdf"].error.category is ErrorCategory.unsupported_format


@pytest.mark.parametrize(
    ("fmt", "kind", "args"),
    [
        ("JPEG", DocKind.jpeg, {}),
        ("TIFF", DocKind.tiff, {}),
        ("TIFF", DocKind.tiff, {"big_endian": True}),  # "MM\0*"
        ("WEBP", DocKind.webp, {}),
        ("BMP", DocKind.bmp, {}),
        ("GIF", DocKind.gif, {}),
        ("PNG", DocKind.png, {}),
    ],
)
def test_image_magics(fmt: str, kind: DocKind, args: dict[str, object]) -> None:
    assert sniff_kind(_image_bytes(fmt, **args)) is kind


def test_pdf_marker_after_leading_junk_is_a_pdf() -> None:
    assert sniff_kind(b"\x00" * 500 + _pdf_bytes()) is DocKind.pdf
    assert sniff_kind(b"\x00" * 2000 + _pdf_bytes()) is DocKind.unknown
    assert sniff_kind(b"BM but not a bitmap header at all") is DocKind.unknown


def test_doc_id_size_mtime(tmp_path: Path) -> None:
    data = _pdf_bytes()
    path = _write(tmp_path / "a.pdf", data)
    (doc,) = discover([str(path)])
    assert doc.doc_id == hashlib.sha256(data).hexdigest() == sha256_file(path)
    assert doc.size_bytes == len(data)
    assert doc.mtime_ns == os.stat(path).st_mtime_ns
    assert doc.source_path == str(path.resolve())


def test_zero_byte_file_is_an_error_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.pdf", b"")
    (doc,) = discover([str(path)])
    assert doc.error is not None and doc.error.category is ErrorCategory.empty_file
    assert doc.size_bytes == 0


def test_hidden_and_junk_skipped_in_walks_but_explicit_files_taken(tmp_path: Path) -> None:
    pdf = _pdf_bytes()
    _write(tmp_path / "keep.pdf", pdf)
    hidden = _write(tmp_path / ".hidden.pdf", pdf + b"1")
    _write(tmp_path / ".git" / "inside.pdf", pdf + b"2")
    _write(tmp_path / "__MACOSX" / "x.pdf", pdf + b"3")
    _write(tmp_path / "Thumbs.db", b"junk")
    _write(tmp_path / "~$lock.pdf", pdf + b"4")
    walked = [Path(d.source_path).name for d in discover([str(tmp_path)])]
    assert walked == ["keep.pdf"]
    explicit = discover([str(hidden)])
    assert [Path(d.source_path).name for d in explicit] == [".hidden.pdf"]


def test_nested_dirs_sorted_and_deduplicated(tmp_path: Path) -> None:
    pdf = _pdf_bytes()
    b = _write(tmp_path / "b" / "deep" / "er" / "z.pdf", pdf + b"z")
    a = _write(tmp_path / "a.pdf", pdf + b"a")
    _write(tmp_path / "b" / "m.png", _image_bytes("PNG"))
    docs = discover([str(tmp_path), str(a), str(b), str(tmp_path / "b" / ".." / "a.pdf")])
    paths = [d.source_path for d in docs]
    assert paths == sorted(paths)
    assert [Path(p).name for p in paths] == ["a.pdf", "z.pdf", "m.png"]  # b/deep/... < b/m.png
    assert discover([str(tmp_path)]) == docs  # deterministic


def test_glob_with_double_star(tmp_path: Path) -> None:
    pdf = _pdf_bytes()
    _write(tmp_path / "x" / "one.pdf", pdf + b"1")
    _write(tmp_path / "x" / "y" / "two.pdf", pdf + b"2")
    _write(tmp_path / "x" / "y" / "skip.png", _image_bytes("PNG"))
    docs = discover([str(tmp_path / "**" / "*.pdf")])
    assert sorted(Path(d.source_path).name for d in docs) == ["one.pdf", "two.pdf"]


def test_missing_path_is_a_not_found_row_and_empty_glob_raises_input_error(tmp_path: Path) -> None:
    [doc] = discover([str(tmp_path / "nope.pdf")])  # named explicitly: an input that does not exist
    assert doc.error is not None and doc.error.category is ErrorCategory.not_found
    with pytest.raises(InputError):
        discover([str(tmp_path / "*.nothing")])
    assert issubclass(InputError, ValueError)


def test_symlinked_files_are_inputs(tmp_path: Path) -> None:
    """`ln -s /data/*.pdf in/` must give inputs, not `inputs 0` (issue 9, item 2)."""
    data = tmp_path / "data"
    targets = [_write(data / f"d{i}.pdf", _pdf_bytes() + bytes([i])) for i in range(3)]
    inbox = tmp_path / "in"
    inbox.mkdir()
    for target in targets:
        (inbox / target.name).symlink_to(target)
    docs = discover([str(inbox)])
    assert [Path(d.source_path).name for d in docs] == ["d0.pdf", "d1.pdf", "d2.pdf"]
    assert [d.doc_id for d in docs] == [hashlib.sha256(t.read_bytes()).hexdigest() for t in targets]
    assert all(d.error is None and d.kind is DocKind.pdf for d in docs)


def test_symlinked_folders_are_followed_and_loops_reported(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside / "t.pdf", _pdf_bytes())
    root = tmp_path / "root"
    root.mkdir()
    (root / "more").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)  # back to an ancestor
    (root / "again").symlink_to(outside, target_is_directory=True)  # the same folder a second time
    (root / "dangling.pdf").symlink_to(tmp_path / "gone.pdf")
    listing = list_inputs([str(root)])
    assert [Path(d.source_path).name for d in listing.docs] == ["t.pdf"]  # the walk ends
    assert listing.skipped == {"symlink_loop": 1, "already_walked": 1, "broken_symlink": 1}
    assert listing.examples["symlink_loop"] == [str(root / "loop")]


def test_walk_counts_every_path_passed_over_by_reason(tmp_path: Path) -> None:
    _write(tmp_path / "keep.pdf", _pdf_bytes())
    _write(tmp_path / ".hidden.pdf", _pdf_bytes())
    _write(tmp_path / ".git" / "x.pdf", _pdf_bytes())  # a hidden folder counts once, unwalked
    _write(tmp_path / "Thumbs.db", b"junk")
    _write(tmp_path / "~$draft.docx", b"lock")
    _write(tmp_path / "truth.json", b"{}")
    _write(tmp_path / "notes.txt", b"hello")
    _write(tmp_path / "really_a_pdf.txt", _pdf_bytes())  # a sidecar name, document bytes: an input
    (tmp_path / "same.pdf").hardlink_to(tmp_path / "keep.pdf")
    os.mkfifo(tmp_path / "pipe.pdf")
    listing = list_inputs([str(tmp_path)])
    assert sorted(Path(d.source_path).name for d in listing.docs) == ["keep.pdf", "really_a_pdf.txt"]
    assert listing.skipped == {"hidden": 2, "system_file": 2, "sidecar": 2, "same_file": 1, "not_regular": 1}
    assert all(d.doc_id == "" and d.source_version.startswith("size=") for d in listing.docs)  # nothing read


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    _write(locked / "a.pdf", _pdf_bytes())
    _write(tmp_path / "b.pdf", _pdf_bytes())
    real_scandir = os.scandir

    def deny(path: object) -> object:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", deny)
    listing = list_inputs([str(tmp_path)])
    assert [Path(d.source_path).name for d in listing.docs] == ["b.pdf"]
    assert listing.skipped == {"unreadable": 1} and listing.examples["unreadable"] == [str(locked)]


def test_unreadable_file_is_an_error_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "locked.pdf", _pdf_bytes())
    real_open = builtins.open

    def deny(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", deny)
    (doc,) = discover([str(path)])
    assert doc.error is not None and doc.error.category is ErrorCategory.not_found
    assert "permission" in doc.error.message


def test_fifo_named_explicitly_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    (doc,) = discover([str(fifo)])  # opening a FIFO for reading would block forever
    assert doc.error is not None and doc.error.category is ErrorCategory.unsupported_format
    assert discover([str(tmp_path)]) == []


def test_worker_identifies_listed_inputs_and_retries_with_a_known_id(tmp_path: Path) -> None:
    from docpipe.raster.config import RasterConfig
    from docpipe.raster.document import rasterize_document
    from docpipe.records import Status

    path = _write(tmp_path / "a.pdf", _pdf_bytes())
    (listed,) = list_inputs([str(tmp_path)]).docs
    config = RasterConfig(dpi=36, isolate=False)
    first = rasterize_document(listed, config)
    assert first.status is Status.ok and first.doc_id == sha256_file(path) and first.pages[0].kind is DocKind.pdf
    # the runner's careful second pass sends the input again with the doc_id it learned (kind unknown)
    retried = rasterize_document(listed.model_copy(update={"doc_id": first.doc_id}), config)
    assert retried.status is Status.ok and retried.doc_id == first.doc_id
    path.write_bytes(_pdf_bytes() + b"% changed")
    changed = rasterize_document(listed.model_copy(update={"doc_id": first.doc_id}), config)
    assert changed.status is Status.failed and changed.error.category is ErrorCategory.vanished
    path.unlink()
    gone = rasterize_document(listed, config)
    assert gone.error.category is ErrorCategory.vanished and gone.doc_id  # a deterministic id, no bytes


def test_a_docpipe_output_inside_the_input_folder_is_not_input(tmp_path: Path) -> None:
    _write(tmp_path / "a.pdf", _pdf_bytes())
    _write(tmp_path / "out" / "_ledger.sqlite", b"SQLite format 3\x00")
    _write(tmp_path / "out" / "documents" / "part-1.parquet", b"PAR1")
    _write(tmp_path / "out" / "export" / "txt" / "a.txt", b"hello")
    _write(tmp_path / "outbox" / "b.pdf", _pdf_bytes())  # an ordinary folder beside it is walked
    listing = list_inputs([str(tmp_path)])
    assert sorted(Path(d.source_path).name for d in listing.docs) == ["a.pdf", "b.pdf"]
    assert listing.skipped == {"docpipe_output": 1}
    assert listing.examples["docpipe_output"] == [str(tmp_path / "out")]


def test_a_docpipe_output_under_an_object_store_prefix_is_not_input() -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe({"/inbox/a.pdf": _pdf_bytes(), "/inbox/out/_ledger.sqlite": b"x",
             "/inbox/out/documents/part-1.parquet": b"PAR1", "/inbox/outbox/b.pdf": _pdf_bytes()})
    try:
        listing = list_inputs(["memory://inbox/"])
        assert sorted(d.source_path.rsplit("/", 1)[-1] for d in listing.docs) == ["a.pdf", "b.pdf"]
        assert listing.skipped == {"docpipe_output": 1}
    finally:
        fs.rm("/inbox", recursive=True)


def test_two_zero_byte_files_are_two_empty_file_rows_not_duplicates(tmp_path: Path) -> None:
    a, b = _write(tmp_path / "a.pdf", b""), _write(tmp_path / "b.pdf", b"")
    docs = discover([str(a), str(b)])
    assert [d.error.category for d in docs] == [ErrorCategory.empty_file] * 2
    assert docs[0].doc_id != docs[1].doc_id
    assert discover([str(a)])[0].doc_id == docs[0].doc_id  # still deterministic per path
