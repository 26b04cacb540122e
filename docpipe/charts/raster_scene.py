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

from docpipe.charts.raster_axes import AxisFit, find_value_axes, second_value_axis, snap_to_rules, snap_to_ticks
from docpipe.charts.raster_image import ColorClass, Rule, background_color, color_classes, color_distance, \
    find_rules, ink_mask, is_grayish, _off_segment
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
    outside_text: list[int]  # per class: its pixels outside the words' boxes
    ocr_second_pass: bool = False
    notes: list[str] = field(default_factory=list)
    y_axis2: AxisFit | None = None  # a second value axis on the other side (dual-axis chart)

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

    def mark_pixels(self) -> int:
        """Pixels of the mark colour classes (not the text's colours) outside the words: what a
        reading should explain."""
        return max(1, sum(n for k, n in enumerate(self.outside_text) if not self.is_text_color(k)))

    def is_text_color(self, k: int) -> bool:
        """A class whose pixels lie mostly inside words is the text's colour, not a mark's; for a
        grey or black class a third inside words is enough (unread text, a rotated axis title, is
        drawn in it too)."""
        c = self.classes[k]
        share_outside = self.outside_text[k] / max(c.count, 1)
        return share_outside < (0.7 if is_grayish(c.color, 30.0) else 0.4)

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


