"""What every OCR engine offers the word-layer stage, and how page bytes become an image."""

from __future__ import annotations

import io
import os
from typing import Protocol

from PIL import Image, ImageOps

from docpipe.records import Word, WordSource


class OcrUnavailable(RuntimeError):
    """The engine cannot be used at all (package or model files missing): a fatal config error."""


class OcrEngine(Protocol):
    name: WordSource

    def recognize(self, image: Image.Image) -> list[Word]:
        """Words of one page image, boxes normalised to that image as displayed.

        Words of a line are listed in reading order; `line_id` increases in reading order.
        """
        ...


def decode_page_image(data: bytes) -> Image.Image:
    """RGB image of the page as displayed (EXIF orientation applied, no-op when there is none)."""
    with Image.open(io.BytesIO(data)) as opened:
        upright = ImageOps.exif_transpose(opened)
        return upright.convert("RGB")


def default_threads() -> int:
    """CPUs this process may use, capped: OCR models stop scaling beyond a few threads, and the
    executor runs several workers side by side."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(4, available))
