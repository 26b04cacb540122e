"""Word spaces the recogniser misses in condensed or wide type (docpipe/ocr/word_gaps.py).

Generated lines with known words: a shop-name header printed in condensed type with narrow
word gaps (the recogniser reads it as one run-together word) comes out as its words; ordinary
lines, codes and numbers come out exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docpipe.ocr.rapid import RapidOcrConfig, RapidOcrEngine, word_spans
from docpipe.ocr.word_gaps import added_spaces, ink_columns, ink_gaps, protected, suspect_line, widen_gaps
from docpipe.records import Word

HEADERS = [
    "MEGA BUILD HARDWARE SUPPLY",
    "KEDAI RUNCIT MAJU JAYA",
    "GOLDEN HARBOUR TRADING",
    "SYARIKAT PERNIAGAAN BESTARI",
]
ORDINARY = [
    "INV-2024-001 paid in full",
    "Total 1.505,31",
    "Thank you for shopping with us",
    "Description of goods 12:30",
]


def _strip(text: str, font_size: int, word_gap: float, stretch: float) -> Image.Image:
    """One line drawn word by word `word_gap` pixels apart, then scaled across by `stretch`."""
    font = ImageFont.load_default(size=font_size)
    image = Image.new("L", (3000, font_size * 2), 255)
    draw = ImageDraw.Draw(image)
    x = 4.0
    for word in text.split():
        draw.text((x, font_size // 3), word, font=font, fill=0)
        x += draw.textlength(word, font=font) + word_gap
    image = image.crop((0, 0, int(x) + 4, font_size * 2))
    return image.resize((max(1, int(image.width * stretch)), image.height), Image.Resampling.LANCZOS)


def _page(lines: list[tuple[str, float, float]]) -> Image.Image:
    """(text, word gap, stretch) per line, stacked on a white page."""
    page = Image.new("RGB", (1000, 100 + 70 * len(lines)), "white")
    for k, (text, gap, stretch) in enumerate(lines):
        page.paste(_strip(text, 26, gap, stretch).convert("RGB"), (40, 40 + 70 * k))
    return page


def _lines(words: list[Word]) -> list[str]:
    by_line: dict[int, list[str]] = {}
    for w in words:
        by_line.setdefault(w.line_id, []).append(w.text)
    return [" ".join(v) for _, v in sorted(by_line.items())]


@pytest.fixture(scope="module")
def engine() -> Iterator[RapidOcrEngine]:
    yield RapidOcrEngine(RapidOcrConfig(threads=2))


def _boundaries(truth: str, read: str) -> tuple[int, int]:
    """(true word boundaries found, boundaries put inside a word) of a read line, or (-1, -1)
    when its letters differ from the truth's."""
    if truth.replace(" ", "") != read.replace(" ", ""):
        return -1, -1

    def cuts(s: str) -> set[int]:
        out, k = set(), 0
        for c in s:
            if c == " ":
                out.add(k)
            else:
                k += 1
        return out

    true, got = cuts(truth), cuts(read)
    return len(true & got), len(got - true)


def test_condensed_headers_with_narrow_word_gaps_are_split_at_their_word_gaps(engine: RapidOcrEngine) -> None:
    lines = [(t, 2.0, stretch) for stretch in (0.5, 0.6, 0.7) for t in HEADERS]
    page = _page(lines)
    truth = [t for t, _, _ in lines]
    # Without the second reading the recogniser runs the words together (the reproduction).
    plain = RapidOcrEngine.__new__(RapidOcrEngine)
    plain.__dict__.update(engine.__dict__)
    plain._respace = lambda lines: {}  # type: ignore[method-assign]
    before = [_boundaries(t, r) for t, r in zip(truth, _lines(plain.recognize(page)), strict=True)]
    after = [_boundaries(t, r) for t, r in zip(truth, _lines(engine.recognize(page)), strict=True)]
    total = sum(t.count(" ") for t in truth)
    assert all(b[0] >= 0 for b in before + after)  # every line read letter for letter
    assert sum(b[0] for b in before) <= total // 4
    # Most word gaps found, none put inside a word.
    assert sum(a[0] for a in after) >= 0.6 * total
    assert sum(a[1] for a in after) == 0


