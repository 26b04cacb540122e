"""The sample, nasty and benchmark document generators: deterministic, truthful, complete."""

from __future__ import annotations

import hashlib
import re
import struct
from pathlib import Path

import pymupdf
import pytest
from PIL import Image, ImageSequence

from docpipe.devtools.corpus import write_bench_corpus
from docpipe.devtools.nasty_docs import INJECTION, MANY_PAGES, NastyCase, write_nasty_docs
from docpipe.devtools.sample_docs import TRUTH_FILE, main, read_truth, write_sample_docs
from docpipe.devtools.truth import SampleTruth
from docpipe.records import ErrorCategory, Status
from docpipe.schema_registry import load_schema

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "sample_docs"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    write_sample_docs(out)
    return out


@pytest.fixture(scope="module")
def truths(generated: Path) -> list[SampleTruth]:
    return read_truth(generated)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _squash(text: str) -> str:
    return " ".join(text.split())


def _pages(path: Path) -> list[Image.Image]:
    with Image.open(path) as image:
        return [frame.convert("L") for frame in ImageSequence.Iterator(image)]


def test_generator_is_byte_identical_on_rerun(generated: Path, tmp_path: Path) -> None:
    write_sample_docs(tmp_path)
    assert _digests(tmp_path) == _digests(generated)


def test_committed_sample_docs_match_the_generator(generated: Path) -> None:
    assert sorted(p.name for p in COMMITTED.iterdir()) == sorted(p.name for p in generated.iterdir())
    assert read_truth(COMMITTED) == read_truth(generated), "sample_docs/ was edited by hand or is stale: " \
        "regenerate with python -m docpipe.devtools.sample_docs sample_docs"
    # Bytes may differ across PyMuPDF/Pillow versions, so compare what the files say, not their bytes.
    for truth in read_truth(generated):
        if truth.file.endswith(".pdf"):
            ours, theirs = pymupdf.open(generated / truth.file), pymupdf.open(COMMITTED / truth.file)
            assert [p.get_text() for p in ours] == [p.get_text() for p in theirs]
        else:
            assert [im.size for im in _pages(generated / truth.file)] == \
                [im.size for im in _pages(COMMITTED / truth.file)]
    assert sum(p.stat().st_size for p in COMMITTED.iterdir()) < 3_000_000


def test_truth_lists_every_sample_with_its_real_page_count(generated: Path, truths: list[SampleTruth]) -> None:
    files = {p.name for p in generated.iterdir()} - {TRUTH_FILE}
    assert {t.file for t in truths} == files
    assert {"invoice", "receipt", "chart"} == {t.kind for t in truths}
    for truth in truths:
        path = generated / truth.file
        count = pymupdf.open(path).page_count if path.suffix == ".pdf" else len(_pages(path))
        assert count == truth.pages == len(truth.page_sizes)


def test_expected_values_are_canonical_schema_json(truths: list[SampleTruth]) -> None:
    for truth in truths:
        model = load_schema(truth.schema_name, cwd=REPO).model
        assert model.model_validate(truth.expected).model_dump(mode="json") == truth.expected, truth.file


def _leaf_values(value: object, path: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _leaf_values(item, f"{path}.{key}" if path
                                                                                 else key).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _leaf_values(item, f"{path}[{i}]").items()}
    return {path: value}


