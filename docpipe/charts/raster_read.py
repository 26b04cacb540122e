"""Choose the chart family that explains a `Scene` and turn its reading into `ChartData`."""

from __future__ import annotations

from docpipe.charts.model import ChartData, ChartPoint, ChartSeries
from docpipe.charts.raster_confidence import chart_confidence, point_confidence
from docpipe.charts.raster_legend import find_legend
from docpipe.charts.raster_reading import Reading
from docpipe.charts.raster_result import axis, unit_in_text, unreadable
from docpipe.charts.raster_scene import Scene
from docpipe.charts.raster_titles import titles


def read_scene(scene: Scene, page_index: int, chart_index: int) -> ChartData:
    """The scene read by the chart family that explains it best, as `ChartData`."""
    if not scene.classes and not scene.boxes:
        return unreadable(page_index, chart_index, scene.region, "no marks and no text in the chart region")
    best, legend, why = best_reading(scene)
    if best is None:
        return unreadable(page_index, chart_index, scene.region, why)
    return _to_chart(scene, best, legend, page_index, chart_index)


def best_reading(scene: Scene) -> tuple[Reading | None, list, str]:
    """(reading, legend, why not): every mark reader's reading of the scene, the best kept; None
    with the reason when no reader explains the picture well enough."""
    from docpipe.charts.raster_pie import read_pie
    from docpipe.charts.raster_read_bars import read_bars
    from docpipe.charts.raster_read_xy import read_xy

    ticks = {id(b) for f in (scene.x_axis, scene.y_axis) if f is not None for b in f.labels}
    legend = find_legend(scene.crop, scene.bg, [p for p in scene.phrases if id(p) not in ticks], scene.text_mask)
    skip = [e.box() for e in legend] + _legend_frames(legend, scene)
    readings: list[Reading] = []
    for reader in (read_bars, read_xy, read_pie):
        r = reader(scene, legend, skip)
        if r is not None and r.n_points():
            readings.append(r)
    if not readings:
        return None, legend, _why(scene)
    best = max(readings, key=_score)
    if best.refused:
        return None, legend, best.refused
    if _score(best) < 0.25:
        return None, legend, (f"marks do not form a readable chart (best: {best.chart_type}, "
                              f"explains {best.explained:.0%} of the mark pixels)")
    best.notes.append(f"readings: {', '.join(f'{r.chart_type}={_score(r):.2f}' for r in readings)}")
    best.rivals = sum(1 for r in readings if r is not best and _score(r) > 0.6 * _score(best))
    return best, legend, ""


def _legend_frames(legend, scene: Scene) -> list[tuple[int, int, int, int]]:
    """The box around each group of neighbouring legend entries (within 3 text heights of each
    other), padded by a text height: a legend's frame and the gaps between its entries. A group
    covering more than a fifth of the chart is not a legend block and is left out."""
    th = scene.text_size()
    boxes = [e.box() for e in legend]
    groups: list[list[tuple[int, int, int, int]]] = []
    for b in boxes:
        near = [g for g in groups if any(_gap(b, o) <= 3 * th for o in g)]
        merged = [b] + [o for g in near for o in g]
        groups = [g for g in groups if g not in near] + [merged]
    out = []
    for g in groups:
        if len(g) < 2:
            continue
        box = (int(min(b[0] for b in g) - th), int(min(b[1] for b in g) - th),
               int(max(b[2] for b in g) + th), int(max(b[3] for b in g) + th))
        if (box[2] - box[0]) * (box[3] - box[1]) <= 0.2 * scene.w * scene.h:
            out.append(box)
    return out


def _gap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    dx = max(0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(max(dx, dy))


def _score(r: Reading) -> float:
    """How well a reading explains the picture: mark pixels explained, times axis trust."""
    return r.explained * (0.5 + 0.5 * r.axis_quality)


def _why(scene: Scene) -> str:
    if scene.y_axis is None and scene.x_axis is None:
        return "no value axis (numeric tick labels) and no marks of a known kind"
    return "no bars, lines, points or sectors found"


def _to_chart(scene: Scene, r: Reading, legend, page_index: int, chart_index: int) -> ChartData:
    t = titles(scene, r, legend)
    series = []
    doubtful = _doubtful_categories(r)
    for s in r.series:
        pts = []
        for p in s.points:
            conf = point_confidence(p, r)
            if scene.y_axis2 is not None and p.source == "measured":
                conf = min(conf, EVIDENCE_CAP)  # two value axes: which one this mark is read against is unknown
            if doubtful or p.evidence.get("hidden"):
                conf = min(conf, EVIDENCE_CAP)  # hidden: the bar's end is behind the legend box
            pts.append(ChartPoint(x=p.x, x_value=p.x_value, y=p.y, bbox=scene.to_page(*p.box), source=p.source,
                                  confidence=conf))
        series.append(ChartSeries(name=s.name, color=s.color, points=pts))
    unit = r.value_unit or unit_in_text(t.value_title) or _tick_unit(scene, r)
    lo, hi = r.value_range if r.value_range else (None, None)
    value_axis = axis(t.value_title, unit, r.value_scale, lo, hi)
    clo, chi = r.category_range if r.category_range else (None, None)
    cat_axis = axis(t.category_title, None, r.category_scale, clo, chi)
    return ChartData(
        page_index=page_index,
        chart_index=chart_index,
        bbox=scene.region,
        chart_type=r.chart_type,
        orientation=r.orientation,
        title=t.title,
        x_axis=cat_axis if r.chart_type != "pie" else None,
        y_axis=value_axis if r.chart_type != "pie" else None,
        series=series,
        reader="raster",
        confidence=chart_confidence(series, r),
    )


EVIDENCE_CAP = 0.3
"""Confidence ceiling for points whose reading the chart itself contradicts: a measured value on
a chart with two value axes (the reader cannot tell which axis a mark is drawn against), any
value of a series whose category labels repeat (the category axis was misread), and a bar whose
end is hidden behind the legend box (`raster_occlusion`: its measured length is a lower bound)."""


def _doubtful_categories(r: Reading) -> bool:
    """A series on a category axis names one category twice: the category labels were misread
    (a split label, a tick label taken for a category)."""
    if r.category_scale != "category" or r.chart_type in ("scatter", "pie"):
        return False
    for s in r.series:
        names = [p.x for p in s.points if p.x]
        if len(names) != len(set(names)):
            return True
    return False


def _tick_unit(scene: Scene, r: Reading) -> str | None:
    fit = scene.x_axis if r.orientation == "horizontal" else scene.y_axis
    if fit is None:
        return None
    if all(b.number.percent for b in fit.labels):
        return "%"
    cur = {b.number.currency for b in fit.labels}
    if len(cur) == 1 and None not in cur:
        return cur.pop()
    return None
