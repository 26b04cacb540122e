"""Exact reading of vector charts from a PDF page's drawing commands and its text layer.

Input: the page's painted paths (`records.PageDrawings`, from PyMuPDF's `Page.get_drawings`) and
its words (the text layer), plus the chart's region from `charts.detect`. Output: one
`ChartData` (reader `vector`).

How a chart is read:
1. Paths are sorted into rules (straight horizontal/vertical grey lines: axes, ticks, grid),
   legend swatches (a small coloured mark with a text label right of it) and marks (bars,
   polylines, markers, filled areas, pie wedges).
2. Each numeric axis comes from its tick labels: a column of numbers beside the marks (value axis)
   or a row below them. Every label is tied to the rule it labels (a tick or grid line through the
   label's centre), so the scale `value = a + b * position` is fitted on exact positions; linear or
   log10 (whichever fits), with the residual as a check.
3. Marks map through the scales: bar ends, polyline vertices, marker centres, area outlines;
   categories come from the label row (or column) the marks line up with; pie sectors from the
   angles of their arcs. Series are told apart by colour and named by the legend.
4. Printed data labels cross-check the values (a disagreement lowers confidence); a chart without
   a value axis takes its values from its data labels.

Exactness: MuPDF reports coordinates as single-precision floats (relative error 2^-24), so a
value read through a scale has an error bound of about 1e-7 of the page size in value units; each
value is snapped to the shortest decimal inside that bound (`numbers.snap`), which recovers the
plotted number exactly whenever the data had fewer decimals than the bound allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from docpipe.charts.labels import TextLabel, chart_labels, to_fraction, to_points
from docpipe.charts.model import ChartAxis, ChartData, ChartPoint, ChartSeries, ChartType
from docpipe.charts.name_assignment import pair_by_cost
from docpipe.charts.numbers import format_value, snap
from docpipe.records import BBox, DrawingPath, ErrorCategory, ErrorInfo, PageDrawings, Word

FLOAT32_EPS = 2.0 ** -24
MARKER_MAX_PT = 16.0  # markers (scatter points, line vertices) are smaller than this both ways
SWATCH_MAX_PT = 22.0  # legend swatches: small rects, or short lines up to twice this long
STAGE = "chart_read"

Box = tuple[float, float, float, float]
Point = tuple[float, float]


@dataclass
class _Shape:
    paint: str
    fill: str | None
    stroke: str | None
    box: Box
    segments: list[tuple[str, list[Point]]]
    closed: bool

    @property
    def color(self) -> str | None:
        return self.fill if self.paint != "stroke" else self.stroke

    @property
    def w(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def h(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def has_curves(self) -> bool:
        return any(op == "curve" for op, _ in self.segments)

    def vertices(self) -> list[Point]:
        out: list[Point] = []
        for op, pts in self.segments:
            if op == "rect":
                (x0, y0), (x1, y1) = pts
                pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            elif op == "curve":
                pts = [pts[0], pts[3]]
            for p in pts:
                if not out or abs(out[-1][0] - p[0]) > 1e-6 or abs(out[-1][1] - p[1]) > 1e-6:
                    out.append(p)
        return out


@dataclass
class _Rule:
    horizontal: bool
    pos: float  # y of a horizontal rule, x of a vertical one (points)
    start: float
    end: float


@dataclass
class _Scale:
    a: float
    b: float
    log: bool
    exact: bool  # fitted on rule positions (drawing commands), not label centres
    error: float  # bound on a value's error, value units
    unit: str | None
    labels: list[TextLabel]
    minimum: float
    maximum: float

    def value(self, pos: float) -> float:
        v = self.a + self.b * pos
        return 10.0 ** v if self.log else v

    def position(self, value: float) -> float:
        v = math.log10(value) if self.log else value
        return (v - self.a) / self.b


@dataclass
class _Mark:
    """A value-bearing mark before categories and series are assigned."""

    color: str | None
    box: Box
    x_pos: float  # where the mark sits along the category / x axis (points)
    y: float | None
    x_value: float | None = None
    exact: bool = True
    label: TextLabel | None = None
    stacked: bool = False
    name_certainty: float = 1.0  # how surely the category name belongs to this mark (pie names)


@dataclass
class _Read:
    chart_type: ChartType = "other"
    orientation: str | None = None
    marks: list[_Mark] = field(default_factory=list)
    category_labels: list[TextLabel] = field(default_factory=list)
    x_scale: _Scale | None = None
    y_scale: _Scale | None = None
    value_unit: str | None = None


def read_vector_chart(drawings: PageDrawings, words: list[Word], *, page_size: tuple[float, float],
                      region: BBox = (0.0, 0.0, 1.0, 1.0), page_index: int = 0,
                      chart_index: int = 0) -> ChartData:
    """Read the chart inside `region` of a PDF page from its drawing commands and text layer.

    page_size: the displayed page's (width, height) in points; region and every returned box are
    [x0, y0, x1, y1] fractions of the displayed page, origin top-left. Never raises for an odd
    chart: what cannot be read is a ChartData whose `error` (unreadable_chart) says why.
    """
    width, height = page_size
    area = to_points(region, width, height)
    shapes = [s for s in (_shape(p, width, height) for p in drawings.paths) if s is not None and _within(s.box, area)]
    labels = chart_labels(words, width, height, area)
    base = ChartData(page_index=page_index, chart_index=chart_index, bbox=region, reader="vector")
    shapes = [s for s in shapes if not _background(s, area)]
    rules = [r for s in shapes for r in _rules(s)]
    legend, swatches = _legend(shapes, labels)
    marks = [s for s in shapes if id(s) not in swatches and not _rule_shape(s)]
    used: set[int] = {id(label) for _, label in legend}
    if not marks:
        return _failed(base, "no chart marks (bars, lines, points or sectors) among the drawing commands")
    read = _read_marks(marks, rules, [lab for lab in labels if id(lab) not in used], max(width, height))
    if isinstance(read, str):
        return _failed(base, read)
    for label in read.category_labels:
        used.add(id(label))
    for scale in (read.x_scale, read.y_scale):
        if scale is not None:
            used.update(id(lab) for lab in scale.labels)
    for mark in read.marks:
        if mark.label is not None:
            used.add(id(mark.label))
    return _chart(base, read, legend, [lab for lab in labels if id(lab) not in used], width, height)


# -- shapes ------------------------------------------------------------------------------------

def _shape(path: DrawingPath, width: float, height: float) -> _Shape | None:
    segments: list[tuple[str, list[Point]]] = []
    for seg in path.segments:
        pts = [(seg.points[i] * width, seg.points[i + 1] * height) for i in range(0, len(seg.points) - 1, 2)]
        segments.append((seg.op, pts))
    if not segments:
        return None
    return _Shape(paint=path.paint, fill=path.fill, stroke=path.stroke,
                  box=to_points(path.bbox, width, height), segments=segments, closed=path.closed)


def _within(box: Box, area: Box, margin: float = 2.0) -> bool:
    return (box[0] >= area[0] - margin and box[1] >= area[1] - margin
            and box[2] <= area[2] + margin and box[3] <= area[3] + margin)


def _rgb(color: str | None) -> tuple[int, int, int] | None:
    if not color:
        return None
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def is_grey(color: str | None) -> bool:
    rgb = _rgb(color)
    return rgb is None or max(rgb) - min(rgb) <= 16


def is_light(color: str | None) -> bool:
    rgb = _rgb(color)
    return rgb is not None and min(rgb) >= 235


def _background(shape: _Shape, area: Box) -> bool:
    """Page, figure and plot backgrounds: light fills, or grey fills covering most of the chart."""
    if shape.paint == "stroke":
        return False
    if shape.fill is not None and is_light(shape.fill):
        return True
    covered = shape.w * shape.h / max(1e-9, (area[2] - area[0]) * (area[3] - area[1]))
    return covered > 0.4 and is_grey(shape.fill) and not shape.has_curves


def _straight(shape: _Shape) -> list[tuple[Point, Point]] | None:
    """The segments of a path made only of straight lines (rects as their four sides)."""
    out = []
    for op, pts in shape.segments:
        if op == "line":
            out.append((pts[0], pts[1]))
        elif op == "rect":
            (x0, y0), (x1, y1) = pts
            out += [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))]
        else:
            return None
    return out


def _axis_aligned(a: Point, b: Point, tolerance: float = 0.05) -> bool:
    return abs(a[0] - b[0]) <= tolerance or abs(a[1] - b[1]) <= tolerance


def _rule_shape(shape: _Shape) -> bool:
    """Axis lines, ticks, grid lines: grey straight strokes, or hairline rects (zero width/height)."""
    if shape.w < 0.01 and shape.h < 0.01:
        return True  # a dot or an empty path
    thin = min(shape.w, shape.h) <= 1.2 and max(shape.w, shape.h) > 2 * min(shape.w, shape.h)
    if shape.paint != "stroke" and not thin:
        return False
    segments = _straight(shape)
    if segments is None or not all(_axis_aligned(a, b) for a, b in segments):
        return False
    return is_grey(shape.color) or len(segments) == 1 and max(shape.w, shape.h) > 0 and thin and is_grey(shape.color)


def _rules(shape: _Shape) -> list[_Rule]:
    if not _rule_shape(shape):
        return []
    rules = []
    if shape.paint != "stroke" and min(shape.w, shape.h) <= 1.2:  # a hairline drawn as a thin filled rect
        if shape.w >= shape.h:
            return [_Rule(True, shape.cy, shape.box[0], shape.box[2])]
        return [_Rule(False, shape.cx, shape.box[1], shape.box[3])]
    for a, b in _straight(shape) or []:
        if abs(a[1] - b[1]) <= 0.05 and abs(a[0] - b[0]) > 0.05:
            rules.append(_Rule(True, (a[1] + b[1]) / 2, min(a[0], b[0]), max(a[0], b[0])))
        elif abs(a[0] - b[0]) <= 0.05 and abs(a[1] - b[1]) > 0.05:
            rules.append(_Rule(False, (a[0] + b[0]) / 2, min(a[1], b[1]), max(a[1], b[1])))
    return rules


def _legend(shapes: list[_Shape], labels: list[TextLabel]) -> tuple[list[tuple[_Shape, TextLabel]], set[int]]:
    """(swatch, label) pairs: a small coloured mark with a non-numeric label just right of it.

    Returns the pairs and the ids of every shape that belongs to the legend (swatches, the
    markers drawn on line swatches, the legend's frame).
    """
    candidates = []
    for shape in shapes:
        color = shape.color
        if color is None or is_light(color) or _rule_shape(shape):
            continue
        small = shape.w <= SWATCH_MAX_PT and shape.h <= SWATCH_MAX_PT and shape.paint != "stroke" \
            and min(shape.w, shape.h) >= 2.0
        short_line = shape.paint == "stroke" and shape.h <= 1.0 and 4 <= shape.w <= 2 * SWATCH_MAX_PT
        if small or short_line:
            candidates.append(shape)
    entries: list[tuple[_Shape, TextLabel]] = []
    claimed: set[int] = set()
    for label in labels:
        if label.number is not None or label.vertical:
            continue
        best = None
        for shape in candidates:
            gap = label.x0 - shape.box[2]
            if -0.5 <= gap <= max(2.5 * label.height, 12.0) and abs(label.cy - shape.cy) <= 0.45 * label.height:
                if best is None or gap < best[0]:
                    best = (gap, shape)
        if best is not None and id(best[1]) not in claimed:
            entries.append((best[1], label))
            claimed.add(id(best[1]))
    # One entry per label and colour; a label claimed twice keeps its nearest swatch.
    if len(entries) < 1:
        return [], set()
    members = {id(s) for s, _ in entries}
    for shape in shapes:  # markers drawn on a legend line, and the legend frame
        for swatch, label in entries:
            if shape is swatch:
                continue
            on_swatch = (shape.color == swatch.color and swatch.box[0] - 1 <= shape.cx <= swatch.box[2] + 1
                         and abs(shape.cy - swatch.cy) <= 2 and shape.w <= SWATCH_MAX_PT)
            if on_swatch:
                members.add(id(shape))
    legend_box = (min(min(s.box[0], lab.x0) for s, lab in entries), min(min(s.box[1], lab.y0) for s, lab in entries),
                  max(max(s.box[2], lab.x1) for s, lab in entries), max(max(s.box[3], lab.y1) for s, lab in entries))
    for shape in shapes:
        if id(shape) in members or shape.has_curves and shape.paint == "fill":
            continue
        b = shape.box
        encloses = b[0] <= legend_box[0] + 1 and b[1] <= legend_box[1] + 1 and b[2] >= legend_box[2] - 1 \
            and b[3] >= legend_box[3] - 1
        tight = (b[2] - b[0]) * (b[3] - b[1]) <= 3.0 * (legend_box[2] - legend_box[0]) * (legend_box[3] - legend_box[1])
        if encloses and tight and (shape.paint == "stroke" or is_grey(shape.fill) or is_light(shape.fill)):
            members.add(id(shape))
    return entries, members


# -- scales ------------------------------------------------------------------------------------

def _fit(pairs: list[tuple[float, float]], log: bool) -> tuple[float, float, float] | None:
    """(a, b, max residual in value units) of value = a + b * position; None if it does not fit."""
    pos = np.array([p for p, _ in pairs], dtype=float)
    val = np.array([v for _, v in pairs], dtype=float)
    if log:
        if np.any(val <= 0):
            return None
        val = np.log10(val)
    if np.ptp(pos) <= 1e-6 or np.ptp(val) <= 0:
        return None
    b, a = np.polyfit(pos, val, 1)
    residual = float(np.max(np.abs(a + b * pos - val)))
    return float(a), float(b), residual


def _scale(labels: list[TextLabel], rules: list[_Rule], horizontal_axis: bool, coord_max: float) -> _Scale | None:
    """A numeric axis from its tick labels; positions from the rules through them where drawn."""
    pairs: list[tuple[float, float]] = []
    exact = True
    used: list[TextLabel] = []
    for label in labels:
        assert label.number is not None
        centre = label.cx if horizontal_axis else label.cy
        extent = label.width if horizontal_axis else label.height
        best = None
        for rule in rules:
            if rule.horizontal == horizontal_axis:
                continue  # a y tick is a horizontal rule, an x tick a vertical one
            distance = abs(rule.pos - centre)
            near = (rule.start - 2.5 * extent <= (label.cy if horizontal_axis else label.cx)
                    <= rule.end + 2.5 * extent + (label.width if not horizontal_axis else label.height))
            if distance <= 0.6 * extent and near and (best is None or distance < best[0]):
                best = (distance, rule.pos)
        if best is None:
            exact = False
            pairs.append((centre, label.number.value))
        else:
            pairs.append((best[1], label.number.value))
        used.append(label)
    if len({v for _, v in pairs}) < 2:
        return None
    span = max(v for _, v in pairs) - min(v for _, v in pairs)
    # Rule positions fit a line to float precision in exactly written PDFs; producers that round
    # coordinates to a device grid (LibreOffice: 1/100 mm) leave a residual of about that grid.
    tolerance = 1e-3 if exact else 0.02
    for log in (False, True):
        fitted = _fit(pairs, log)
        if fitted is None:
            continue
        a, b, residual = fitted
        scale_span = (math.log10(max(v for _, v in pairs)) - math.log10(min(v for _, v in pairs))) if log else span
        if residual <= tolerance * scale_span + 1e-12:
            exact_fit = exact and residual <= 1e-6 * scale_span
            bound = abs(b) * 2 * coord_max * FLOAT32_EPS + 2 * residual
            units = {lab.number.unit for lab in used if lab.number is not None}
            unit = units.pop() if len(units) == 1 else None
            values = [v for _, v in pairs]
            return _Scale(a=a, b=b, log=log, exact=exact_fit, error=bound if exact else abs(b) * 0.5, unit=unit,
                          labels=used, minimum=min(values), maximum=max(values))
    if len(pairs) >= 4:  # one stray number (a data label in line with the ticks): drop the worst
        for drop in range(len(labels)):
            rest = labels[:drop] + labels[drop + 1:]
            scale = _scale(rest, rules, horizontal_axis, coord_max)
            if scale is not None:
                return scale
    return None


def _aligned_groups(labels: list[TextLabel], key, tolerance: float) -> list[list[TextLabel]]:
    groups: list[list[TextLabel]] = []
    for label in sorted(labels, key=key):
        if groups and abs(key(groups[-1][-1]) - key(label)) <= tolerance:
            groups[-1].append(label)
        else:
            groups.append([label])
    return groups


def _axes(labels: list[TextLabel], marks_box: Box) -> tuple[list[TextLabel], list[TextLabel], list[TextLabel], list[TextLabel]]:
    """(y value labels, x value labels, category labels below, category labels left) around the marks."""
    x0, y0, x1, y1 = marks_box
    numeric = [lab for lab in labels if lab.number is not None and not lab.vertical]
    columns = [g for g in _aligned_groups([lab for lab in numeric if lab.x1 <= x0 + 2 or lab.x0 >= x1 - 2],
                                          lambda lab: round(lab.x1, 3), 2.5)
               if len({round(lab.cy, 1) for lab in g}) >= 2]
    columns += [g for g in _aligned_groups([lab for lab in numeric if lab.x0 >= x1 - 2],
                                           lambda lab: round(lab.x0, 3), 2.5)
                if len({round(lab.cy, 1) for lab in g}) >= 2]
    rows = [g for g in _aligned_groups([lab for lab in numeric if lab.y0 >= y1 - 2 or lab.y1 <= y0 + 2],
                                       lambda lab: round(lab.cy, 3), 2.0)
            if len({round(lab.cx, 1) for lab in g}) >= 2]
    y_labels = max(columns, key=len, default=[])
    x_labels = max(rows, key=len, default=[])
    on_y = {id(lab) for lab in y_labels}
    below = [lab for lab in labels if not lab.vertical and lab.y0 >= y1 - 2 and x0 - 40 <= lab.cx <= x1 + 40
             and id(lab) not in on_y]
    cat_rows = _aligned_groups(below, lambda lab: round(lab.y0, 3), 2.5)
    wide = [g for g in cat_rows if len(g) >= 2] or cat_rows
    category_below = min(wide, key=lambda g: g[0].y0, default=[])
    on_x = {id(lab) for lab in x_labels}
    left = [lab for lab in labels if not lab.vertical and lab.x1 <= x0 + 2 and y0 - 20 <= lab.cy <= y1 + 20
            and id(lab) not in on_x]
    cat_cols = _aligned_groups(left, lambda lab: round(lab.x1, 3), 3.0)
    category_left = max(cat_cols, key=lambda g: (len(g), g[0].x1), default=[])
    return y_labels, x_labels, category_below, category_left


# -- marks -------------------------------------------------------------------------------------

def _is_rect(shape: _Shape) -> bool:
    if shape.paint == "stroke":
        return False
    if len(shape.segments) == 1 and shape.segments[0][0] == "rect":
        return True
    segments = _straight(shape)
    if segments is None or not 3 <= len(segments) <= 5 or not all(_axis_aligned(a, b) for a, b in segments):
        return False
    return len({(round(p[0], 2), round(p[1], 2)) for s in segments for p in s}) == 4


def _is_marker(shape: _Shape) -> bool:
    return (shape.w <= MARKER_MAX_PT and shape.h <= MARKER_MAX_PT and shape.w > 0.3 and shape.h > 0.3
            and 0.4 <= shape.w / shape.h <= 2.5 and (shape.closed or shape.paint != "stroke" or shape.has_curves))


def _read_marks(shapes: list[_Shape], rules: list[_Rule], labels: list[TextLabel],
                coord_max: float) -> _Read | str:
    rects = [s for s in shapes if _is_rect(s)]
    wedges = [s for s in shapes if s.has_curves and s.paint != "stroke" and not _is_marker(s)]
    markers = [s for s in shapes if _is_marker(s) and s not in rects]
    polylines = [s for s in shapes if s.paint == "stroke" and not s.has_curves and not _is_marker(s)
                 and len(s.vertices()) >= 2 and not is_grey(s.color)]
    areas = [s for s in shapes if s.paint != "stroke" and not s.has_curves and s not in rects and not _is_marker(s)
             and len(s.vertices()) >= 3 and not is_grey(s.fill)]
    if len(wedges) >= 2 and not rects and not polylines:
        return _read_pie(wedges, labels, coord_max)
    value_shapes = rects + markers + polylines + areas
    if not value_shapes:
        return "no chart marks (bars, lines, points or sectors) among the drawing commands"
    box = (min(s.box[0] for s in value_shapes), min(s.box[1] for s in value_shapes),
           max(s.box[2] for s in value_shapes), max(s.box[3] for s in value_shapes))
    y_labels, x_labels, cat_below, cat_left = _axes(labels, box)
    y_scale = _scale(y_labels, rules, False, coord_max) if y_labels else None
    x_scale = _scale(x_labels, rules, True, coord_max) if x_labels else None
    read = _Read(x_scale=x_scale, y_scale=y_scale)
    bars = _bar_rects(rects, rules, markers or polylines)
    horizontal = bool(bars) and _horizontal_bars(bars, x_scale, y_scale, cat_left)
    if bars:
        read.chart_type, read.orientation = "bar", "horizontal" if horizontal else "vertical"
        value_scale = x_scale if horizontal else y_scale
        read.category_labels = cat_left if horizontal else [lab for lab in cat_below if lab not in x_labels] or \
            (x_labels if x_scale is None or not horizontal else [])
        if horizontal and y_scale is not None:
            read.category_labels = y_scale.labels
        read.marks += _bar_marks(bars, value_scale, horizontal, labels)
        stacked = any(m.stacked for m in read.marks)
        colors = {m.color for m in read.marks}
        if stacked:
            read.chart_type = "stacked_bar"
        elif len(colors) > 1 and _shared_slots(read.marks):
            read.chart_type = "grouped_bar"
        if horizontal:
            read.y_scale, read.x_scale = None, x_scale
        else:
            read.x_scale = None if read.category_labels else x_scale
    lines = polylines + [s for s in markers if s not in bars]
    if areas and not bars:
        read.chart_type = "area"
        read.marks += _area_marks(areas, y_scale, x_scale)
    if lines and not bars:
        if read.chart_type != "area":
            read.chart_type = "line" if polylines else "scatter"
        read.marks += _point_marks(polylines, markers, x_scale, y_scale)
        if x_scale is None or not x_labels:
            read.category_labels = [lab for lab in cat_below if lab.number is None] or cat_below
        if read.category_labels and x_scale is not None and set(map(id, read.category_labels)) <= set(map(id, x_labels)):
            read.category_labels = []  # a numeric x axis: x values come from its scale
    value_scale = read.x_scale if read.orientation == "horizontal" else read.y_scale
    axis_labels = {id(lab) for scale in (x_scale, y_scale) if scale is not None for lab in scale.labels}
    axis_labels |= {id(lab) for lab in read.category_labels}
    free = [lab for lab in labels if id(lab) not in axis_labels]
    if value_scale is None:
        if not _values_from_labels(read.marks, free):
            return "no value axis (numeric tick labels) and no data labels to read values from"
    else:
        _cross_check(read.marks, free, value_scale)
    read.value_unit = value_scale.unit if value_scale is not None else None
    return read


def _bar_rects(rects: list[_Shape], rules: list[_Rule], other_marks: list[_Shape]) -> list[_Shape]:
    """Rects that are bars: at least one shares an edge line with another rect or an axis rule."""
    if not rects:
        return []
    if len(rects) == 1:
        return rects
    edges_y = [r.box[3] for r in rects] + [r.box[1] for r in rects]
    edges_x = [r.box[0] for r in rects] + [r.box[2] for r in rects]
    shared_bottom = _common(edges_y, len(rects))
    shared_left = _common(edges_x, len(rects))
    if shared_bottom or shared_left:
        return rects
    if all(_is_marker(r) for r in rects) and other_marks:
        return []
    return rects if not all(_is_marker(r) for r in rects) else []


def _common(values: list[float], count: int) -> bool:
    rounded = [round(v, 2) for v in values]
    return max(rounded.count(v) for v in rounded) >= max(2, count // 2)


def _horizontal_bars(bars: list[_Shape], x_scale: _Scale | None, y_scale: _Scale | None,
                     cat_left: list[TextLabel]) -> bool:
    lefts = _common([b.box[0] for b in bars], len(bars))
    bottoms = _common([b.box[3] for b in bars] + [b.box[1] for b in bars], len(bars))
    if x_scale is not None and y_scale is None and lefts:
        return True
    if y_scale is not None and x_scale is None:
        return False
    if lefts and not bottoms:
        return True
    return False


def _bar_marks(bars: list[_Shape], scale: _Scale | None, horizontal: bool, labels: list[TextLabel]) -> list[_Mark]:
    marks: list[_Mark] = []
    if horizontal:
        ends = [(b.box[0], b.box[2]) for b in bars]
        base_pos = scale.position(0.0) if scale is not None and not scale.log and scale.minimum <= 0 <= scale.maximum \
            else _most_common([e for pair in ends for e in pair])
    else:
        ends = [(b.box[3], b.box[1]) for b in bars]  # (bottom, top) in page y (down)
        base_pos = scale.position(0.0) if scale is not None and not scale.log and scale.minimum <= 0 <= scale.maximum \
            else _most_common([e for pair in ends for e in pair])
    tops = {round(e[1], 2) for e in ends}
    for bar, (near, far) in zip(bars, ends):
        on_base = abs(near - base_pos) <= 0.05 or abs(far - base_pos) <= 0.05
        stacked = not on_base and round(near, 2) in tops
        y = None
        if scale is not None:
            v_near, v_far = scale.value(near), scale.value(far)
            if abs(near - base_pos) <= 0.05:
                y = v_far  # a bar standing on the baseline: its value is where it ends
            elif abs(far - base_pos) <= 0.05:
                y = v_near  # drawn from its end back to the baseline (a negative bar)
            else:
                y = v_far - v_near  # a stacked segment or a floating bar: its extent
            y = snap(y, scale.error if on_base else 2 * scale.error)
        position = bar.cy if horizontal else bar.cx
        marks.append(_Mark(color=bar.fill, box=bar.box, x_pos=position, y=y,
                           exact=scale is not None and scale.exact, stacked=stacked))
    # A stacked segment's partner at the base makes the whole stack stacked.
    if any(m.stacked for m in marks):
        slots = _slots([m.x_pos for m in marks])
        stacked_slots = {slots[i] for i, m in enumerate(marks) if m.stacked}
        for i, m in enumerate(marks):
            if slots[i] in stacked_slots:
                m.stacked = True
    return marks


def _most_common(values: list[float]) -> float:
    rounded = [round(v, 2) for v in values]
    best = max(set(rounded), key=rounded.count)
    return next(v for v, r in zip(values, rounded) if r == best)


def _slots(positions: list[float], tolerance: float = 0.5) -> list[int]:
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    slot_of = [0] * len(positions)
    slot = -1
    last = None
    for i in order:
        if last is None or positions[i] - last > tolerance:
            slot += 1
        slot_of[i] = slot
        last = positions[i]
    return slot_of


def _shared_slots(marks: list[_Mark]) -> bool:
    """Bars of different colours side by side: grouped (not one colour per category)."""
    by_color: dict[str | None, int] = {}
    for m in marks:
        by_color[m.color] = by_color.get(m.color, 0) + 1
    return len(by_color) > 1 and max(by_color.values()) > 1


def _point_marks(polylines: list[_Shape], markers: list[_Shape], x_scale: _Scale | None,
                 y_scale: _Scale | None) -> list[_Mark]:
    marks: list[_Mark] = []
    vertices_by_color: dict[str | None, list[Point]] = {}
    for line in polylines:
        vertices_by_color.setdefault(line.color, []).extend(line.vertices())
    used_markers: set[int] = set()
    for color, vertices in vertices_by_color.items():
        seen: set[tuple[float, float]] = set()
        for x, y in sorted(vertices):
            key = (round(x, 3), round(y, 3))
            if key in seen:
                continue
            seen.add(key)
            near = [m for m in markers if m.color == color and abs(m.cx - x) <= 1.0 and abs(m.cy - y) <= 1.0
                    and id(m) not in used_markers]
            marker = min(near, key=lambda m: math.hypot(m.cx - x, m.cy - y), default=None)
            if marker is not None:
                used_markers.add(id(marker))
            box = marker.box if marker is not None else (x - 2, y - 2, x + 2, y + 2)
            marks.append(_point(color, box, x, y, x_scale, y_scale))
    for marker in markers:
        if id(marker) not in used_markers:
            marks.append(_point(marker.color, marker.box, marker.cx, marker.cy, x_scale, y_scale))
    return marks


def _point(color: str | None, box: Box, x: float, y: float, x_scale: _Scale | None, y_scale: _Scale | None) -> _Mark:
    value = snap(y_scale.value(y), y_scale.error) if y_scale is not None else None
    x_value = snap(x_scale.value(x), x_scale.error) if x_scale is not None else None
    exact = y_scale is not None and y_scale.exact and (x_scale is None or x_scale.exact)
    return _Mark(color=color, box=box, x_pos=x, y=value, x_value=x_value, exact=exact)


def _area_marks(areas: list[_Shape], y_scale: _Scale | None, x_scale: _Scale | None) -> list[_Mark]:
    marks: list[_Mark] = []
    for area in areas:
        columns: dict[float, tuple[float, list[float]]] = {}
        for x, y in area.vertices():
            columns.setdefault(round(x, 2), (x, []))[1].append(y)
        for x, ys in (columns[key] for key in sorted(columns)):
            top, bottom = min(ys), max(ys)
            value = None
            if y_scale is not None:
                value = y_scale.value(top) - (y_scale.value(bottom) if len(set(ys)) > 1 else 0.0)
                value = snap(value, 2 * y_scale.error)
            x_value = snap(x_scale.value(x), x_scale.error) if x_scale is not None else None
            marks.append(_Mark(color=area.fill, box=(x - 2, top - 2, x + 2, top + 2), x_pos=x, y=value,
                               x_value=x_value, exact=y_scale is not None and y_scale.exact))
    return marks


def _read_pie(wedges: list[_Shape], labels: list[TextLabel], coord_max: float) -> _Read | str:
    """Sectors by the angle of their arcs around the common centre; shares in percent."""
    arcs = [[(pts[0], pts[3]) for op, pts in w.segments if op == "curve"] for w in wedges]
    ends = np.array([p for wedge in arcs for seg in wedge for p in seg])
    if len(ends) < 3:
        return "pie sectors without arcs"
    cx, cy, radius = _circle(ends)
    if radius <= 1.0:
        return "pie sectors do not share a centre"
    read = _Read(chart_type="pie")
    for wedge, wedge_arcs in zip(wedges, arcs):
        outer = [(a, b) for a, b in wedge_arcs if abs(math.hypot(a[0] - cx, a[1] - cy) - radius) <= 0.02 * radius]
        span = 0.0
        for (ax, ay), (bx, by) in outer:
            delta = math.atan2(by - cy, bx - cx) - math.atan2(ay - cy, ax - cx)
            delta = (delta + math.pi) % (2 * math.pi) - math.pi
            span += delta
        share = abs(span) / (2 * math.pi) * 100.0
        bound = 100.0 * 2 * coord_max * FLOAT32_EPS / radius / math.pi
        mid = _mid_angle(outer, cx, cy)
        # Shares are ratios, seldom short decimals: snap only to a step far coarser than the bound.
        read.marks.append(_Mark(color=wedge.fill, box=wedge.box, x_pos=mid, y=snap(share, bound, margin=100.0)))
    read.value_unit = "%"
    _pie_names(read, labels, cx, cy, radius)
    return read


def _circle(points: np.ndarray) -> tuple[float, float, float]:
    """Centre and outer radius of the arcs' end points (Kåsa's algebraic circle fit).

    A donut's inner arcs pull a fit on all points off centre, so the fit is repeated on the
    points of the outer circle only.
    """
    cx, cy, radius = _kasa(points)
    distances = np.hypot(points[:, 0] - cx, points[:, 1] - cy)
    outer = points[distances >= 0.85 * distances.max()]
    if 3 <= len(outer) < len(points):
        cx, cy, radius = _kasa(outer)
    return cx, cy, radius


def _kasa(points: np.ndarray) -> tuple[float, float, float]:
    x, y = points[:, 0], points[:, 1]
    a = np.column_stack([x, y, np.ones_like(x)])
    (p, q, r), *_ = np.linalg.lstsq(a, x * x + y * y, rcond=None)
    cx, cy = p / 2, q / 2
    return float(cx), float(cy), math.sqrt(max(0.0, r + cx * cx + cy * cy))


def _mid_angle(arcs: list[tuple[Point, Point]], cx: float, cy: float) -> float:
    if not arcs:
        return 0.0
    xs = [p[0] for arc in arcs for p in arc]
    ys = [p[1] for arc in arcs for p in arc]
    return math.atan2(sum(ys) / len(ys) - cy, sum(xs) / len(xs) - cx)


PIE_NAME_REACH = math.radians(25)
"""A name outside the disc belongs to a sector when it lies within this angle of the sector's
middle ray (plotting libraries print it on that ray, just outside the rim)."""
PIE_NAME_MARGIN = 0.5
"""A sector's name is certain when every rival pairing (another name for this sector, this name
for another sector) costs at least this much more (`_pie_name_cost` units); a closer rival scales
the certainty, hence the point's confidence, down in proportion, to 0 for a tie."""


