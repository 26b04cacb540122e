"""Raster charts drawn by matplotlib from data the tests know, with the words matplotlib drew (a
test-only helper for the raster chart reader).

`render(kind, ...)` draws one chart with the Agg backend and returns its RGB pixels, the page word
layer built from the text artists matplotlib placed (so tests exercise the reader, not the OCR),
and the data as plotted. Values come from a seeded generator: every case is reproducible.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from docpipe.records import Word


@dataclass
class RasterChart:
    kind: str
    image: np.ndarray  # H×W×3 uint8 RGB
    words: list[Word]
    categories: list[str]
    series: dict[str | None, list[float]]  # series name (None: unnamed) -> values in category order
    x_values: list[float] | None = None
    extra: dict = field(default_factory=dict)

    def span(self) -> float:
        """The value range the tolerance is a share of: the true values and zero."""
        vals = [v for s in self.series.values() for v in s]
        return max(max(vals), 0.0) - min(min(vals), 0.0)


def _values(rng: random.Random, n: int, low: float, high: float) -> list[float]:
    return [round(rng.uniform(low, high), 1) for _ in range(n)]


def render(kind: str, *, seed: int = 0, size: tuple[float, float] = (6.4, 4.2), dpi: int = 100,
           labels: bool = False, log: bool = False, wrong_label: int | None = None,
           n_series: int = 3, legend: dict | None = None, horizontal: bool = False) -> RasterChart:
    """Draw one chart.

    kind: bar | barh | negative_bar | stacked_bar | grouped_bar | line | line_numeric | scatter |
    pie | donut | area. `labels` prints data labels (bars: values; pies: percentages); `log` uses
    a log value axis (bar, line); `wrong_label` prints a wrong number as the label of that bar.
    Stacked and grouped bars: `n_series` series (2-6, each its own colour), `legend` the keywords
    of matplotlib's `ax.legend` (default: one column outside the plot, right of it), `horizontal`
    draws them as horizontal bars.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rng = random.Random(f"{kind}:{seed}")
    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    cats = ["North", "South", "East", "West", "Central", "Coast"][: rng.randint(4, 6)]
    years = [str(y) for y in range(2015, 2015 + rng.randint(5, 7))]
    series: dict[str | None, list[float]]
    x_values = None
    extra: dict = {}
    if kind in ("bar", "barh", "negative_bar"):
        low, high = (-40.0, 40.0) if kind == "negative_bar" else ((2.0, 900.0) if log else (5.0, 95.0))
        vals = _values(rng, len(cats), low, high)
        if log:  # spread over the decades, so that two or more decade ticks are drawn
            vals = [round(10 ** rng.uniform(math.log10(low), math.log10(high)), 1) for _ in cats]
        if kind == "negative_bar":
            vals = [v if abs(v) >= 4 else v + 8 for v in vals]
            vals[0], vals[1] = abs(vals[0]), -abs(vals[1])
        series = {None: vals}
        draw = ax.barh if kind == "barh" else ax.bar
        bars = draw(cats, vals, color="#4472c4")
        if kind == "negative_bar":
            ax.axhline(0, color="black", linewidth=0.8)
        if log:
            _log_axis(ax)
        if labels or wrong_label is not None:
            texts = [f"{v:g}" for v in vals]
            if wrong_label is not None:
                texts[wrong_label] = f"{vals[wrong_label] + 0.5 * (max(vals) - min(0, min(vals))):.1f}"
                extra["wrong"] = wrong_label
            ax.bar_label(bars, labels=texts)
        categories = cats
    elif kind in ("stacked_bar", "grouped_bar"):
        names = ["Books", "Music", "Games", "Films", "Comics", "Radio"][:n_series]
        series = {n: _values(rng, len(years), 5.0, 40.0) for n in names}
        colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728", "#8c564b"]
        if kind == "stacked_bar":
            bottom = [0.0] * len(years)
            for n, c in zip(names, colors):
                if horizontal:
                    ax.barh(years, series[n], left=bottom, label=n, color=c)
                else:
                    ax.bar(years, series[n], bottom=bottom, label=n, color=c)
                bottom = [b + v for b, v in zip(bottom, series[n])]
        else:
            width = 0.8 / len(names)
            draw = ax.barh if horizontal else ax.bar
            for i, (n, c) in enumerate(zip(names, colors)):
                draw([j + i * width - 0.4 + width / 2 for j in range(len(years))], series[n], width, label=n,
                     color=c)
            if horizontal:
                ax.set_yticks(range(len(years)), years)
            else:
                ax.set_xticks(range(len(years)), years)
        ax.legend(**(legend if legend is not None else {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}))
        categories = years
    elif kind in ("line", "line_numeric", "area"):
        if kind == "line":
            names = ["Web", "Mobile"]
            low, high = (3.0, 3000.0) if log else (10.0, 90.0)
            series = {n: _values(rng, len(years), low, high) for n in names}
            for n, c in zip(names, ["#d62728", "#1f77b4"]):
                ax.plot(years, series[n], marker="o", label=n, color=c, linewidth=2)
            if log:
                _log_axis(ax)
            ax.legend()
        elif kind == "line_numeric":
            x_values = [0.0, 1.5, 4.0, 5.0, 7.5, 10.0]
            series = {None: _values(rng, len(x_values), 5.0, 60.0)}
            ax.plot(x_values, series[None], color="#9467bd", linewidth=2)
        else:
            x_values = [float(y) for y in years]
            series = {None: _values(rng, len(years), 10.0, 80.0)}
            ax.fill_between(x_values, series[None], color="#8c564b")
            ax.set_ylim(bottom=0)
        categories = years if kind != "line_numeric" else [f"{x:g}" for x in x_values]
    elif kind == "scatter":
        n = 14
        x_values = [round(rng.uniform(-20, 40), 2) for _ in range(n)]
        series = {None: [round(rng.uniform(0.5, 9.5), 2) for _ in range(n)]}
        ax.scatter(x_values, series[None], color="#2ca02c", s=30)
        categories = [f"{x:g}" for x in x_values]
    elif kind in ("pie", "donut"):
        parts = [40.0, 25.0, 20.0, 15.0]
        rng.shuffle(parts)
        names = ["Alpha", "Beta", "Gamma", "Delta"]
        series = {None: parts}
        wedge = {"width": 0.4} if kind == "donut" else None
        ax.pie(parts, labels=names, wedgeprops=wedge, startangle=90, counterclock=False,
               autopct="%1.0f%%" if labels else None, colors=["#4e79a7", "#f28e2b", "#59a14f", "#e15759"])
        categories = names
    else:
        raise ValueError(kind)
    ax.set_title("Chart title")
    fig.tight_layout()
    canvas = fig.canvas
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
    if ax.get_legend() is not None:  # where the legend lies: image fractions, origin top-left
        bb = ax.get_legend().get_window_extent(canvas.get_renderer())
        height, width = image.shape[:2]
        extra["legend_box"] = (bb.x0 / width, 1 - bb.y1 / height, bb.x1 / width, 1 - bb.y0 / height)
    return RasterChart(kind, image, _words(fig, image), categories, series, x_values,
                       extra)


