"""Chart title and axis titles from the phrases around the plot (crop pixels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from docpipe.charts.raster_reading import Reading
from docpipe.charts.raster_scene import Scene
from docpipe.charts.raster_text import TextBox


@dataclass
class Titles:
    title: str | None
    value_title: str | None
    category_title: str | None


def _line_text(parts: list[TextBox]) -> str:
    return " ".join(p.text for p in sorted(parts, key=lambda p: p.x0))


def _lines(parts: list[TextBox]) -> list[list[TextBox]]:
    """Phrases grouped into text lines (shared vertical centre)."""
    out: list[list[TextBox]] = []
    for p in sorted(parts, key=lambda p: p.cy):
        if out and abs(np.mean([q.cy for q in out[-1]]) - p.cy) < 0.5 * max(p.h, 1):
            out[-1].append(p)
        else:
            out.append([p])
    return out


def titles(scene: Scene, r: Reading, legend) -> Titles:
    used = {id(e.label) for e in legend} | {id(x) for x in r.used_text}
    for f in (scene.x_axis, scene.y_axis):
        if f is not None:
            used |= {id(b) for b in f.labels}
    free = [p for p in scene.phrases if id(p) not in used and p.number is None]
    marks_top = min((p.box[1] for s in r.series for p in s.points), default=scene.window.y0)
    top_limit = min(marks_top, scene.window.y0 + 0.5 * scene.window.h) - 2
    top = [p for p in free if p.y1 <= top_limit and not p.vertical]
    title = None
    if top:
        lines = _lines(top)
        biggest = max(lines, key=lambda ln: (max(p.h for p in ln), -np.mean([p.cy for p in ln])))
        title = _line_text(biggest + _numbers_on_line(biggest, scene.phrases, used))
    value_title = category_title = None
    vertical_value = r.orientation != "horizontal"
    rotated = [p for p in free if p.vertical]
    if vertical_value and rotated:
        value_title = max(rotated, key=lambda p: p.h).text
    fit_cat = scene.x_axis if vertical_value else scene.y_axis
    below_from = max((b.y1 for b in fit_cat.labels), default=None) if fit_cat is not None and vertical_value else None
    if below_from is None:
        below_from = max((p.box[3] for s in r.series for p in s.points), default=scene.window.y1)
    bottom = [p for p in free if p.y0 > below_from + 0.3 * scene.text_size() and not p.vertical
              and p.text != title]
    if bottom:
        first = _lines(bottom)[0]
        text = _line_text(first)
        if len(text) > 1:
            if vertical_value:
                category_title = text
            else:
                value_title = value_title or text
    if not vertical_value and rotated:
        category_title = max(rotated, key=lambda p: p.h).text
    return Titles(title, value_title, category_title)


def _numbers_on_line(line: list[TextBox], phrases: list[TextBox], used: set[int]) -> list[TextBox]:
    """Numbers printed in a title line ("Sales, 2024"): unused numeric phrases on the line's
    centre, of its text height, within two text heights of its ends."""
    h = max(p.h for p in line)
    cy = float(np.mean([p.cy for p in line]))
    x0, x1 = min(p.x0 for p in line), max(p.x1 for p in line)
    return [q for q in phrases if q.number is not None and id(q) not in used and not q.vertical
            and abs(q.cy - cy) < 0.5 * h and q.h >= 0.7 * h and x0 - 2 * h <= q.cx <= x1 + 2 * h]