def _pie_name_cost(lab: TextLabel, angle: float, cx: float, cy: float, radius: float) -> float | None:
    """Angle off the sector's middle ray (in `PIE_NAME_REACH` units) plus the gap between the
    rim and the label's nearest point (in radii); None when the label is not on the ray."""
    diff = abs((math.atan2(lab.cy - cy, lab.cx - cx) - angle + math.pi) % (2 * math.pi) - math.pi)
    if diff >= PIE_NAME_REACH:
        return None
    nx, ny = min(max(cx, lab.x0), lab.x1), min(max(cy, lab.y0), lab.y1)
    return diff / PIE_NAME_REACH + max(0.0, math.hypot(nx - cx, ny - cy) - radius) / radius


def _pie_names(read: _Read, labels: list[TextLabel], cx: float, cy: float, radius: float) -> None:
    """Category names of sectors: non-numeric labels outside the circle on a sector's middle ray,
    assigned globally, closest pairing first (a large sector cannot take a smaller one's name).
    The title (above the disc, centred on it, the largest font among the candidates) is no name.
    Each named mark's `name_certainty` is the margin to the closest rival pairing over
    `PIE_NAME_MARGIN` (0-1)."""
    names = [lab for lab in labels if lab.number is None and not lab.vertical
             and 0.8 * radius < math.hypot(lab.cx - cx, lab.cy - cy) < 1.8 * radius]
    if len(names) > 1:
        sizes = sorted(lab.size for lab in names)
        typical = sizes[len(sizes) // 2]
        names = [lab for lab in names if not (lab.y1 <= cy - radius and abs(lab.cx - cx) <= 0.2 * radius
                                              and lab.size >= 1.15 * typical)]
    costs: dict[tuple[int, int], float] = {}
    for i, mark in enumerate(read.marks):
        for j, lab in enumerate(names):
            cost = _pie_name_cost(lab, mark.x_pos, cx, cy, radius)
            if cost is not None:
                costs[(i, j)] = cost
    for i, j, sure in pair_by_cost(costs, PIE_NAME_MARGIN):
        mark = read.marks[i]
        read.category_labels.append(names[j])
        mark.label = None
        mark.x_value = None
        setattr(mark, "name_label", names[j])
        mark.name_certainty = sure


# -- values from printed labels ------------------------------------------------------------------

def _data_label(mark: _Mark, labels: list[TextLabel]) -> TextLabel | None:
    """The numeric label printed on or next to a mark (above a bar's end, beside a point)."""
    x0, y0, x1, y1 = mark.box
    best = None
    for lab in labels:
        if lab.number is None or lab.vertical:
            continue
        reach = 1.6 * lab.height
        inside_x = x0 - reach <= lab.cx <= x1 + reach
        inside_y = y0 - reach <= lab.cy <= y1 + reach
        if not (inside_x and inside_y):
            continue
        distance = math.hypot(max(x0 - lab.cx, 0, lab.cx - x1), max(y0 - lab.cy, 0, lab.cy - y1))
        if best is None or distance < best[0]:
            best = (distance, lab)
    return best[1] if best is not None else None


def _cross_check(marks: list[_Mark], labels: list[TextLabel], scale: _Scale) -> None:
    for mark in marks:
        label = _data_label(mark, labels)
        if label is None or mark.y is None or label.number is None:
            continue
        precision = 0.5 * 10.0 ** (-label.number.decimals) + scale.error
        mark.label = label
        if abs(label.number.value - mark.y) > precision * 1.01:
            mark.exact = False  # drawn and printed values disagree: keep the drawn one, flagged


def _values_from_labels(marks: list[_Mark], labels: list[TextLabel]) -> bool:
    """No value axis: each mark takes its printed data label (all marks need one)."""
    found = [(m, _data_label(m, labels)) for m in marks]
    if not found or any(lab is None for _, lab in found):
        return False
    for mark, label in found:
        assert label is not None and label.number is not None
        mark.y, mark.label, mark.exact = label.number.value, label, False
    return True


# -- assembling ChartData --------------------------------------------------------------------------

def _chart(base: ChartData, read: _Read, legend: list[tuple[_Shape, TextLabel]], rest: list[TextLabel],
           width: float, height: float) -> ChartData:
    names = {shape.color: label.text for shape, label in legend}
    if read.chart_type == "pie" and legend:
        # A pie's legend names its sectors (categories), not series.
        for mark in read.marks:
            if mark.color in names and getattr(mark, "name_label", None) is None:
                setattr(mark, "name_label", next(lab for shape, lab in legend if shape.color == mark.color))
        names = {}
    categories = sorted(read.category_labels, key=lambda lab: lab.cy if read.orientation == "horizontal" else lab.cx)
    horizontal = read.orientation == "horizontal"
    series_marks: dict[str | None, list[_Mark]] = {}
    single = read.chart_type == "pie" or not legend and read.chart_type == "bar"
    if read.chart_type in ("line", "area") and len(categories) >= 2:
        read.marks = _at_categories(read.marks, categories)
    for mark in read.marks:
        series_marks.setdefault(None if single else mark.color, []).append(mark)
    series: list[ChartSeries] = []
    for color, marks in series_marks.items():
        points = []
        for mark in sorted(marks, key=lambda m: m.x_pos):
            x_text, x_value = _x_of(mark, categories, read, horizontal)
            source = "vector" if mark.label is None or mark.exact or read.y_scale or read.x_scale else "label"
            if read.chart_type != "pie" and (read.x_scale if horizontal else read.y_scale) is None:
                source = "label"
            confidence = 1.0 if mark.exact and source == "vector" and x_text is not None else 0.9 if source == "label" \
                else 0.6
            confidence = round(confidence * mark.name_certainty, 4)
            points.append(ChartPoint(x=x_text or "", x_value=x_value, y=mark.y,
                                     bbox=_clip(to_fraction(mark.box, width, height)),
                                     source=source, confidence=confidence))
        series.append(ChartSeries(name=names.get(color) if color is not None else None, color=color if not single else
                                  (marks[0].color if len({m.color for m in marks}) == 1 else None), points=points))
    series.sort(key=lambda s: list(names.values()).index(s.name) if s.name in names.values() else len(names))
    title, x_title, y_title = _titles(rest, read, categories)
    value_axis = read.x_scale if horizontal else read.y_scale
    y_axis = ChartAxis(title=y_title if not horizontal else x_title, unit=_unit(read.value_unit, y_title if not horizontal else x_title),
                       scale="log" if value_axis is not None and value_axis.log else "linear",
                       minimum=value_axis.minimum if value_axis else None, maximum=value_axis.maximum if value_axis else None)
    if read.chart_type == "pie":
        y_axis = ChartAxis(unit="%")
    x_scale = None if horizontal else read.x_scale
    x_axis = ChartAxis(title=x_title if not horizontal else y_title,
                       scale="category" if categories or x_scale is None else ("log" if x_scale.log else "linear"),
                       minimum=x_scale.minimum if x_scale and not categories else None,
                       maximum=x_scale.maximum if x_scale and not categories else None)
    confidences = [p.confidence for s in series for p in s.points]
    return base.model_copy(update={
        "chart_type": read.chart_type, "orientation": read.orientation if read.chart_type.endswith("bar") else None,
        "title": title, "x_axis": x_axis if read.chart_type != "pie" else None, "y_axis": y_axis, "series": series,
        "confidence": min(confidences) if confidences else 0.0})


def _at_categories(marks: list[_Mark], categories: list[TextLabel]) -> list[_Mark]:
    """On a category axis a line's data points sit at the categories: keep, per series, the vertex
    nearest each category (a smoothed line's in-between vertices are drawing, not data)."""
    centres = [lab.cx for lab in categories]
    spacing = min(b - a for a, b in zip(centres, centres[1:]))
    kept: list[_Mark] = []
    by_color: dict[str | None, list[_Mark]] = {}
    for mark in marks:
        by_color.setdefault(mark.color, []).append(mark)
    for color_marks in by_color.values():
        for centre in centres:
            near = [m for m in color_marks if abs(m.x_pos - centre) <= 0.25 * spacing]
            if near:
                kept.append(min(near, key=lambda m: abs(m.x_pos - centre)))
    return kept


def _x_of(mark: _Mark, categories: list[TextLabel], read: _Read, horizontal: bool) -> tuple[str | None, float | None]:
    name_label = getattr(mark, "name_label", None)
    if name_label is not None:
        return name_label.text, None
    if categories:
        centres = [lab.cy if horizontal else lab.cx for lab in categories]
        spacing = min((b - a for a, b in zip(centres, centres[1:])), default=float("inf"))
        nearest = min(range(len(categories)), key=lambda i: abs(centres[i] - mark.x_pos))
        if abs(centres[nearest] - mark.x_pos) <= max(0.55 * spacing, 1.0) if spacing != float("inf") else True:
            label = categories[nearest]
            return label.text, None
        return None, None
    if mark.x_value is not None:
        return format_value(mark.x_value), mark.x_value
    return None, None


def _titles(rest: list[TextLabel], read: _Read, categories: list[TextLabel]) -> tuple[str | None, str | None, str | None]:
    """(title, x axis title, y axis title) from the labels no axis, legend or mark claimed.

    Title: the largest line(s) above the marks and tick labels; x title: the first line below the
    category / x tick labels; y title: the rotated line nearest left of the value axis.
    """
    marks = [m.box for m in read.marks]
    ticks = [lab.box() for lab in categories]
    for scale in (read.x_scale, read.y_scale):
        if scale is not None:
            ticks += [lab.box() for lab in scale.labels]
    if not marks:
        return None, None, None
    top = min([b[1] for b in marks] + [(b[1] + b[3]) / 2 for b in ticks])
    bottom = max(b[3] for b in marks + ticks)
    left = min(b[0] for b in marks + ticks)
    text = [lab for lab in rest if lab.number is None or len(lab.text) > 6]
    above = [lab for lab in text if lab.cy <= top and not lab.vertical]
    title = None
    if above:
        biggest = max(lab.size for lab in above)
        lines = sorted([lab for lab in above if lab.size >= 0.9 * biggest], key=lambda lab: lab.y0)
        title = " ".join(lab.text for lab in lines[:2])
    below = sorted([lab for lab in text if lab.cy >= bottom and not lab.vertical], key=lambda lab: lab.y0)
    x_title = below[0].text if below else None
    side = sorted([lab for lab in text if lab.vertical and lab.x1 <= left + 1], key=lambda lab: -lab.x1)
    y_title = side[0].text if side else None
    return title, x_title, y_title


def _unit(tick_unit: str | None, title: str | None) -> str | None:
    if tick_unit:
        return tick_unit
    if title and "(" in title and title.rstrip().endswith(")"):
        return title[title.rindex("(") + 1:-1].strip() or None
    return None


def _clip(box: BBox) -> BBox:
    return (max(0.0, min(1.0, box[0])), max(0.0, min(1.0, box[1])), max(0.0, min(1.0, box[2])),
            max(0.0, min(1.0, box[3])))


def _failed(base: ChartData, message: str) -> ChartData:
    return base.model_copy(update={"error": ErrorInfo(category=ErrorCategory.unreadable_chart, message=message,
                                                      stage=STAGE), "confidence": 0.0})
