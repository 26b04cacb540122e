"""rapidocr word layer on synthetic scans: words, boxes, rotations, offline loading."""

from __future__ import annotations

import difflib
import socket
from collections.abc import Iterator

import pytest
from PIL import Image

from docpipe.ocr.geometry import bbox_iou, rotate_bbox
from docpipe.ocr.rapid import RapidOcrConfig, RapidOcrEngine, bundled_model_paths, proportional_spans, word_spans
from docpipe.ocr.reading_order import reading_order_text
from docpipe.ocr.synthetic import DrawnWord, SyntheticPage, render_lines, rotate_page
from docpipe.records import Word

LINES = [
    (0.08, 0.08, "Invoice number INV-2024-0042"),
    (0.08, 0.14, "Date: 12 March 2024"),
    (0.08, 0.20, "Total amount due 1,234.56 EUR"),
    (0.08, 0.40, "Bill to: Acme Corporation Ltd"),
    (0.08, 0.46, "Payment within thirty days"),
]

LINES_UPRIGHT = [
    "Invoice number 4711 for services",
    "Customer Acme Corporation Limited",
    "Payment due within thirty days",
]


def _shift(
    bbox: tuple[float, float, float, float], size: tuple[int, int], at: tuple[int, int], page: tuple[int, int]
) -> tuple[float, float, float, float]:
    """A box normalised to a pasted strip, re-normalised to the page it was pasted on."""
    (w, h), (ox, oy), (pw, ph) = size, at, page
    return ((bbox[0] * w + ox) / pw, (bbox[1] * h + oy) / ph, (bbox[2] * w + ox) / pw, (bbox[3] * h + oy) / ph)


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network access is disabled in this test")


@pytest.fixture(scope="module")
def engine() -> Iterator[RapidOcrEngine]:
    # Loaded with sockets disabled: if rapidocr tried to fetch a model, loading would fail here.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "socket", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        yield RapidOcrEngine(RapidOcrConfig(threads=2))


@pytest.fixture(scope="module")
def page() -> SyntheticPage:
    return render_lines(LINES, size=(1000, 1200), font_size=30)


@pytest.fixture(scope="module")
def page_words(engine: RapidOcrEngine, page: SyntheticPage) -> list[Word]:
    return engine.recognize(page.image)


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _match(drawn: list[DrawnWord], words: list[Word]) -> list[tuple[DrawnWord, Word | None]]:
    """Each drawn word with the most similar recognised word that overlaps it (None if no match)."""
    pairs: list[tuple[DrawnWord, Word | None]] = []
    for d in drawn:
        best = max(words, key=lambda w: (_similar(d.text, w.text), bbox_iou(d.bbox, w.bbox)), default=None)
        pairs.append((d, best if best is not None and _similar(d.text, best.text) >= 0.8 else None))
    return pairs


def _assert_read_and_placed(drawn: list[DrawnWord], words: list[Word]) -> None:
    pairs = _match(drawn, words)
    found = [(d, w) for d, w in pairs if w is not None]
    assert len(found) >= 0.9 * len(drawn), [d.text for d, w in pairs if w is None]
    placed = [d.text for d, w in found if bbox_iou(d.bbox, w.bbox) >= 0.5]
    assert len(placed) >= 0.8 * len(found), [(d.text, d.bbox, w.bbox) for d, w in found]


def test_reads_words_with_boxes_where_they_were_drawn(page: SyntheticPage, page_words: list[Word]) -> None:
    words = page_words
    _assert_read_and_placed(page.words, words)
    for w in words:
        x0, y0, x1, y1 = w.bbox
        assert 0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0
        assert 0.5 <= w.conf <= 1.0


def test_line_ids_follow_drawn_lines_and_blocks_split_at_gaps(page_words: list[Word]) -> None:
    words = page_words
    by_text = {w.text.lower(): w for w in words}
    assert by_text["invoice"].line_id == by_text["number"].line_id
    assert by_text["date:"].line_id == by_text["invoice"].line_id + 1
    # Lines 0-2 sit close together; a wide gap separates them from lines 3-4.
    assert by_text["invoice"].block_id == by_text["total"].block_id
    assert by_text["acme"].block_id == by_text["payment"].block_id != by_text["total"].block_id
    text = reading_order_text(words)
    assert text.splitlines()[0].lower().startswith("invoice number")
    assert text.splitlines()[-1].lower().startswith("payment within")


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_turned_pages_are_read_and_boxes_land_on_the_displayed_page(
    engine: RapidOcrEngine, page: SyntheticPage, degrees: int
) -> None:
    turned = rotate_page(page, degrees)
    words = engine.recognize(turned.image)
    _assert_read_and_placed(turned.words, words)
    # The text still comes out in the order it was written, not in displayed-image order.
    lines = reading_order_text(words).lower().splitlines()
    assert lines[0].startswith("invoice number") and lines[-1].startswith("payment within")


