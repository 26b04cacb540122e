"""Where the charts are on a page: one `ChartRegion` per chart, in reading order.

- PDF pages: clusters of vector drawing commands that carry chart marks (bars standing on a
  common line with different lengths, polylines, markers, pie sectors, filled areas), grown to
  take in their tick labels, titles and legend; plus embedded raster images whose pixels show
  axis or mark structure.
- Raster pages (scans, photos, chart images): the whole image when it is not a text page; on a
  text page, the large regions that hold ink but no words and show axis or mark structure.

Boxes are [x0, y0, x1, y1] fractions of the displayed page, origin top-left.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from docpipe.charts.labels import to_points
from docpipe.charts.vector import is_grey, is_light
from docpipe.records import BBox, DrawingPath, PageImage, Word

RegionSource = Literal["vector", "image", "page"]
_JOIN_GAP_PT = 6.0  # drawing paths closer than this belong to one figure
_MIN_CHART_PT = (60.0, 40.0)  # smallest chart (width, height) in points
_PROSE_WORDS = 8  # a text line with this many words is prose, not a chart label
_TEXT_PAGE_LINES = 10
_MIN_IMAGE_FRACTION = (0.2, 0.12)  # smallest embedded image (of the page's width, height) that may hold a chart


class ChartRegion(BaseModel):
    page_index: int
    chart_index: int = Field(description="0-based, in reading order (top to bottom, then left to right).")
    bbox: BBox = Field(description="[x0, y0, x1, y1], fractions of the displayed page, origin top-left.")
    source: RegionSource = Field(description="vector: drawing commands of a PDF page (read exactly); image: an "
                                             "embedded raster image of a PDF page; page: a region of a raster page.")


def detect_charts(page: PageImage, image: np.ndarray | None = None) -> list[ChartRegion]:
    """Chart regions of `page`; `image` (H x W x 3 uint8 RGB, the rendered page) enables the pixel
    checks for raster pages and embedded images. Returns [] when the page holds no chart."""
    width, height = page.width_pt or 1.0, page.height_pt or 1.0
    boxes: list[tuple[BBox, RegionSource]] = []
    if page.drawings is not None:
        for box in vector_chart_boxes(page.drawings.paths, page.words, width, height):
            boxes.append((box, "vector"))
        for box in page.drawings.images:
            if _big_image(box) and not any(_overlap(box, b) > 0.5 for b, _ in boxes) \
                    and (image is None or looks_like_chart(_crop(image, box))):
                boxes.append((box, "image"))
    elif image is not None:
        for box in raster_chart_boxes(page.words, image):
            boxes.append((box, "page"))
    boxes.sort(key=lambda item: (round(item[0][1], 2), item[0][0]))
    return [ChartRegion(page_index=page.page_index, chart_index=i, bbox=box, source=source)
            for i, (box, source) in enumerate(boxes)]


# -- vector pages ------------------------------------------------------------------------------------

def vector_chart_boxes(paths: list[DrawingPath], words: list[Word], width: float, height: float) -> list[BBox]:
    """Boxes of the drawing clusters that hold chart marks, grown to their labels (fractions)."""
    items = []
    for path in paths:
        box = to_points(path.bbox, width, height)
        area = (box[2] - box[0]) * (box[3] - box[1])
        if area > 0.8 * width * height:
            continue  # a page background
        items.append((box, path))
    clusters = _merge_overlapping(_clusters([b for b, _ in items]), [b for b, _ in items])
    found: list[tuple[float, float, float, float]] = []
    others: list[list[tuple[float, float, float, float]]] = []  # clusters without marks
    for members in clusters:
        cluster = [items[i] for i in members]
        box = _union([b for b, _ in cluster])
        if box[2] - box[0] < _MIN_CHART_PT[0] or box[3] - box[1] < _MIN_CHART_PT[1] or \
                not _has_chart_marks([p for _, p in cluster], [b for b, _ in cluster]):
            others.append([b for b, _ in cluster])
            continue
        found.append(box)
    lines = _text_lines(words, width, height)
    legends = [_union(c) for c in others if _legend_block(c, lines)]
    out = []
    for box in found:
        grown = _grow_to_labels(box, words, width, height)
        near = [b for b in legends if _gap(grown, b) <= max(_LEGEND_GAP_PT, _LEGEND_GAP_SHARE * (grown[2] - grown[0]))]
        if near:
            grown = _grow_to_labels(_union([grown, *near]), words, width, height)
        out.append(grown)
    return [(b[0] / width, b[1] / height, b[2] / width, b[3] / height) for b in out]


_LEGEND_GAP_PT = 36.0
_LEGEND_GAP_SHARE = 0.15
"""A legend block drawn apart from its chart (beside or under the plot) joins the chart's box
when its gap to the box (grown to its labels) is under the larger of these: points, share of the
chart's width."""


