"""A PDF page's vector graphics as typed records (`records.PageDrawings`), for the chart readers.

Read with PyMuPDF's drawings API (`Page.get_drawings`, `Page.get_image_info`); only painted paths
and image placements are kept, in painting order. Coordinates are mapped onto the page as
displayed (after /Rotate) and normalised to fractions 0-1, origin top-left, the same convention as
the words of the text layer.
"""

from __future__ import annotations

import pymupdf

from docpipe.records import DrawingPath, PageDrawings, PathSegment

# A page of a map or a scatter plot of 100k points can hold millions of commands; past this cap the
# rest is left out (and flagged), which keeps one page's record within a few megabytes.
MAX_SEGMENTS_PER_PAGE = 40_000
_PAINT = {"f": "fill", "s": "stroke", "fs": "fill_stroke"}
_OPS = {"l": "line", "c": "curve", "re": "rect", "qu": "quad"}


def page_drawings(page: pymupdf.Page, width: float, height: float) -> PageDrawings:
    """Painted paths and image boxes of `page`, whose displayed size is `width` x `height` points.

    Never raises for a damaged page: what could be read is returned (an empty record at worst).
    """
    to_display = page.rotation_matrix
    paths: list[DrawingPath] = []
    truncated = False
    segments_left = MAX_SEGMENTS_PER_PAGE
    try:
        raw_paths = page.get_drawings()
    except Exception:  # a broken content stream must not cost the rendered page
        raw_paths = []
    for raw in raw_paths:
        items = raw.get("items") or []
        if len(items) > segments_left:
            truncated = True
            break
        path = _path(raw, items, to_display, width, height)
        if path is not None:
            paths.append(path)
            segments_left -= len(items)
    return PageDrawings(paths=paths, images=_image_boxes(page, to_display, width, height), truncated=truncated)


def _path(raw: dict, items: list, to_display: pymupdf.Matrix, width: float, height: float) -> DrawingPath | None:
    paint = _PAINT.get(raw.get("type") or "")
    if paint is None or not items:
        return None
    segments: list[PathSegment] = []
    for item in items:
        op = _OPS.get(item[0])
        if op is None:
            continue
        if op == "rect":
            rect = pymupdf.Rect(item[1]) * to_display  # a rotated rect is still axis-aligned
            points = [rect.x0, rect.y0, rect.x1, rect.y1]
        elif op == "quad":
            quad = item[1]
            points = [c for p in (quad.ul, quad.ur, quad.lr, quad.ll) for c in _point(p, to_display)]
        else:
            points = [c for p in item[1:] for c in _point(p, to_display)]
        segments.append(PathSegment(op=op, points=_normalised(points, width, height)))
    if not segments:
        return None
    box = pymupdf.Rect(raw["rect"]) * to_display
    fill = _hex(raw.get("fill")) if paint != "stroke" else None
    stroke = _hex(raw.get("color")) if paint != "fill" else None
    return DrawingPath(
        paint=paint, fill=fill, stroke=stroke, fill_opacity=raw.get("fill_opacity"),
        width=raw.get("width") if paint != "fill" else None, closed=bool(raw.get("closePath")),
        bbox=tuple(_normalised([box.x0, box.y0, box.x1, box.y1], width, height)), segments=segments)


def _image_boxes(page: pymupdf.Page, to_display: pymupdf.Matrix, width: float,
                 height: float) -> list[tuple[float, float, float, float]]:
    try:
        infos = page.get_image_info()
    except Exception:
        return []
    boxes = []
    for info in infos:
        rect = pymupdf.Rect(info["bbox"]) * to_display
        if rect.is_empty or rect.is_infinite:
            continue
        x0, y0, x1, y1 = _normalised([rect.x0, rect.y0, rect.x1, rect.y1], width, height)
        boxes.append((max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1)))
    return boxes


def _point(p, to_display: pymupdf.Matrix) -> tuple[float, float]:
    q = pymupdf.Point(p) * to_display
    return q.x, q.y


def _normalised(points: list[float], width: float, height: float) -> list[float]:
    return [v / (width if i % 2 == 0 else height) for i, v in enumerate(points)]


def _hex(color) -> str | None:
    if not color:
        return None
    if len(color) == 1:  # grey
        color = (color[0],) * 3
    if len(color) != 3:
        return None
    return "#" + "".join(f"{max(0, min(255, round(c * 255))):02x}" for c in color)
