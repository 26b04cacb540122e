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
    from docpipe.charts.raster_pie import read_pie
    from docpipe.charts.raster_read_bars import read_bars
    from docpipe.charts.raster_read_xy import read_xy

    if not scene.classes and not scene.boxes:
        return unreadable(page_index, chart_index, scene.region, "no marks and no text in the chart region")
    legend = find_legend(scene.crop, scene.bg, scene.phrases, scene.text_mask)
    skip = [e.box() for e in legend]
    if len(legend) >= 2:  # the legend's frame and the space between its entries
        th = scene.text_size()
        skip.append((int(min(b[0] for b in skip) - th), int(min(b[1] for b in skip) - th),
                     int(max(b[2] for b in skip) + th), int(max(b[3] for b in skip) + th)))
    readings: list[Reading] = []
    for reader in (read_bars, read_xy, read_pie):
        r = reader(scene, legend, skip)
        if r is not None and r.n_points():
            readings.append(r)
    if not readings:
        return unreadable(page_index, chart_index, scene.region, _why(scene))
    best = max(readings, key=_score)
    if _score(best) < 0.25:
        return unreadable(page_index, chart_index, scene.region,
                          f"marks do not form a readable chart (best: {best.chart_type}, "
                          f"explains {best.explained:.0%} of the mark pixels)")
    return _to_chart(scene, best, legend, page_index, chart_index)


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
    for s in r.series:
        pts = []
        for p in s.points:
            conf = point_confidence(p, r)
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