def _text_lines(words: list[Word], width: float, height: float) -> list[tuple[float, float, float, float]]:
    """Boxes (points) of the page's short text lines (labels, not prose)."""
    lines: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for word in words:
        lines.setdefault((word.block_id, word.line_id), []).append(to_points(word.bbox, width, height))
    return [_union(b) for b in lines.values() if len(b) < _PROSE_WORDS]


def _legend_block(boxes: list[tuple[float, float, float, float]],
                  lines: list[tuple[float, float, float, float]]) -> bool:
    """A cluster of drawing paths is a legend: two or more small swatches (a patch or a short
    line, at most twice a text height high) each with a short text line starting just right of
    it (within two text heights) and centred on it."""
    entries = 0
    for b in boxes:
        for line in lines:
            th = line[3] - line[1]
            if th <= 0 or b[3] - b[1] > 2.0 * th or b[2] - b[0] > 4.0 * th:
                continue
            if 0.0 <= line[0] - b[2] <= 2.0 * th and abs((b[1] + b[3]) / 2 - (line[1] + line[3]) / 2) <= 0.5 * th:
                entries += 1
                break
    return entries >= 2


def _gap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Distance between two boxes (0 when they overlap)."""
    return max(a[0] - b[2], b[0] - a[2], a[1] - b[3], b[1] - a[3], 0.0)


def _clusters(boxes: list[tuple[float, float, float, float]]) -> list[list[int]]:
    """Groups of boxes that touch (within _JOIN_GAP_PT), by union-find over a sweep in x."""
    parent = list(range(len(boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    active: list[int] = []
    for i in order:
        x0 = boxes[i][0]
        active = [j for j in active if boxes[j][2] + _JOIN_GAP_PT >= x0]
        for j in active:
            if boxes[j][1] - _JOIN_GAP_PT <= boxes[i][3] and boxes[i][1] - _JOIN_GAP_PT <= boxes[j][3]:
                parent[find(i)] = find(j)
        active.append(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _merge_overlapping(clusters: list[list[int]], boxes: list[tuple[float, float, float, float]]) -> list[list[int]]:
    """Join clusters whose boxes overlap: scattered markers inside a plot's frame or background
    belong to that plot although they touch nothing."""
    merged = [(list(members), _union([boxes[i] for i in members])) for members in clusters]
    changed = True
    while changed and len(merged) <= 2000:
        changed = False
        out: list[tuple[list[int], tuple[float, float, float, float]]] = []
        for members, box in sorted(merged, key=lambda m: m[1][0]):
            for k, (other, other_box) in enumerate(out):
                if box[0] < other_box[2] and other_box[0] < box[2] and box[1] < other_box[3] and other_box[1] < box[3]:
                    out[k] = (other + members, _union([box, other_box]))
                    changed = True
                    break
            else:
                out.append((members, box))
        merged = out
    return [members for members, _ in merged]


def _has_chart_marks(paths: list[DrawingPath], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Bars of different lengths on a common line, a polyline, markers, sectors or a filled area.

    Tables (rules and same-size cell fills) and boxes around text have none of these.
    """
    rects = [(b, p) for b, p in zip(boxes, paths)
             if p.paint != "stroke" and _rect_path(p) and b[2] - b[0] > 0.5 and b[3] - b[1] > 0.5
             and not is_light(p.fill)]
    for key, length in ((3, lambda b: b[3] - b[1]), (1, lambda b: b[3] - b[1]), (0, lambda b: b[2] - b[0]),
                        (2, lambda b: b[2] - b[0])):
        by_edge: dict[float, set[float]] = {}
        for b, _ in rects:
            by_edge.setdefault(round(b[key], 1), set()).add(round(length(b), 1))
        if any(len(lengths) >= 2 for lengths in by_edge.values()):
            return True
    curved = [p for p in paths if p.paint != "stroke" and any(s.op == "curve" for s in p.segments)
              and not is_light(p.fill)]
    big_curved = [p for p, b in zip(paths, boxes) if p in curved and (b[2] - b[0]) > 20]
    if len(big_curved) >= 2:
        return True  # pie or donut sectors
    colored_lines = [p for p in paths if p.paint == "stroke" and not is_grey(p.stroke)
                     and sum(s.op == "line" for s in p.segments) >= 2
                     and not all(_axis_aligned(s.points) for s in p.segments if s.op == "line")]
    if colored_lines:
        return True
    markers = [b for b, p in zip(boxes, paths) if p.paint != "stroke" and 1 < b[2] - b[0] <= 16
               and 1 < b[3] - b[1] <= 16 and not (p.fill and is_grey(p.fill)) and not is_light(p.fill)]
    if len(markers) >= 3:
        return True
    areas = []
    for b, p in zip(boxes, paths):
        if p.paint != "stroke" and not is_grey(p.fill) and sum(s.op == "line" for s in p.segments) >= 4 \
                and not all(_axis_aligned(s.points) for s in p.segments if s.op == "line"):
            areas.append(p)
    return bool(areas)