def test_double_width_type_keeps_its_words_whole(engine: RapidOcrEngine) -> None:
    # Letters 4-6 CTC columns apart: rapidocr's fixed 5-column word split cut 'HARDW ARE', 'M AJU'.
    page = _page([(t, 8, 2.0) for t in HEADERS[:3]])
    words = [w.text for w in engine.recognize(page)]
    assert sorted(words) == sorted(" ".join(HEADERS[:3]).split())


def _letter_spaced(text: str, letter: float, word: float, size: int = 28) -> Image.Image:
    """`text` drawn letter by letter, `letter` pixels between letters and `word` at a space."""
    font = ImageFont.load_default(size=size)
    image = Image.new("L", (3000, size * 2), 255)
    draw = ImageDraw.Draw(image)
    x = 5.0
    for ch in text:
        if ch == " ":
            x += word
            continue
        draw.text((x, size // 3), ch, font=font, fill=0)
        x += draw.textlength(ch, font=font) + letter
    return image.crop((0, 0, int(x) + 5, size * 2))


def test_letter_spaced_words_are_joined_and_split_at_the_word_gaps(engine: RapidOcrEngine) -> None:
    texts = ["GOLDEN HARBOUR TRADING", "RUNCIT MAJU", "TOTAL 45.90", "MEGA BUILD SUPPLY"]
    page = Image.new("RGB", (1400, 400), "white")
    for k, text in enumerate(texts):
        page.paste(_letter_spaced(text, 12, 40).convert("RGB"), (30, 30 + 80 * k))
    words = [w.text for w in engine.recognize(page)]
    truth = " ".join(texts).split()
    # Letters 6 columns apart are one word (rapidocr alone gave 'S', 'A', 'N', ... per letter),
    # and no word runs two printed words together.
    assert sorted(words) == sorted(truth)


def test_ordinary_lines_codes_and_numbers_are_unchanged(engine: RapidOcrEngine) -> None:
    page = _page([(t, 8, 1.0) for t in ORDINARY])
    assert _lines(engine.recognize(page)) == ORDINARY


def test_added_spaces_only_adds_allowed_boundaries() -> None:
    assert added_spaces("GOLDENHARBOURTRADING", "GOLDEN HARBOUR TRADING") == {5, 12}
    # Spaces are only added: one the first reading had and the second lacks stays.
    assert added_spaces("AB CDEF", "ABCD EF") == {3}
    # Different characters: the second reading is not trusted at all.
    assert added_spaces("HARDWARE", "HARD WAKE") == set()
    # Never inside a number, between digits, before closing or after opening punctuation.
    assert added_spaces("1.505,31", "1. 505, 31") == set()
    assert added_spaces("Total:12:30", "Total : 12: 30") == {5}
    assert added_spaces("SUPPLY(M)", "SUPPLY ( M )") == {5}
    # Never inside an e-mail or web address.
    assert added_spaces("shop@mail.com", "shop@ mail. com") == set()
    assert added_spaces("www.shop.com.my", "www. shop. com.my") == set()
    # A one-letter piece means letter gaps were taken for word gaps.
    assert added_spaces("GOLDENHARBOUR", "GOL D EN HARBOUR") == set()


def test_protected_pairs() -> None:
    assert protected(list("12"), 0)
    assert protected(list("1.5"), 0) and protected(list("1.5"), 1)
    assert protected(list("A)"), 0) and protected(list("(A"), 0)
    assert not protected(list("AB"), 0)
    assert not protected(list("4J"), 0)


def test_suspect_lines() -> None:
    long_run = "SHOPNAMEINONEWORD"
    chars = list(long_run)
    assert suspect_line(long_run, chars, [1] * (len(chars) - 1), [True] * (len(chars) - 1), 40)
    short = "AB CD EF GH"
    chars = list(short.replace(" ", ""))
    flags = [k % 2 == 0 for k in range(len(chars) - 1)]
    assert not suspect_line(short, chars, [2] * (len(chars) - 1), flags, 40)
    # One ink gap far wider than every other letter gap of the line.
    text = "4ABCDEFGHI"
    chars = list(text)
    gaps = [9, 1, 2, 1, 2, 1, 2, 1, 2]
    assert suspect_line(text, chars, gaps, [True] * 9, 40)
    assert not suspect_line(text, chars, [2] + gaps[1:], [True] * 9, 40)
    # ... unless it is a gap inside a number.
    assert not suspect_line("41ABCDEFGH", list("41ABCDEFGH"), gaps, [True] * 9, 40)


def test_widen_gaps_repeats_blank_columns_only() -> None:
    mask = np.zeros((10, 8), dtype=bool)
    mask[2:8, 0:2] = True
    mask[2:8, 5:7] = True
    ink = ink_columns(mask)
    assert ink.tolist() == [True, True, False, False, False, True, True, False]
    assert ink_gaps(ink, [0.5, 5.5]) == [3]
    crop = np.arange(8)[None, :].repeat(3, axis=0)
    wide = widen_gaps(crop, ink, 2)
    assert wide.shape == (3, 12)
    assert wide[0].tolist() == [0, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 7]


def test_word_spans_split_at_extra_breaks() -> None:
    info = SimpleNamespace(
        words=[list("SANYUSTATIONERY")],
        word_cols=[[2 + 3 * k for k in range(15)]],
        line_txt_len=50.0,
        confs=[0.9] * 15,
    )
    plain = word_spans("SANYUSTATIONERY", info, 0.9)
    split = word_spans("SANYUSTATIONERY", info, 0.9, {4})
    assert [w for w, *_ in plain] == ["SANYUSTATIONERY"]
    assert [w for w, *_ in split] == ["SANYU", "STATIONERY"]
    # The two boxes meet where the first word's last character and the second's first are.
    assert split[0][2] == plain[0][2] and split[1][3] == plain[0][3]
    assert split[0][3] <= split[1][2] + 1e-9


def test_a_separator_dot_glued_to_words_becomes_a_word_of_its_own() -> None:
    # A scan of 'S.p.A. · P.IVA' whose narrow spaces around the dot the recogniser did not emit.
    text = "S.p.A.·P.IVA"
    info = SimpleNamespace(words=[list(text)], word_cols=[[2 + 3 * k for k in range(len(text))]],
                           line_txt_len=60.0, confs=[0.9] * len(text))
    assert [w for w, *_ in word_spans(text, info, 0.9)] == ["S.p.A.", "·", "P.IVA"]
    assert [w for w, *_ in word_spans("GmbH•", SimpleNamespace(
        words=[list("GmbH•")], word_cols=[[2, 5, 8, 11, 14]], line_txt_len=30.0, confs=[0.9] * 5), 0.9)] == ["GmbH", "•"]
    # The Catalan 'l·l' is a letter pair, not a separator.
    word = "col·lecció"
    info = SimpleNamespace(words=[list(word)], word_cols=[[2 + 3 * k for k in range(len(word))]],
                           line_txt_len=40.0, confs=[0.9] * len(word))
    assert [w for w, *_ in word_spans(word, info, 0.9)] == [word]


def test_a_glyph_read_twice_by_overlapping_line_boxes_is_dropped() -> None:
    from docpipe.ocr.rapid import without_reread_glyphs
    from docpipe.records import Word

    def word(text: str, x0: float, x1: float, conf: float, y0: float = 0.285) -> Word:
        return Word(text=text, bbox=[x0, y0, x1, y0 + 0.025], conf=conf, line_id=0)

    date = [word("Nov", 0.03, 0.09, 0.99), word("5,", 0.11, 0.14, 0.99), word("2023", 0.194, 0.279, 0.99999),
            word("3", 0.271, 0.279, 0.9523), word("8:03", 0.32, 0.40, 0.99)]
    assert [w.text for w in without_reread_glyphs(date)] == ["Nov", "5,", "2023", "8:03"]
    # kept: a short word beside a longer one, one that is not part of it, one the OCR is surer of,
    # and one on the line below whose box only touches it
    kept = [word("2023", 0.194, 0.279, 0.90), word("3", 0.28, 0.29, 0.80), word("x", 0.20, 0.21, 0.80),
            word("20", 0.20, 0.23, 0.95), word("23", 0.20, 0.23, 0.80, y0=0.30)]
    assert [w.text for w in without_reread_glyphs(kept)] == ["2023", "3", "x", "20", "23"]
