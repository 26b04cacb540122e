"""The shared picture of one raster chart crop that every mark reader works from.

`Scene` gathers, once per chart: the crop, its background, the words (page word layer plus an
optional enlarged second OCR pass) in crop pixels, the straight rules, the value axes fitted
from tick labels, the plot window, the pixels that may be marks and their colour classes.
Mark readers (bars, lines, scatter, pie) only read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from docpipe.charts.raster_axes import AxisFit, find_value_axes
from docpipe.charts.raster_image import ColorClass, Rule, background_color, color_classes, color_distance, \
    find_rules, ink_mask, is_grayish
from docpipe.charts.raster_text import TextBox, merge_readings, phrases, recognize_crop, words_in_region
from docpipe.records import BBox, Word


@dataclass
class Window:
    """The plot window in crop pixels: [x0, x1) × [y0, y1)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0


@dataclass
class Scene:
    crop: np.ndarray
    region: BBox
    bg: np.ndarray
    boxes: list[TextBox]
    phrases: list[TextBox]
    rules: list[Rule]
    y_axis: AxisFit | None
    x_axis: AxisFit | None
    window: Window
    text_mask: np.ndarray
    candidates: np.ndarray
    classes: list[ColorClass]
    ocr_second_pass: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def h(self) -> int:
        return self.crop.shape[0]

    @property
    def w(self) -> int:
        return self.crop.shape[1]

    def to_page(self, x0: float, y0: float, x1: float, y1: float) -> BBox:
        """Crop pixels → page fractions."""
        rx0, ry0, rx1, ry1 = self.region
        sx, sy = (rx1 - rx0) / self.w, (ry1 - ry0) / self.h
        return (_clip(rx0 + x0 * sx), _clip(ry0 + y0 * sy), _clip(rx0 + x1 * sx), _clip(ry0 + y1 * sy))

    def text_size(self) -> float:
        """Median height of the words (pixels)."""
        hs = [b.h for b in self.boxes if not b.vertical]
        return float(np.median(hs)) if hs else max(8.0, 0.025 * self.h)


def _clip(v: float) -> float:
    return float(min(1.0, max(0.0, v)))


def crop_region(image: np.ndarray, region: BBox) -> np.ndarray:
    """The region (page fractions) of an H×W×3 page image as a contiguous uint8 RGB array."""
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] == 4:
        image = image[:, :, :3]
    hh, ww = image.shape[:2]
    x0, y0, x1, y1 = region
    c0, r0 = int(round(max(0.0, x0) * ww)), int(round(max(0.0, y0) * hh))
    c1, r1 = int(round(min(1.0, x1) * ww)), int(round(min(1.0, y1) * hh))
    return np.ascontiguousarray(image[r0:r1, c0:c1].astype(np.uint8))


def build_scene(image: np.ndarray, words: list[Word], region: BBox,
                recognize: Callable[[np.ndarray], list[Word]] | None) -> Scene:
    crop = crop_region(image, region)
    h, w = crop.shape[:2]
    boxes = words_in_region(words, region, w, h)
    second = False
    if recognize is not None and _wants_second_pass(boxes, w, h):
        boxes = merge_readings(boxes, recognize_crop(crop, recognize))
        second = True
    bg = background_color(crop)
    rules = find_rules(crop, bg)
    y_axis, x_axis = find_value_axes(boxes, w, h)
    window = plot_window(w, h, y_axis, x_axis, boxes)
    text_mask = _text_mask(boxes, h, w)
    candidates = _mark_candidates(crop, bg, rules, window)
    classes = color_classes(crop, candidates, min_pixels=max(20, (w * h) // 20000))
    return Scene(crop, region, bg, boxes, phrases(boxes), rules, y_axis, x_axis, window, text_mask, candidates,
                 classes, ocr_second_pass=second)


def _wants_second_pass(boxes: list[TextBox], w: int, h: int) -> bool:
    """Read the crop again enlarged when its text is small or few numbers were read."""
    numeric = [b for b in boxes if b.number is not None]
    hs = [b.h for b in boxes if not b.vertical]
    small = (np.median(hs) if hs else 0) < 14
    return len(numeric) < 4 or small or max(w, h) < 700


def plot_window(w: int, h: int, y_axis: AxisFit | None, x_axis: AxisFit | None, boxes: list[TextBox]) -> Window:
    """Where marks are looked for: the crop less the strips holding the value-axis tick labels."""
    x0, y0, x1, y1 = 0, 0, w, h
    if y_axis is not None:
        lx0 = min(b.x0 for b in y_axis.labels)
        lx1 = max(b.x1 for b in y_axis.labels)
        if (lx0 + lx1) / 2 < w / 2:
            x0 = max(x0, int(lx1) + 2)
        else:
            x1 = min(x1, int(lx0) - 2)
    if x_axis is not None:
        ly0 = min(b.y0 for b in x_axis.labels)
        ly1 = max(b.y1 for b in x_axis.labels)
        if (ly0 + ly1) / 2 > h / 2:
            y1 = min(y1, int(ly0) - 2)
        else:
            y0 = max(y0, int(ly1) + 2)
    if x1 - x0 < 10 or y1 - y0 < 10:
        return Window(0, 0, w, h)
    return Window(x0, y0, x1, y1)


def _text_mask(boxes: list[TextBox], h: int, w: int, pad: int = 2) -> np.ndarray:
    m = np.zeros((h, w), dtype=bool)
    for b in boxes:
        m[max(0, int(b.y0) - pad):min(h, int(np.ceil(b.y1)) + pad),
          max(0, int(b.x0) - pad):min(w, int(np.ceil(b.x1)) + pad)] = True
    return m


def _mark_candidates(crop: np.ndarray, bg: np.ndarray, rules: list[Rule], window: Window) -> np.ndarray:
    """Pixels in the plot window that may belong to marks: not background, not on a rule of the
    rule's own colour (gridlines and axis lines drawn across marks keep the marks' pixels)."""
    h, w = crop.shape[:2]
    cand = ink_mask(crop, bg, tol=30.0)
    for r in rules:
        # Only rules that cannot be a data mark: grey, or spanning (nearly) the whole window.
        across = window.w if r.horizontal else window.h
        if not (is_grayish(r.color, 30.0) or r.length >= 0.8 * across):
            continue
        lo = int(np.floor(r.pos - r.thick / 2 - 1))
        hi = int(np.ceil(r.pos + r.thick / 2 + 1))
        if r.horizontal:
            sl = (slice(max(0, lo), min(h, hi + 1)), slice(r.start, r.end))
        else:
            sl = (slice(r.start, r.end), slice(max(0, lo), min(w, hi + 1)))
        near = color_distance(crop[sl], r.color) < 60
        cand[sl] &= ~near
    out = np.zeros_like(cand)
    out[window.y0:window.y1, window.x0:window.x1] = cand[window.y0:window.y1, window.x0:window.x1]
    return out