def _rect_path(path: DrawingPath) -> bool:
    """A rectangle: one `re` command, or a closed outline of three to five axis-aligned lines."""
    if len(path.segments) == 1 and path.segments[0].op == "rect":
        return True
    lines = [s for s in path.segments if s.op == "line"]
    if len(lines) != len(path.segments) or not 3 <= len(lines) <= 5:
        return False
    corners = {(round(s.points[i], 5), round(s.points[i + 1], 5)) for s in lines for i in (0, 2)}
    return len(corners) == 4 and all(_axis_aligned(s.points) for s in lines)


def _axis_aligned(points: list[float]) -> bool:
    return abs(points[0] - points[2]) < 1e-4 or abs(points[1] - points[3]) < 1e-4


def _grow_to_labels(box: tuple[float, float, float, float], words: list[Word], width: float,
                    height: float) -> tuple[float, float, float, float]:
    """Grow a figure's box by the short text lines around it (tick labels, titles, legend), one
    ring at a time: a line joins when its gap to the box is under twice its own height."""
    lines: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for word in words:
        lines.setdefault((word.block_id, word.line_id), []).append(to_points(word.bbox, width, height))
    candidates = [_union(b) for b in lines.values() if len(b) < _PROSE_WORDS]
    grown = box
    changed = True
    while changed:
        changed = False
        for line in candidates:
            if _contains(grown, line):
                continue
            gap_x = max(grown[0] - line[2], line[0] - grown[2], 0.0)
            gap_y = max(grown[1] - line[3], line[1] - grown[3], 0.0)
            size = min(line[3] - line[1], line[2] - line[0])
            if max(gap_x, gap_y) <= max(10.0, 2.0 * size) and min(gap_x, gap_y) == 0.0:
                grown = _union([grown, line])
                changed = True
    return grown


# -- raster pages and embedded images -------------------------------------------------------------