def flat_background_share(crop: np.ndarray) -> float:
    """Share of the crop's pixels within a few levels of its most common colour."""
    if crop.size == 0:
        return 0.0
    small = crop[::2, ::2] if crop.shape[0] * crop.shape[1] > 400_000 else crop
    bg = background_color(small)
    return float((color_distance(small, bg) < 24).mean())


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
    panel = _panel_box(crop, bg)
    if panel is not None:  # rules are looked for inside the panel (the margin would join them)
        inner = np.empty_like(crop)
        inner[:] = bg.astype(np.uint8)
        x0, y0, x1, y1 = panel
        inner[y0:y1, x0:x1] = crop[y0:y1, x0:x1]
        rules = find_rules(inner, bg)
    else:
        rules = find_rules(crop, bg)
    boxes = [b for b in boxes if not _on_rule(b, rules, crop, bg)]
    boxes = _drop_marker_words(crop, bg, boxes)
    phr = phrases(boxes)
    y_axis, x_axis = find_value_axes(phr, w, h, rules)
    y_axis2 = second_value_axis(phr, w, h, y_axis)
    y_axis = snap_to_ticks(snap_to_rules(y_axis, rules), crop, bg) if y_axis is not None else None
    x_axis = snap_to_ticks(snap_to_rules(x_axis, rules), crop, bg) if x_axis is not None else None
    window = plot_window(w, h, y_axis, x_axis, boxes)
    window = _within_panel(window, panel, rules, w, h)
    text_mask = _text_mask(boxes, h, w)
    candidates = _mark_candidates(crop, bg, rules, window)
    classes = color_classes(crop, candidates, min_pixels=max(20, (w * h) // 100000), bg=bg)
    backdrops = [c for c in classes if _backdrop(c, window)]
    shaded = [(c, box) for c in classes for box in [_shaded_panel(c, w, h)] if box is not None]
    backdrops += [c for c, _ in shaded]
    classes = [c for c in classes if not any(c is b for b in backdrops)]
    for b in backdrops:
        candidates &= ~b.mask
    for _, box in shaded[:1]:  # marks are inside the shaded plot panel
        window = Window(max(window.x0, box[0]), max(window.y0, box[1]), min(window.x1, box[2]),
                        min(window.y1, box[3]))
        outside = np.ones_like(candidates)
        outside[window.y0:window.y1, window.x0:window.x1] = False
        candidates &= ~outside
        for c in classes:
            c.mask &= ~outside
    # Mark pixels outside words: what readers have to explain (text is explained by the words).
    outside = [int((c.mask & ~text_mask).sum()) for c in classes]
    return Scene(crop, region, bg, boxes, phr, rules, y_axis, x_axis, window, text_mask, candidates,
                 classes, outside, ocr_second_pass=second, y_axis2=y_axis2)


def _backdrop(c, window: Window) -> bool:
    """A second background (a grey figure margin, a shaded plot area): a large grey class that
    runs along most of the window's border."""
    if not is_grayish(c.color, 30.0) or c.count < 0.05 * window.w * window.h:
        return False
    m = c.mask[window.y0:window.y1, window.x0:window.x1]
    border = np.concatenate([m[0], m[-1], m[:, 0], m[:, -1]])
    return float(border.mean()) > 0.5


def _drop_marker_words(crop: np.ndarray, bg: np.ndarray, boxes: list[TextBox]) -> list[TextBox]:
    """Drop one- or two-letter 'words' drawn in a colour when the chart's text is grey: OCR reads
    markers (+, x, o, triangles) as letters."""
    def ink_color(b: TextBox) -> np.ndarray | None:
        part = crop[max(0, int(b.y0)):int(np.ceil(b.y1)), max(0, int(b.x0)):int(np.ceil(b.x1))]
        if part.size == 0:
            return None
        px = part.reshape(-1, 3)
        px = px[color_distance(px[None, :, :], bg)[0] > 40]
        return np.median(px, axis=0) if len(px) >= 3 else None

    longer = [ink_color(b) for b in boxes if len(b.text) > 2]
    longer = [c for c in longer if c is not None]
    if not longer or not is_grayish(np.median(np.array(longer), axis=0), 40.0):
        return boxes
    out = []
    for b in boxes:
        if len(b.text) <= 2 and b.number is None:
            c = ink_color(b)
            if c is not None and not is_grayish(c, 60.0):
                continue
        out.append(b)
    return out


def _shaded_panel(c, w: int, h: int) -> tuple[int, int, int, int] | None:
    """The box of a light grey filled rectangle covering a fifth of the chart or more (a shaded
    plot area drawn on a white figure): a backdrop, not a mark."""
    import cv2

    if not is_grayish(c.color, 24.0) or float(c.color.min()) < 170 or c.count < 0.15 * w * h:
        return None
    # gridlines cut the panel into cells: close them before measuring how full its box is
    closed = cv2.morphologyEx(c.mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    if n <= 1:
        return None
    i = 1 + int(np.argmax(stats[1:, 4]))
    x, y, bw, bh, _ = (int(v) for v in stats[i])
    x1, y1 = x + bw, y + bh
    if bw * bh < 0.2 * w * h:
        return None
    from docpipe.charts.raster_bars import fill_holes

    filled = fill_holes(lab[y:y1, x:x1] == i)
    return (x, y, x1, y1) if filled.mean() >= 0.9 else None


def _on_rule(b: TextBox, rules: list[Rule], crop: np.ndarray, bg: np.ndarray) -> bool:
    """A 'word' read off a dashed gridline (OCR sees dashes as I, 1, T...): a short word centred on
    a rule running across it whose ink stays within the rule's band. A real label the rule only
    seems to cross (a tick label between an axis title and a gridline at its height) has ink the
    full text height beyond that band and is kept."""
    if len(b.text) > 2:
        return False
    for r in rules:
        if r.horizontal and abs(b.cy - r.pos) <= 2 + r.thick and r.start < b.x0 - 2 and b.x1 + 2 < r.end:
            return not _ink_beyond_band(b, r, crop, bg)
        if not r.horizontal and abs(b.cx - r.pos) <= 2 + r.thick and r.start < b.y0 - 2 and b.y1 + 2 < r.end:
            return not _ink_beyond_band(b, r, crop, bg)
    return False


def _ink_beyond_band(b: TextBox, r: Rule, crop: np.ndarray, bg: np.ndarray) -> bool:
    """The word's box holds ink more than 2 px beyond the rule's band on both sides of the rule
    (glyphs taller than the rule), in at least a quarter of the box's length."""
    h, w = crop.shape[:2]
    part = crop[max(0, int(b.y0)):min(h, int(np.ceil(b.y1))), max(0, int(b.x0)):min(w, int(np.ceil(b.x1)))]
    if part.size == 0:
        return False
    ink = color_distance(part, bg) > 40
    if not r.horizontal:
        ink = ink.T
    band_lo = r.pos - r.thick / 2 - 2 - (b.y0 if r.horizontal else b.x0)
    band_hi = r.pos + r.thick / 2 + 2 - (b.y0 if r.horizontal else b.x0)
    rows = np.arange(ink.shape[0])
    above = ink[rows < band_lo].any(axis=0)
    below = ink[rows > band_hi].any(axis=0)
    return bool(above.mean() >= 0.25 and below.mean() >= 0.25)


def _wants_second_pass(boxes: list[TextBox], w: int, h: int) -> bool:
    """Read the crop again enlarged when its text is small or few numbers were read."""
    numeric = [b for b in boxes if b.number is not None]
    hs = [b.h for b in boxes if not b.vertical]
    small = (np.median(hs) if hs else 0) < 14
    return len(numeric) < 4 or small or max(w, h) < 700


def plot_window(w: int, h: int, y_axis: AxisFit | None, x_axis: AxisFit | None, boxes: list[TextBox]) -> Window:
    """Where marks are looked for: the crop less the strips holding the value-axis tick labels."""
    x0, y0, x1, y1 = 0, 0, w, h
    # Only label strips along the crop's edges bound the window; an axis drawn through the middle
    # of the plot (spines at zero) has marks on both sides.
    if y_axis is not None:
        lx0 = min(b.x0 for b in y_axis.labels)
        lx1 = max(b.x1 for b in y_axis.labels)
        if lx1 < 0.2 * w:
            x0 = max(x0, int(lx1) + 2)
        elif lx0 > 0.8 * w:
            x1 = min(x1, int(lx0) - 2)
    if x_axis is not None:
        ly0 = min(b.y0 for b in x_axis.labels)
        ly1 = max(b.y1 for b in x_axis.labels)
        if ly0 > 0.8 * h:
            y1 = min(y1, int(ly0) - 2)
        elif ly1 < 0.2 * h:
            y0 = max(y0, int(ly1) + 2)
    if x1 - x0 < 10 or y1 - y0 < 10:
        return Window(0, 0, w, h)
    return Window(x0, y0, x1, y1)


def _panel_box(crop: np.ndarray, bg: np.ndarray) -> tuple[int, int, int, int] | None:
    """The plot panel when the chart shows one: a rectangle of the background colour inside a
    margin of another colour (a grey plot area on a white figure, or the reverse)."""
    import cv2

    h, w = crop.shape[:2]
    flat = (color_distance(crop, bg) < 12).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=4)
    if n <= 1:
        return None
    i = 1 + int(np.argmax(stats[1:, 4]))
    x, y, bw, bh, area = (int(v) for v in stats[i])
    if bw * bh >= 0.25 * w * h and area >= 0.5 * bw * bh and (bw < 0.97 * w or bh < 0.97 * h) \
            and _margin_is_other(crop, bg, x, y, bw, bh):
        return (x, y, x + bw, y + bh)
    return None


def _within_panel(window: Window, panel: tuple[int, int, int, int] | None, rules: list[Rule], w: int,
                  h: int) -> Window:
    """Narrow the window to the plot panel, or to a frame of four rules around the plot. Marks are
    drawn inside it; text and ticks outside it are not marks."""
    box = panel
    if box is None:
        hs = [r for r in rules if r.horizontal and r.length >= 0.4 * w]
        vs = [r for r in rules if not r.horizontal and r.length >= 0.4 * h]
        if len(hs) >= 2 and len(vs) >= 2:
            top, bottom = min(hs, key=lambda r: r.pos), max(hs, key=lambda r: r.pos)
            left, right = min(vs, key=lambda r: r.pos), max(vs, key=lambda r: r.pos)
            same = lambda a, b: abs(a - b) <= 4  # noqa: E731
            if (same(top.start, bottom.start) and same(top.end, bottom.end) and same(left.start, right.start)
                    and same(left.end, right.end) and same(top.start, left.pos) and same(top.end, right.pos)
                    and same(left.start, top.pos) and same(left.end, bottom.pos)):
                box = (int(left.pos), int(top.pos), int(right.pos) + 1, int(bottom.pos) + 1)
        if box is None:
            box = _axis_corner(hs, vs, window)
    if box is None:
        return window
    x0, y0 = max(window.x0, box[0]), max(window.y0, box[1])
    x1, y1 = min(window.x1, box[2]), min(window.y1, box[3])
    if x1 - x0 < 10 or y1 - y0 < 10:
        return window
    return Window(x0, y0, x1, y1)


def _axis_corner(hs: list[Rule], vs: list[Rule], window: Window) -> tuple[int, int, int, int] | None:
    """The plot box of a chart drawn with two axis lines and no frame: a vertical rule whose lower
    end meets the left end of a horizontal rule (an L). Marks sit above the horizontal axis line
    and right of the vertical one; the top stays the window's (lines may rise above the value
    axis' line)."""
    best = None
    for v in vs:
        for hr in hs:
            if abs(v.end - hr.pos) <= 4 and abs(hr.start - v.pos) <= 4 and hr.pos > window.y0 + 10:
                if best is None or hr.length * v.length > best[0]:
                    best = (hr.length * v.length, v, hr)
    if best is None:
        return None
    _, v, hr = best
    return (int(v.pos), window.y0, int(hr.end) + 1, int(hr.pos) + 1)


def _margin_is_other(crop: np.ndarray, bg: np.ndarray, x: int, y: int, bw: int, bh: int) -> bool:
    """The band just outside a rectangle is mostly one other flat colour (a figure margin)."""
    h, w = crop.shape[:2]
    band = []
    if y >= 3:
        band.append(crop[max(0, y - 3):y - 1, x:x + bw].reshape(-1, 3))
    if y + bh + 3 <= h:
        band.append(crop[y + bh + 1:y + bh + 3, x:x + bw].reshape(-1, 3))
    if x >= 3:
        band.append(crop[y:y + bh, max(0, x - 3):x - 1].reshape(-1, 3))
    if x + bw + 3 <= w:
        band.append(crop[y:y + bh, x + bw + 1:x + bw + 3].reshape(-1, 3))
    if not band:
        return False
    px = np.concatenate(band).astype(np.float32)
    margin = np.median(px, axis=0)
    if float(np.sqrt(((margin - bg) ** 2).sum())) <= 20:
        return False
    flat = np.sqrt(((px - margin) ** 2).sum(axis=1)) < 20  # one flat colour all round
    return bool(flat.mean() > 0.7)


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
        part = crop[sl]
        near = (color_distance(part, r.color) < 60) | \
            (_off_segment(part.reshape(-1, 3), r.color, bg).reshape(part.shape[:2]) < 30)
        cand[sl] &= ~near
    out = np.zeros_like(cand)
    out[window.y0:window.y1, window.x0:window.x1] = cand[window.y0:window.y1, window.x0:window.x1]
    return out