def test_every_printed_value_has_a_box_inside_its_page(truths: list[SampleTruth]) -> None:
    for truth in truths:
        leaves = {k: v for k, v in _leaf_values(truth.expected).items() if v is not None}
        unprinted = {k for k, v in leaves.items() if truth.kind == "receipt" and k.endswith(".quantity") and v == "1"}
        unprinted |= {k for k in leaves if k.endswith(".chart_type")}
        assert set(truth.boxes) == set(leaves) - unprinted, truth.file
        for key, box in truth.boxes.items():
            x0, y0, x1, y1 = box.bbox
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, (truth.file, key, box.bbox)
            assert 0 <= box.page_index < truth.pages
            assert box.text.strip()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_box_text_agrees_with_the_expected_value(truths: list[SampleTruth]) -> None:
    for truth in truths:
        leaves = _leaf_values(truth.expected)
        for key, box in truth.boxes.items():
            value = str(leaves[key])
            if key.endswith(("total", "subtotal", "unit_price", "amount", "price", "quantity", ".value")):
                assert _digits(box.text).lstrip("0") == _digits(value).lstrip("0"), (truth.file, key)
            elif key.endswith("date"):
                assert len(_digits(box.text)) >= 4 and value[:4] in box.text, (truth.file, key)
            elif key.endswith("currency"):
                assert box.text in {value, "€", "$", "£"}, (truth.file, key)
            else:  # multi-line values are printed line by line and joined with ", " in the truth
                assert box.text.replace(",", "").split() == value.replace(",", "").split(), (truth.file, key)


def test_pdf_boxes_tightly_hold_exactly_their_words(generated: Path, truths: list[SampleTruth]) -> None:
    checked = 0
    for truth in truths:
        if not truth.file.endswith(".pdf"):
            continue
        doc = pymupdf.open(generated / truth.file)
        for key, box in truth.boxes.items():
            page = doc[box.page_index]
            width, height = page.rect.width, page.rect.height
            x0, y0, x1, y1 = box.bbox[0] * width, box.bbox[1] * height, box.bbox[2] * width, box.bbox[3] * height
            inside = [w for w in page.get_text("words")
                      if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1]
            assert _squash(" ".join(w[4] for w in inside)) == _squash(box.text), (truth.file, key)
            envelope = (min(w[0] for w in inside), min(w[1] for w in inside),
                        max(w[2] for w in inside), max(w[3] for w in inside))
            assert all(abs(a - b) < 1.0 for a, b in zip(envelope, (x0, y0, x1, y1))), (truth.file, key, envelope)
            checked += 1
    assert checked > 150


def test_raster_boxes_land_on_ink(generated: Path, truths: list[SampleTruth]) -> None:
    for truth in truths:
        if truth.file.endswith(".pdf"):
            continue
        pages = _pages(generated / truth.file)
        for key, box in truth.boxes.items():
            page = pages[box.page_index]
            assert page.size == tuple(int(v) for v in truth.page_sizes[box.page_index])
            x0, y0, x1, y1 = box.bbox
            crop = page.crop((int(x0 * page.width), int(y0 * page.height),
                              int(x1 * page.width) + 1, int(y1 * page.height) + 1))
            low, high = crop.getextrema()
            assert high - low > 80, (truth.file, key)  # text strokes, not blank paper


def test_chart_questions_are_answerable_from_the_series(truths: list[SampleTruth]) -> None:
    charts = [t for t in truths if t.kind == "chart"]
    assert len(charts) == 2
    for truth in charts:
        assert len(truth.qa) >= 2
        printed = {box.text for box in truth.boxes.values()}
        series = truth.expected["charts"][0]["series"]
        labels = {p["label"] for s in series for p in s["points"]} | {s["name"] for s in series if s["name"]}
        for qa in truth.qa:
            assert qa.answer in labels or qa.answer in printed or re.fullmatch(r"\d+\.\d", qa.answer), qa


def test_entry_point_needs_an_output_folder() -> None:
    assert main([]) == 2


