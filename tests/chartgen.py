"""Vector PDF charts drawn by matplotlib from data the tests know (a test-only helper).

Each `ChartCase` holds the data exactly as plotted; `pdf_bytes(case)` draws it. Values have at most
two decimals and come from a seeded generator, so every case is reproducible.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["bar", "barh", "grouped_bar", "stacked_bar", "line", "line_numeric", "scatter", "pie", "donut",
               "area", "negative_bar", "no_axis_bar"]


@dataclass
class ChartCase:
    kind: Kind
    title: str
    categories: list[str]
    series: dict[str | None, list[float]]  # name (None: one unnamed series) -> values, in category order
    x_values: list[float] | None = None  # numeric x (line_numeric, scatter)
    x_label: str = ""
    y_label: str = ""
    extra: dict = field(default_factory=dict)  # "legend": keywords of matplotlib's ax.legend (grouped, stacked)


def case(kind: Kind, seed: int = 0) -> ChartCase:
    rng = random.Random(f"{kind}:{seed}")

    def values(n: int, low: float = 1.0, high: float = 90.0) -> list[float]:
        return [round(rng.uniform(low, high), rng.choice([0, 1, 2])) for _ in range(n)]

    regions = ["North", "South", "East", "West", "Central", "Overseas"][: rng.randint(3, 6)]
    years = [str(y) for y in range(2015, 2015 + rng.randint(4, 8))]
    if kind in ("bar", "barh", "no_axis_bar"):
        return ChartCase(kind, "Revenue by region", regions, {None: values(len(regions))}, x_label="Region",
                         y_label="Revenue (USD million)")
    if kind == "negative_bar":
        return ChartCase(kind, "Net change", regions, {None: values(len(regions), -40, 40)}, y_label="Change (%)")
    if kind in ("grouped_bar", "stacked_bar"):
        return ChartCase(kind, "Sales by product", years, {"Books": values(len(years)), "Music": values(len(years)),
                                                           "Games": values(len(years), 0.5, 30)},
                         x_label="Year", y_label="Units (thousands)")
    if kind == "line":
        months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"][: rng.randint(4, 8)]
        return ChartCase(kind, "Monthly users", months, {"Web": values(len(months)), "Mobile": values(len(months))},
                         x_label="Month", y_label="Users")
    if kind == "line_numeric":
        xs = [2010 + i for i in range(rng.randint(5, 9))]
        return ChartCase(kind, "Exports", [str(x) for x in xs], {"Exports": values(len(xs), 0.2, 12)},
                         x_values=[float(x) for x in xs], x_label="Year", y_label="Share of GDP (%)")
    if kind == "scatter":
        n = rng.randint(8, 20)
        xs = [round(rng.uniform(-20, 40), 2) for _ in range(n)]
        return ChartCase(kind, "Height and weight", [str(x) for x in xs], {None: values(n, 0.05, 9.5)},
                         x_values=xs, x_label="Temperature", y_label="Rate")
    if kind in ("pie", "donut"):
        parts = rng.sample([40, 25, 20, 10, 5, 12.5, 7.5, 30, 15], 4)
        total = sum(parts)
        shares = [round(100 * p / total, 10) for p in parts]
        return ChartCase(kind, "Market share", ["Alpha", "Beta", "Gamma", "Delta"], {None: shares})
    if kind == "area":
        return ChartCase(kind, "Stored energy", years, {"Storage": values(len(years))}, x_label="Year",
                         y_label="GWh", x_values=[float(y) for y in years])
    raise ValueError(kind)


def pdf_bytes(chart: ChartCase, *, page_size: tuple[float, float] = (6.0, 4.0)) -> bytes:
    """The chart as a one-page PDF (matplotlib's PDF backend; page size in inches)."""
    import matplotlib

    matplotlib.use("pdf", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=page_size)
    ax = fig.add_subplot()
    _draw(ax, chart)
    if chart.title:
        ax.set_title(chart.title)
    if chart.x_label:
        ax.set_xlabel(chart.x_label)
    if chart.y_label:
        ax.set_ylabel(chart.y_label)
    if "legend" in chart.extra:  # a placed legend (outside the plot too) is kept on the page
        fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="pdf", metadata={"CreationDate": None})
    return buffer.getvalue()


def _draw(ax, chart: ChartCase) -> None:
    names = list(chart.series)
    cats = chart.categories
    kind = chart.kind
    if kind in ("bar", "negative_bar"):
        ax.bar(cats, chart.series[None], color="#4472c4")
        if kind == "negative_bar":
            ax.axhline(0, color="black", linewidth=0.8)
    elif kind == "no_axis_bar":
        bars = ax.bar(cats, chart.series[None], color="#4472c4")
        ax.bar_label(bars, labels=[f"{v:g}" for v in chart.series[None]])
        ax.get_yaxis().set_visible(False)
    elif kind == "barh":
        ax.barh(cats, chart.series[None], color="#ed7d31")
    elif kind == "grouped_bar":
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            ax.bar([j + i * width - 0.4 + width / 2 for j in range(len(cats))], chart.series[name], width, label=name)
        ax.set_xticks(range(len(cats)), cats)
        ax.legend(**chart.extra.get("legend", {}))
    elif kind == "stacked_bar":
        bottom = [0.0] * len(cats)
        for name in names:
            ax.bar(cats, chart.series[name], bottom=bottom, label=name)
            bottom = [b + v for b, v in zip(bottom, chart.series[name])]
        ax.legend(**chart.extra.get("legend", {}))
    elif kind == "line":
        for name in names:
            ax.plot(cats, chart.series[name], marker="o", label=name)
        ax.legend()
    elif kind == "line_numeric":
        ax.plot(chart.x_values, chart.series[names[0]], label=names[0])
    elif kind == "scatter":
        ax.scatter(chart.x_values, chart.series[None], color="#2ca02c")
    elif kind in ("pie", "donut"):
        wedgeprops = {"width": 0.4} if kind == "donut" else None
        ax.pie(chart.series[None], labels=cats, wedgeprops=wedgeprops, startangle=90)
    elif kind == "area":
        ax.fill_between(chart.x_values, chart.series[names[0]], color="#9467bd")
    else:
        raise ValueError(kind)
