"""Reading small crops of a page (one word each) with an OCR engine, recognition only where possible.

Engines that offer `recognize_crops(images) -> [(text, confidence)]` (recognition without
detection; images as HxWx3 BGR arrays, OpenCV's channel order) are used directly. Any other engine gets the crops pasted one per row into a single
white image, read with its ordinary `recognize`, each word assigned back to the row it lies in:
one page-sized call instead of one call per crop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from docpipe.ocr.base import OcrEngine

_GAP = 0.8  # blank space between mosaic rows, as a share of the tallest crop
_PAD = 12  # pixels of white around the mosaic


def read_crops(engine: OcrEngine, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    """(text, confidence 0-1) per crop, same order. Crops are HxWx3 uint8 RGB arrays, upright."""
    if not crops:
        return []
    direct = getattr(engine, "recognize_crops", None)
    if callable(direct):
        bgr = [np.ascontiguousarray(crop[:, :, 2::-1]) for crop in crops]
        return [(str(text), float(conf)) for text, conf in direct(bgr)]
    return _read_as_mosaic(engine, crops)


def _read_as_mosaic(engine: OcrEngine, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    tallest = max(c.shape[0] for c in crops)
    gap = max(4, int(tallest * _GAP))
    width = max(c.shape[1] for c in crops) + 2 * _PAD
    height = sum(c.shape[0] for c in crops) + gap * (len(crops) - 1) + 2 * _PAD
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    bands: list[tuple[float, float]] = []
    y = _PAD
    for crop in crops:
        h, w = crop.shape[:2]
        canvas[y:y + h, _PAD:_PAD + w] = crop[:, :, :3]
        bands.append(((y - gap / 2) / height, (y + h + gap / 2) / height))
        y += h + gap
    words = engine.recognize(Image.fromarray(canvas))
    found: list[list[tuple[float, str, float]]] = [[] for _ in crops]
    for word in words:
        cy = (word.bbox[1] + word.bbox[3]) / 2
        for index, (top, bottom) in enumerate(bands):
            if top <= cy < bottom:
                found[index].append((word.bbox[0], word.text, word.conf))
                break
    out: list[tuple[str, float]] = []
    for parts in found:
        parts.sort()
        text = " ".join(t for _, t, _ in parts)
        conf = float(np.mean([c for _, _, c in parts])) if parts else 0.0
        out.append((text, conf))
    return out