def _log_axis(ax) -> None:
    """A log value axis labelled with plain numbers (10, 100, 1000), as most charts print it."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _words(fig, image: np.ndarray) -> list[Word]:
    """One Word per text matplotlib drew (tick labels, titles, legend entries, data labels), its
    box in fractions of the image, origin top-left. Tick labels outside the view limits exist as
    artists but are not drawn: a text with no ink under its box is left out."""
    from matplotlib.text import Text

    height, width = image.shape[:2]
    ink = image.astype(int).sum(axis=2) < 600
    renderer = fig.canvas.get_renderer()
    out = []
    for i, t in enumerate(fig.findobj(Text)):
        text = t.get_text().strip()
        if not text or not t.get_visible():
            continue
        bb = t.get_window_extent(renderer)
        if bb.width <= 0 or bb.height <= 0:
            continue
        box = (bb.x0 / width, 1 - bb.y1 / height, bb.x1 / width, 1 - bb.y0 / height)
        if box[2] <= 0 or box[0] >= 1 or box[3] <= 0 or box[1] >= 1:
            continue
        r0, r1 = int(max(0.0, box[1]) * height), int(np.ceil(min(1.0, box[3]) * height))
        c0, c1 = int(max(0.0, box[0]) * width), int(np.ceil(min(1.0, box[2]) * width))
        if not ink[r0:r1, c0:c1].any():
            continue
        out.append(Word(text=text, bbox=tuple(min(1.0, max(0.0, v)) for v in box), line_id=i))
    return out
