"""Model box conventions → the one convention docpipe stores.

Stored boxes are [x0, y0, x1, y1] normalised to 0..1 of the page as displayed. Model families
write boxes differently (see docpipe.engines.profiles): 0..1, 0..1000, pixels of the image sent,
pixels of the model's resized input (Qwen2.5-VL), or location tokens in y,x order (PaliGemma).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docpipe.records import BBox

_LOC_TOKEN = re.compile(r"<loc_?(\d{1,4})>")


def parse_loc_tokens(text: str) -> list[float] | None:
    """Four location tokens such as "<loc0123><loc0456>..." (or <loc_12>) → their numbers."""
    numbers = [float(n) for n in _LOC_TOKEN.findall(text)]
    return numbers[:4] if len(numbers) >= 4 else None


def to_page_box(
    raw: Sequence[float] | str | None,
    box_format: str,
    image_size: tuple[int, int],
    model_input_size: tuple[int, int] | None = None,
) -> BBox | None:
    """Normalise one model box; None when it is missing, malformed or has no area."""
    if raw is None:
        return None
    values = parse_loc_tokens(raw) if isinstance(raw, str) else list(raw)
    if values is None or len(values) != 4:
        return None
    try:
        a, b, c, d = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    width, height = image_size
    if box_format == "rel_1000":
        x0, y0, x1, y1 = a / 1000, b / 1000, c / 1000, d / 1000
    elif box_format == "loc_tokens_1000":
        x0, y0, x1, y1 = a / 999, b / 999, c / 999, d / 999
    elif box_format == "loc_tokens_1024_yx":
        y0, x0, y1, x1 = a / 1023, b / 1023, c / 1023, d / 1023
    elif box_format == "abs_pixels":
        if width <= 0 or height <= 0:
            return None
        x0, y0, x1, y1 = a / width, b / height, c / width, d / height
    elif box_format == "qwen_abs_pixels":
        in_w, in_h = model_input_size or image_size
        if in_w <= 0 or in_h <= 0:
            return None
        x0, y0, x1, y1 = a / in_w, b / in_h, c / in_w, d / in_h
    else:  # rel_1 and unknown families: 0..1 is what a prompt asks for by default
        x0, y0, x1, y1 = a, b, c, d
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    box = (_clamp(x0), _clamp(y0), _clamp(x1), _clamp(y1))
    if box[2] - box[0] <= 1e-4 or box[3] - box[1] <= 1e-4:
        return None
    return box


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, v))


def iou(a: BBox, b: BBox) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