def test_nasty_docs_are_all_written(tmp_path: Path) -> None:
    cases = write_nasty_docs(tmp_path)
    names = [case.file for case in cases]
    assert len(names) == len(set(names)) >= 25
    assert sorted(names) == sorted(p.name for p in tmp_path.iterdir())
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) < 20_000_000
    contents = [hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in names]
    assert len(set(contents)) == len(contents), "two cases share bytes, so one doc_id would hide the other"
    for case in cases:
        assert case.statuses
        assert case.errors or case.statuses == (Status.ok,), case.file
        assert (tmp_path / case.file).resolve().parent == tmp_path.resolve()

    by_name = {case.file: case for case in cases}
    assert (tmp_path / "empty.pdf").stat().st_size == 0
    assert pymupdf.open(tmp_path / "zero_pages.pdf").page_count == 0
    assert pymupdf.open(tmp_path / "encrypted_user_password.pdf").needs_pass
    owner_only = pymupdf.open(tmp_path / "encrypted_owner_only.pdf")
    assert not owner_only.needs_pass and "NST-0001" in owner_only[0].get_text()
    assert pymupdf.open(tmp_path / "many_pages.pdf").page_count == MANY_PAGES == by_name["many_pages.pdf"].pages
    assert pymupdf.open(tmp_path / "bad_xref.pdf").is_repaired
    assert pymupdf.open(tmp_path / "huge_mediabox.pdf")[0].rect.width == 14400
    assert pymupdf.open(tmp_path / "rotated_page.pdf")[0].rotation == 90
    assert pymupdf.open(tmp_path / "embedded_file.pdf").embfile_count() == 1
    scripted = pymupdf.open(tmp_path / "javascript.pdf")
    assert "/JavaScript" in scripted.xref_get_key(scripted.pdf_catalog(), "OpenAction")[1]
    assert INJECTION in pymupdf.open(tmp_path / "prompt_injection.pdf")[0].get_text()
    ccitt = pymupdf.open(tmp_path / "ccitt_g4.pdf")
    assert any("CCITTFaxDecode" in ccitt.xref_object(x) for x in range(1, ccitt.xref_length()))
    assert ccitt[0].get_pixmap(dpi=20).width > 0
    assert pymupdf.open(tmp_path / "scan_0001.png").page_count == 1  # a PDF despite its name

    truncated = pymupdf.open(tmp_path / "truncated.pdf")
    assert truncated.is_repaired and "Page 1 line 1" in truncated[0].get_text()

    # Header only (Pillow refuses to even open these): width, height, bit depth, colour type.
    assert struct.unpack(">IIBB", (tmp_path / "huge_1bit.png").read_bytes()[16:26]) == (35000, 35000, 1, 0)
    assert struct.unpack(">IIBB", (tmp_path / "deflate_bomb.png").read_bytes()[16:26]) == (16384, 16384, 8, 2)
    with Image.open(tmp_path / "broken_second_frame.tiff") as frames:
        assert frames.n_frames == 2
        frames.load()
        frames.seek(1)
        with pytest.raises(OSError):
            frames.load()
    for name, mode in (("cmyk.jpg", "CMYK"), ("gray16.png", "I;16"), ("ccitt_g4.tiff", "1")):
        with Image.open(tmp_path / name) as image:
            assert image.mode == mode
            image.load()


def test_nasty_case_accepts_only_listed_outcomes() -> None:
    case = NastyCase(file="x.pdf", description="d", statuses=(Status.ok, Status.failed),
                     errors=(ErrorCategory.too_large,))
    assert case.accepts(Status.ok, None)
    assert case.accepts(Status.failed, ErrorCategory.too_large)
    assert not case.accepts(Status.failed, ErrorCategory.crash)
    assert not case.accepts(Status.partial, ErrorCategory.too_large)


def test_bench_corpus_is_deterministic_and_mixes_text_and_image_pages(tmp_path: Path) -> None:
    first = write_bench_corpus(tmp_path / "a", n_pages=45, pages_per_doc=10, seed=3)
    second = write_bench_corpus(tmp_path / "b", n_pages=45, pages_per_doc=10, seed=3)
    assert [p.name for p in first] == [p.name for p in second] and len(first) == 5
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    pages = [page.get_text().strip() for path in first for page in pymupdf.open(path)]
    assert len(pages) == 45
    assert 0 < sum(1 for text in pages if not text) < 20  # some image-only pages, mostly text