def test_single_upside_down_line_on_an_upright_page(engine: RapidOcrEngine) -> None:
    base = render_lines([(0.1, 0.1 + 0.06 * k, t) for k, t in enumerate(LINES_UPRIGHT)], size=(1000, 800))
    stamp = render_lines([(0.02, 0.1, "Stamp received 2024-05-17")], size=(600, 80))
    base.image.paste(stamp.image.rotate(180), (200, 500))
    words = engine.recognize(base.image)
    expected = [
        DrawnWord(
            d.text,
            _shift(rotate_bbox(d.bbox, 180), (600, 80), (200, 500), base.image.size),
            d.line,
        )
        for d in stamp.words
    ]
    _assert_read_and_placed(expected + base.words, words)
    stamp_words = [w for w in words if w.text in {"Stamp", "received", "2024-05-17"}]
    assert len({w.line_id for w in stamp_words}) == 1


def test_two_column_page_reads_column_by_column(engine: RapidOcrEngine) -> None:
    left = ["The first column starts here with", "several words on every line so", "that it reads like running text"]
    right = ["Second column text begins over", "here and also has many words", "until the very end of it"]
    lines = [(0.08, 0.05, "A Title Spanning Both Columns Of This Page Layout")]
    lines += [(0.08, 0.15 + 0.05 * k, t) for k, t in enumerate(left)]
    lines += [(0.52, 0.15 + 0.05 * k, t) for k, t in enumerate(right)]
    page = render_lines(lines, size=(1240, 800), font_size=24)
    text = reading_order_text(engine.recognize(page.image)).lower()
    order = [text.find(s) for s in ("a title", "the first column", "that it reads", "second column", "until the very")]
    assert all(k >= 0 for k in order), text
    assert order == sorted(order), text


def test_blank_page_has_no_words(engine: RapidOcrEngine) -> None:
    assert engine.recognize(Image.new("RGB", (800, 1000), "white")) == []


def test_loads_and_reads_with_network_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    import rapidocr.utils.download_file as download_file

    def _refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("rapidocr tried to download a model")

    monkeypatch.setattr(socket, "socket", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(download_file.DownloadFile, "run", classmethod(_refuse))
    engine = RapidOcrEngine(RapidOcrConfig(threads=1))
    page = render_lines([(0.05, 0.2, "Offline reading works")], size=(700, 200), font_size=32)
    assert [w.text for w in engine.recognize(page.image)] == ["Offline", "reading", "works"]


def test_models_are_the_ones_inside_the_wheel() -> None:
    paths = bundled_model_paths()
    assert set(paths) == {"det", "cls", "rec"}
    for path in paths.values():
        assert path.is_file() and path.parent.name == "models" and "rapidocr" in path.parts


def test_proportional_split_when_no_character_positions() -> None:
    spans = proportional_spans("ab  cdef", 0.9)
    assert [(t, round(s, 3), round(e, 3)) for t, _, s, e in spans] == [("ab", 0.0, 0.25), ("cdef", 0.5, 1.0)]
    assert word_spans("ab  cdef", None, 0.9) == spans


def test_an_upright_page_the_orientation_vote_calls_upside_down_is_read_upright(
    engine: RapidOcrEngine, page: SyntheticPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blurred or noisy upright scan can fool the line classifier's vote (fresh-user test: a
    Courier receipt came out last line first). When most of the turned page then reads better the
    other way up, the page is read as detected: same words, same boxes, written order."""
    monkeypatch.setattr(engine, "_orientation", lambda crops: (True, [True] * len(crops)))
    words = engine.recognize(page.image)
    _assert_read_and_placed(page.words, words)
    lines = reading_order_text(words).lower().splitlines()
    assert lines[0].startswith("invoice number") and lines[-1].startswith("payment within")
    assert [w.text.lower() for w in words[:2]] == ["invoice", "number"]
