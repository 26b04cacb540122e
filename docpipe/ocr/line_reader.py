"""Batched text-line recognition for PP-OCR recognisers: crops in, (text, confidence, positions) out.

rapidocr's own batching pads every batch to at least 320 pixels wide (its `rec_img_shape`) and
takes fixed-size batches of crops sorted by aspect ratio. On documents most crops are short
(a number, a label: median aspect 3-5, i.e. 150-250 pixels at the recogniser's height of 48),
so a third to a half of the recogniser's work went into padding. Here each crop is resized to
the recogniser's height at its own aspect ratio and batched only with crops of the same width:
no padding at all. That was the cheapest of the batchings we measured (padding costs more than
batching saves on this model), and it makes a crop's reading independent of the other crops of
the page (the recogniser's output shifts slightly with the padding it sees).

Decoding (greedy CTC, per-character positions for word boxes) is the model's own decoder.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

# At most this many crops, and this many input pixels, per batch (keeps memory bounded).
MAX_BATCH = 32
MAX_BATCH_PIXELS = 48 * 12_000
# Narrowest input given to the recogniser, in pixels at its input height.
MIN_WIDTH = 32

Session = Callable[[np.ndarray], np.ndarray]  # (N, 3, H, W) float32 -> (N, T, classes)
Decoder = Callable[..., tuple[list[tuple[str, float]], list[Any]]]


def resize_for_rec(crop: np.ndarray, height: int, max_width: int) -> np.ndarray:
    """A BGR crop as the recogniser's input: `height` high at the crop's aspect ratio, CHW, -1..1."""
    h, w = crop.shape[:2]
    width = int(min(max_width, max(MIN_WIDTH, math.ceil(height * w / max(h, 1)))))
    resized = cv2.resize(crop, (width, height)).astype(np.float32)
    return (resized.transpose(2, 0, 1) / 127.5) - 1.0


def plan_batches(widths: Sequence[int]) -> list[list[int]]:
    """Indices grouped into batches of equal width (narrowest first)."""
    order = sorted(range(len(widths)), key=lambda i: widths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches:
            batch = batches[-1]
            if (
                widths[batch[0]] == widths[i]
                and len(batch) < MAX_BATCH
                and widths[i] * (len(batch) + 1) * 48 <= MAX_BATCH_PIXELS
            ):
                batch.append(i)
                continue
        batches.append([i])
    return batches


def read_crops(
    crops: Sequence[np.ndarray],
    session: Session,
    decoder: Decoder,
    height: int = 48,
    max_width: int = 3200,
) -> list[tuple[str, float, Any]]:
    """(text, mean character confidence, decoder's per-character positions) per BGR crop.

    Crops keep their order; an empty crop list gives an empty list. Crops wider than
    `max_width` at the recogniser's height are squeezed to it.
    """
    if not crops:
        return []
    inputs = [resize_for_rec(c, height, max_width) for c in crops]
    widths = [x.shape[2] for x in inputs]
    out: list[tuple[str, float, Any] | None] = [None] * len(crops)
    for batch in plan_batches(widths):
        width = widths[batch[0]]
        preds = session(np.stack([inputs[i] for i in batch]))
        lines, infos = decoder(
            preds,
            True,
            wh_ratio_list=[width / height] * len(batch),
            max_wh_ratio=width / height,
        )
        for row, i in enumerate(batch):
            text, score = lines[row]
            out[i] = (str(text), float(score), infos[row] if infos else None)
    return [r if r is not None else ("", 0.0, None) for r in out]
