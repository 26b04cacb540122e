"""Synthetic scanned pages with known words and boxes, for OCR tests and `bench_ocr`.

Text is drawn word by word so every word's true box is known. The font is Pillow's bundled
TrueType font (`ImageFont.load_default(size=...)`, Pillow >= 10.1), so no system fonts are needed.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from docpipe.ocr.geometry import rotate_bbox
from docpipe.records import BBox

A4_150DPI = (1240, 1754)

_VOCAB = (
    "invoice total amount due date customer order number payment terms net tax vat "
    "subtotal quantity price description item delivery address account bank reference "
    "services consulting hours rate discount shipping balance contract period supplier "
    "office street city postal code country phone email website approved signature"
).split()


@dataclass(frozen=True)
class DrawnWord:
    text: str
    bbox: BBox  # normalised to the page, like Word.bbox
    line: int


@dataclass
class SyntheticPage:
    image: Image.Image
    words: list[DrawnWord]

    def png_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, format="PNG")
        return buf.getvalue()


def render_lines(
    lines: list[tuple[float, float, str]],
    size: tuple[int, int] = A4_150DPI,
    font_size: int = 28,
) -> SyntheticPage:
    """Draw text lines given as (x, y, text) with x, y the normalised top-left of the line."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size)
    space = draw.textlength(" ", font=font)
    words: list[DrawnWord] = []
    for line_no, (x, y, text) in enumerate(lines):
        cx, cy = x * width, y * height
        for token in text.split():
            draw.text((cx, cy), token, font=font, fill="black")
            x0, y0, x1, y1 = draw.textbbox((cx, cy), token, font=font)
            words.append(DrawnWord(token, (x0 / width, y0 / height, x1 / width, y1 / height), line_no))
            cx += draw.textlength(token, font=font) + space
    return SyntheticPage(image, words)


def rotate_page(page: SyntheticPage, degrees: int) -> SyntheticPage:
    """The same page turned clockwise, as a scanner fed sideways or upside down would show it."""
    turned = page.image.rotate(-degrees, expand=True)  # PIL turns anticlockwise
    words = [DrawnWord(w.text, rotate_bbox(w.bbox, degrees), w.line) for w in page.words]
    return SyntheticPage(turned, words)


def random_text_page(
    seed: int,
    size: tuple[int, int] = A4_150DPI,
    font_size: int = 22,
    n_lines: int = 40,
) -> SyntheticPage:
    """A dense page of invoice-like words and numbers (deterministic for a seed)."""
    rng = random.Random(seed)
    lines: list[tuple[float, float, str]] = []
    step = 0.85 / n_lines
    for k in range(n_lines):
        tokens = []
        for _ in range(rng.randint(3, 8)):
            if rng.random() < 0.25:
                tokens.append(f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}")
            else:
                tokens.append(rng.choice(_VOCAB).capitalize() if rng.random() < 0.3 else rng.choice(_VOCAB))
        lines.append((0.08, 0.06 + k * step, " ".join(tokens)))
    return render_lines(lines, size=size, font_size=font_size)


def scanned(page: SyntheticPage, seed: int, max_skew: float = 1.2) -> SyntheticPage:
    """The page as a grey office scan: turned by up to `max_skew` degrees about its centre
    (keeping its size, as a sheet fed slightly askew), softened and with sensor noise.

    Word boxes follow the turn (each box is the box around its turned corners).
    """
    rng = random.Random(seed)
    degrees = rng.uniform(-max_skew, max_skew)
    width, height = page.image.size
    grey = page.image.convert("L").rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    grey = grey.filter(ImageFilter.GaussianBlur(0.6))
    pixels = np.asarray(grey, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0.0, 6.0, size=pixels.shape)
    grey = Image.fromarray(np.clip(pixels * 0.82 + 38 + noise, 0, 255).astype(np.uint8))
    theta = math.radians(degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    cx, cy = width / 2, height / 2

    def turn(x: float, y: float) -> tuple[float, float]:
        # PIL turns anticlockwise as seen for positive degrees (y axis pointing down).
        dx, dy = x * width - cx, y * height - cy
        return (cx + dx * cos + dy * sin) / width, (cy - dx * sin + dy * cos) / height

    words = []
    for w in page.words:
        x0, y0, x1, y1 = w.bbox
        corners = [turn(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        words.append(DrawnWord(w.text, (min(xs), min(ys), max(xs), max(ys)), w.line))
    return SyntheticPage(grey.convert("RGB"), words)


def bench_set(n: int = 10, seed: int = 0) -> list[SyntheticPage]:
    """`n` synthetic A4 pages at 150 dpi, scanned (slightly turned, grey, noisy), for `bench_ocr`."""
    return [scanned(random_text_page(seed + k), seed + k) for k in range(n)]


def bench_pages(n: int = 10, seed: int = 0) -> list[bytes]:
    """The pages of `bench_set` as PNG bytes."""
    return [page.png_bytes() for page in bench_set(n, seed)]