def raster_chart_boxes(words: list[Word], image: np.ndarray) -> list[BBox]:
    """The whole page when it is not a text page; else its word-free regions with chart structure.

    A text page has at least `_TEXT_PAGE_LINES` lines of prose (a chart image's long title, notes
    and source lines stay below that).
    """
    if _prose_lines(words) < _TEXT_PAGE_LINES:
        return [(0.0, 0.0, 1.0, 1.0)]
    return _figure_regions(words, image)


def _prose_lines(words: list[Word]) -> int:
    counts: dict[tuple[int, int], int] = {}
    for word in words:
        counts[(word.block_id, word.line_id)] = counts.get((word.block_id, word.line_id), 0) + 1
    return sum(1 for n in counts.values() if n >= _PROSE_WORDS)


def _figure_regions(words: list[Word], image: np.ndarray) -> list[BBox]:
    import cv2

    h, w = image.shape[:2]
    ink = _ink_mask(image)
    for word in words:
        x0, y0, x1, y1 = word.bbox
        ink[max(0, int(y0 * h) - 2):int(y1 * h) + 2, max(0, int(x0 * w) - 2):int(x1 * w) + 2] = 0
    size = max(3, int(0.01 * max(h, w)))
    grown = cv2.dilate(ink.astype(np.uint8), np.ones((size, size), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    boxes: list[BBox] = []
    for i in range(1, count):
        x, y, bw, bh, _ = stats[i]
        if bw < _MIN_IMAGE_FRACTION[0] * w or bh < _MIN_IMAGE_FRACTION[1] * h:
            continue
        box = (x / w, y / h, (x + bw) / w, (y + bh) / h)
        if looks_like_chart(_crop(image, box)):
            boxes.append(_grow_fraction(box, words))
    return boxes


def _grow_fraction(box: BBox, words: list[Word]) -> BBox:
    grown = _grow_to_labels(box, [w for w in words], 1.0, 1.0)
    return grown


def _ink_mask(image: np.ndarray) -> np.ndarray:
    rgb = image.astype(np.int16)
    grey = rgb.mean(axis=2)
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    return (grey < 200) | (saturation > 40)


def looks_like_chart(crop: np.ndarray) -> bool:
    """Axis or mark structure in an image: a long straight dark line across at least 40% of it
    (an axis or grid line), or several large blocks of one saturated colour (bars, sectors)."""
    if crop.size == 0 or min(crop.shape[:2]) < 20:
        return False
    rgb = crop.astype(np.int16)
    dark = rgb.mean(axis=2) < 160
    h, w = dark.shape
    rows = dark.mean(axis=1)
    cols = dark.mean(axis=0)
    axis_like = (rows >= 0.4).any() and (cols >= 0.4).any()
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    colored = saturation > 60
    if axis_like:
        return True
    if colored.mean() < 0.03:
        return False
    quantised = (rgb[colored] // 32).astype(np.int32)
    keys = quantised[:, 0] * 64 + quantised[:, 1] * 8 + quantised[:, 2]
    _, counts = np.unique(keys, return_counts=True)
    return int((counts >= 0.01 * h * w).sum()) >= 2


def _crop(image: np.ndarray, box: BBox) -> np.ndarray:
    h, w = image.shape[:2]
    x0, y0 = max(0, int(box[0] * w)), max(0, int(box[1] * h))
    x1, y1 = min(w, int(round(box[2] * w))), min(h, int(round(box[3] * h)))
    return image[y0:y1, x0:x1]


def _big_image(box: BBox) -> bool:
    return box[2] - box[0] >= _MIN_IMAGE_FRACTION[0] and box[3] - box[1] >= _MIN_IMAGE_FRACTION[1]


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _contains(outer: tuple[float, float, float, float], inner: tuple[float, float, float, float]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


def _overlap(a: BBox, b: BBox) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])) or 1e-12
    return ix * iy / smaller
