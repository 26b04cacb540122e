"""The one reader of PDF text layers: words with boxes, plus the facts that say how far to trust them.

Words come from MuPDF's word extraction, normalised once here (docpipe/word_text.py), with boxes
on the page as displayed (after /Rotate) as 0-1 fractions, origin top-left. The facts
(`TextLayerFacts`) come from MuPDF's text trace (font, render mode and glyph id of every
character) and the page's image placements:

* which words are drawn invisibly (render mode 3 "neither fill nor stroke" or 7 "clip only",
  ISO 32000-1 table 106, or fully transparent): the OCR layer of a scan;
* which fonts have a ToUnicode map that contradicts their own font program (raster/fonts.py);
* the share of U+FFFD characters (glyphs without any Unicode map);
* where images are drawn and what share of the page they cover.

The word-layer stage (docpipe/ocr/word_choice.py) decides from these and the rendered page which
words to use.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pymupdf

from docpipe.raster.fonts import FontPrograms, check_font
from docpipe.raster.geometry import normalised_bbox
from docpipe.records import Word
from docpipe.word_records import BBox, SuspectFont, TextLayerFacts
from docpipe.word_text import normalize_text

# Pathological pages can hold millions of glyphs; past this the layer is useless as words.
MAX_WORDS_PER_PAGE = 50_000
_INVISIBLE_MODES = (3, 7)
_MAX_IMAGE_REGIONS = 16
_MIN_IMAGE_SHARE = 0.0005  # images smaller than this share of the page (bullets, rules) are ignored
_COVERAGE_GRID = 128


def read_text_layer(
    page: pymupdf.Page, width: float, height: float, programs: FontPrograms | None = None
) -> tuple[list[Word], TextLayerFacts | None]:
    """Words of the page's text layer and what was seen about them.

    `width`/`height` are the displayed page size in points (page.rect). Returns ([], None) when
    the text layer cannot be read at all; a broken text layer never costs the rendered page.
    """
    try:
        # One text page serves the words and the image placements (MuPDF runs the page once).
        textpage = page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS | pymupdf.TEXT_PRESERVE_IMAGES)
        raw = page.get_text("words", textpage=textpage)
        images = textpage.extractIMGINFO()
        to_display = page.rotation_matrix
    except Exception:
        return [], None
    if len(raw) > MAX_WORDS_PER_PAGE:
        raw = []
    words: list[Word] = []
    centres: list[tuple[float, float]] = []
    line_ids: dict[tuple[int, int], int] = {}
    unmapped = characters = 0
    # get_text coordinates are in the unrotated page space; rotation_matrix maps them onto
    # page.rect, the page as displayed. Mapped for all words at once (per-word Rect maths is slow).
    for (x0, y0, x1, y1, text, block_no, line_no, _word_no), bbox in zip(raw, _page_boxes(raw, to_display,
                                                                                            width, height)):
        clean = normalize_text(text)
        if not clean or bbox is None:
            continue
        line_id = line_ids.setdefault((block_no, line_no), len(line_ids))
        raw_text = text.strip()
        words.append(Word(text=clean, bbox=bbox, line_id=line_id, block_id=block_no,
                          raw=raw_text if raw_text != clean else None))
        centres.append(((x0 + x1) / 2, (y0 + y1) / 2))
        characters += len(raw_text)
        unmapped += raw_text.count("\ufffd")
    fonts, word_font, invisible, turned, suspects = (
        _trace_facts(page, centres, programs) if words else ([], [], [], [], []))
    regions, share = _image_regions(images, to_display, width, height)
    facts = TextLayerFacts(
        fonts=fonts, word_font=word_font, invisible_words=invisible, turned_words=turned, suspect_fonts=suspects,
        unmapped_share=round(unmapped / characters, 4) if characters else 0.0,
        image_regions=regions, image_share=share,
    )
    return words, facts


def _page_boxes(raw: list, matrix: pymupdf.Matrix, width: float, height: float) -> list[BBox | None]:
    """Word rectangles (unrotated page space) on the displayed page as 0-1 fractions, clamped;
    None for a box that is degenerate or lies entirely off the page. `matrix` turns by a multiple
    of 90 degrees."""
    if not raw or width <= 0 or height <= 0:
        return [None] * len(raw)
    rects = np.asarray([w[:4] for w in raw], dtype=np.float64)
    xs = rects[:, [0, 2, 0, 2]]
    ys = rects[:, [1, 1, 3, 3]]
    tx = (matrix.a * xs + matrix.c * ys + matrix.e) / width
    ty = (matrix.b * xs + matrix.d * ys + matrix.f) / height
    boxes = np.stack([tx.min(axis=1), ty.min(axis=1), tx.max(axis=1), ty.max(axis=1)], axis=1)
    valid = np.isfinite(boxes).all(axis=1) & (boxes[:, 2] >= 0) & (boxes[:, 0] <= 1) & (boxes[:, 3] >= 0) \
        & (boxes[:, 1] <= 1)
    boxes = np.clip(boxes, 0.0, 1.0)
    return [tuple(row) if ok else None for row, ok in zip(boxes.tolist(), valid.tolist())]


def _trace_facts(
    page: pymupdf.Page, centres: list[tuple[float, float]], programs: FontPrograms | None
) -> tuple[list[str], list[int], list[int], list[tuple[int, int]], list[SuspectFont]]:
    """(fonts, font index per word, invisible word indexes, turned words, suspect fonts) from the
    text trace."""
    try:
        trace = page.get_texttrace()
        rotation = int(page.rotation)
    except Exception:
        return [], [-1] * len(centres), [], [], []
    fonts: list[str] = []
    font_index: dict[str, int] = {}
    boxes: list[tuple[float, float, float, float]] = []
    span_font: list[int] = []
    span_invisible: list[bool] = []
    span_turn: list[int] = []
    used: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for span in trace:
        name = str(span.get("font") or "")
        index = font_index.setdefault(name, len(fonts))
        if index == len(fonts):
            fonts.append(name)
        hidden = span.get("type") in _INVISIBLE_MODES or (span.get("opacity") is not None and span["opacity"] <= 0)
        boxes.append(tuple(span["bbox"]))
        span_font.append(index)
        span_invisible.append(bool(hidden))
        span_turn.append(_upright_turn(span.get("dir", (1.0, 0.0)), rotation))
        if not hidden:  # invisible glyphs draw nothing, so their glyph ids say nothing about the pixels
            for char in span.get("chars", ()):
                if char[0] >= 0:
                    used[name].add((chr(char[0]), int(char[1])))
    word_font = [-1] * len(centres)
    invisible: list[int] = []
    turned: list[tuple[int, int]] = []
    if boxes:
        spans = np.asarray(boxes, dtype=np.float64)
        points = np.asarray(centres, dtype=np.float64)
        # Smallest span containing each word's centre; chunks keep the matrix small on dense pages.
        area = (spans[:, 2] - spans[:, 0]) * (spans[:, 3] - spans[:, 1])
        for start in range(0, len(points), 2048):
            chunk = points[start:start + 2048]
            inside = ((chunk[:, None, 0] >= spans[None, :, 0]) & (chunk[:, None, 0] <= spans[None, :, 2])
                      & (chunk[:, None, 1] >= spans[None, :, 1]) & (chunk[:, None, 1] <= spans[None, :, 3]))
            ranked = np.where(inside, area[None, :], np.inf)
            best = ranked.argmin(axis=1)
            found = np.isfinite(ranked[np.arange(len(chunk)), best])
            for offset in np.flatnonzero(found):
                span = int(best[offset])
                word_font[start + offset] = span_font[span]
                if span_invisible[span]:
                    invisible.append(start + int(offset))
                if span_turn[span]:
                    turned.append((start + int(offset), span_turn[span]))
    suspects: list[SuspectFont] = []
    if programs is not None and used:
        by_name = programs.for_page(page)
        for name in fonts:
            suspect = check_font(name, used.get(name, ()), by_name.get(name, []))
            if suspect is not None:
                suspects.append(suspect)
    return fonts, word_font, invisible, turned, suspects


def _upright_turn(direction: tuple[float, float], rotation: int) -> int:
    """Clockwise turn (0/90/180/270) that makes text with baseline `direction` (unrotated page space,
    y down) read left to right on the page displayed with /Rotate `rotation`."""
    shown = math.degrees(math.atan2(direction[1], direction[0])) + rotation  # y down: clockwise positive
    return int(round((360 - shown) / 90.0)) % 4 * 90


def _image_regions(infos: list[dict], to_display: pymupdf.Matrix, width: float,
                   height: float) -> tuple[list[BBox], float]:
    """Boxes of the images drawn on the page (largest first) and the share of the page they cover."""
    regions: list[BBox] = []
    for info in infos:
        rect = pymupdf.Rect(info.get("bbox", (0, 0, 0, 0)))
        if not rect.is_valid or rect.is_empty or rect.is_infinite:
            continue
        shown = rect * to_display
        bbox = normalised_bbox(shown.x0, shown.y0, shown.x1, shown.y1, width, height)
        if bbox is None or (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) < _MIN_IMAGE_SHARE:
            continue
        regions.append(tuple(round(v, 5) for v in bbox))  # type: ignore[arg-type]
    if not regions:
        return [], 0.0
    regions.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    grid = np.zeros((_COVERAGE_GRID, _COVERAGE_GRID), dtype=bool)
    for x0, y0, x1, y1 in regions:
        grid[int(y0 * _COVERAGE_GRID):int(np.ceil(y1 * _COVERAGE_GRID)),
             int(x0 * _COVERAGE_GRID):int(np.ceil(x1 * _COVERAGE_GRID))] = True
    return regions[:_MAX_IMAGE_REGIONS], round(float(grid.mean()), 4)
