"""Pixel caps and coordinate conversion shared by the PDF and image paths."""

from __future__ import annotations

import math

from docpipe.records import BBox


def capped_zoom(width_pt: float, height_pt: float, zoom: float, max_pixels: int) -> float:
    """The largest zoom <= `zoom` whose rendered pixmap (MuPDF rounds sizes up) fits max_pixels."""
    if width_pt * height_pt * zoom * zoom > max_pixels:
        zoom = math.sqrt(max_pixels / (width_pt * height_pt))
    # Rounding up to whole pixels can push the product over the cap; shrink until it fits.
    for _ in range(64):
        pixels = math.ceil(width_pt * zoom) * math.ceil(height_pt * zoom)
        if pixels <= max_pixels:
            break
        zoom *= math.sqrt(max_pixels / pixels) * 0.999
    return zoom


def capped_size(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """(w, h) scaled down, aspect kept, so that w * h <= max_pixels; unchanged if already small."""
    if width * height <= max_pixels:
        return width, height
    scale = math.sqrt(max_pixels / (width * height))
    new_w = max(1, math.floor(width * scale))
    new_h = max(1, min(math.floor(height * scale), max_pixels // new_w))
    new_w = max(1, min(new_w, max_pixels // new_h))
    return new_w, new_h


def normalised_bbox(
    x0: float, y0: float, x1: float, y1: float, width: float, height: float
) -> BBox | None:
    """A box in page units as 0..1 fractions of the page, clamped; None if nothing is left."""
    if width <= 0 or height <= 0:
        return None
    left, right = sorted((x0 / width, x1 / width))
    top, bottom = sorted((y0 / height, y1 / height))
    if not all(math.isfinite(v) for v in (left, top, right, bottom)):
        return None
    if right < 0.0 or left > 1.0 or bottom < 0.0 or top > 1.0:  # entirely off the page
        return None
    return (max(left, 0.0), max(top, 0.0), min(right, 1.0), min(bottom, 1.0))
