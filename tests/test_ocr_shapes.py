"""rapidocr word layer on extreme shapes, turned and skewed pages, and the crop reader."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docpipe.evaluate.text import cer
from docpipe.ocr.geometry import rotate_bbox
from docpipe.ocr.rapid import RapidOcrConfig, RapidOcrEngine
from docpipe.ocr.reading_order import reading_order_text
from docpipe.ocr.synthetic import render_lines


@pytest.fixture(scope="module")
def engine() -> Iterator[RapidOcrEngine]:
    yield RapidOcrEngine(RapidOcrConfig(threads=2))


def till_roll(length_mm: float, rows: list[int] | None = None, dpi: int = 150) -> tuple[Image.Image, list[str]]:
    """An 80 mm till roll `length_mm` long: item lines every 34 px (or only at `rows`)."""
    width, height = round(80 / 25.4 * dpi), round(length_mm / 25.4 * dpi)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    rng = random.Random(length_mm)
    words: list[str] = []
    positions = rows if rows is not None else list(range(20, height - 40, 34))
    for k, y in enumerate(positions):
        line = f"ITEM{k:04d} {rng.randint(1, 99)}.{rng.randint(0, 99):02d}"
        draw.text((15, y), line, font=font, fill="black")
        words += line.split()
    return image, words


def test_a_one_metre_till_roll_gives_its_words_in_order(engine: RapidOcrEngine) -> None:
    image, truth = till_roll(1000)
    assert image.height / image.width > 12
    words = engine.recognize(image)
    found = [w.text for w in words]
    assert sum(1 for t in truth if t in set(found)) >= 0.98 * len(truth)
    # Read top to bottom across the detector's tiles, and each word only once.
    assert cer(" ".join(found), " ".join(truth)) < 0.02
    assert len(found) <= len(truth)


def test_a_two_metre_roll_keeps_text_at_its_ends_and_middle(engine: RapidOcrEngine) -> None:
    height = round(2000 / 25.4 * 150)
    image, truth = till_roll(2000, rows=[30, 64, height // 2, height // 2 + 34, height - 90, height - 56])
    assert [w.text for w in engine.recognize(image)] == truth


def test_a_wide_banner_is_read_across_tile_edges(engine: RapidOcrEngine) -> None:
    text = " ".join(f"word{k:02d}" for k in range(60))
    image = Image.new("RGB", (7200, 120), "white")
    ImageDraw.Draw(image).text((20, 40), text, font=ImageFont.load_default(size=30), fill="black")
    found = " ".join(w.text for w in engine.recognize(image))
    assert cer(found, text) < 0.03


LINES = [(0.08, 0.06, "Invoice INV-2024-0042 from Example Services Ltd")]
LEFT = ["The first column starts here with", "several words on every line so", "that it reads like running text",
        "and goes on for a few more lines", "before it reaches its very end"]
RIGHT = ["Second column text begins over", "here and also has many words", "until the very end of it where",
         "the page number and the footer", "finally close the whole page"]


@pytest.fixture(scope="module")
def two_columns() -> Image.Image:
    lines = LINES + [(0.08, 0.14 + 0.05 * k, t) for k, t in enumerate(LEFT)]
    lines += [(0.54, 0.14 + 0.05 * k, t) for k, t in enumerate(RIGHT)]
    return render_lines(lines, size=(1240, 900), font_size=26).image


@pytest.fixture(scope="module")
def upright_words(engine: RapidOcrEngine, two_columns: Image.Image):
    return engine.recognize(two_columns)


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_turned_pages_give_the_upright_words_order_and_boxes(
    engine: RapidOcrEngine, two_columns: Image.Image, upright_words, degrees: int
) -> None:
    words = engine.recognize(two_columns.rotate(-degrees, expand=True))
    assert [w.text for w in words] == [w.text for w in upright_words]
    assert [(w.line_id, w.block_id) for w in words] == [(w.line_id, w.block_id) for w in upright_words]
    for turned, upright in zip(words, upright_words, strict=True):
        assert np.allclose(turned.bbox, rotate_bbox(upright.bbox, degrees), atol=1e-3)


@pytest.mark.parametrize("skew", [2.5, -2.5])
def test_a_skewed_two_column_page_reads_like_the_upright_one(
    engine: RapidOcrEngine, two_columns: Image.Image, upright_words, skew: float
) -> None:
    upright = reading_order_text(upright_words)
    assert upright.splitlines()[1:6] == LEFT and upright.splitlines()[6:11] == RIGHT
    skewed = engine.recognize(two_columns.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor="white"))
    assert cer(reading_order_text(skewed), upright) < 0.02


def test_recognize_crops_reads_word_images_without_detection(engine: RapidOcrEngine) -> None:
    page = render_lines([(0.05, 0.2, "Total 1,234.56 EUR")], size=(700, 200), font_size=32)
    width, height = page.image.size
    pixels = np.asarray(page.image)
    crops = []
    for w in page.words:
        x0, y0, x1, y1 = w.bbox
        crops.append(pixels[int(y0 * height) - 6 : int(y1 * height) + 6, int(x0 * width) - 6 : int(x1 * width) + 6])
    crops.append(np.full((30, 80), 255, dtype=np.uint8))  # a blank grey crop
    crops.append(np.zeros((0, 0, 3), dtype=np.uint8))  # an empty one
    reads = engine.recognize_crops(crops)
    assert [t for t, _ in reads[:3]] == ["Total", "1,234.56", "EUR"]
    assert all(0.8 <= c <= 1.0 for _, c in reads[:3])
    assert reads[4] == ("", 0.0) and reads[3][1] < 0.8
